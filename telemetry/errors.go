package telemetry

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/flagactor/flagactor/telemetry/flagactor"
)

var (
	// ErrBadDriverVersion reports a DriverVersion (of an HTTPFetcher or a
	// ConnConfig) that is empty, "." or "..", or holds a control character:
	// none of them names a version, the dots would be read as a move in the
	// URL path, and a control character could pass for the Gate's mark of a
	// plain-http entry (see checkDriverVersion).
	ErrBadDriverVersion = errors.New("telemetry: bad driver version for the feature-flag request")

	// ErrMalformedResponse reports a feature-flag response whose body is not
	// {"flags":[{"name":..,"value":..}],"ttl_seconds":N} or is over 1 MiB, or
	// whose framing (status line, header, chunks, trailer) is broken. Nothing
	// is taken from it.
	ErrMalformedResponse = errors.New("telemetry: malformed feature-flag response")
)

// StatusError is a feature-flag response whose status was not 200 OK.
// Callers find it with errors.As; the flag actor uses RetryAfter to hold off
// its next fetch of the host. A 401 or 403 also matches
// flagactor.ErrCredentialRejected with errors.Is, and a 407 (the client's
// proxy refused it) flagactor.ErrClientFailed.
type StatusError struct {
	code       int // the HTTP status code, e.g. 503
	retryAfter time.Duration
}

// Error names the status by its code and the code's standard text, never
// the server's reason phrase; it never holds the response body or any
// header.
func (e *StatusError) Error() string {
	text := "telemetry: feature flags: HTTP " + strconv.Itoa(e.code)
	if standard := http.StatusText(e.code); standard != "" {
		text += " " + standard
	}
	return text
}

// Unwrap returns flagactor.ErrCredentialRejected for 401 Unauthorized and
// 403 Forbidden, so the actor holds off only the lease whose credentials the
// server refused; flagactor.ErrClientFailed for 407 Proxy Authentication
// Required, which only the client's proxy sends; and nil for any other
// status.
func (e *StatusError) Unwrap() error {
	switch e.code {
	case http.StatusUnauthorized, http.StatusForbidden:
		return flagactor.ErrCredentialRejected
	case http.StatusProxyAuthRequired:
		return flagactor.ErrClientFailed
	}
	return nil
}

// RetryAfter returns how long the server asked the client to wait before
// asking again: the Retry-After header of a 429 or 503 response, in seconds
// or as an HTTP date, capped at 24 hours. It is 0 for any other status and
// for a missing, malformed or past Retry-After.
func (e *StatusError) RetryAfter() time.Duration {
	return e.retryAfter
}

// newStatusError describes resp's status.
func newStatusError(resp *http.Response, now time.Time) *StatusError {
	err := &StatusError{code: resp.StatusCode}
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		err.retryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), now)
	}
	return err
}
