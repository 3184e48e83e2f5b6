package telemetry

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/flagactor/flagactor/telemetry/flagactor"
)

var (
	// ErrBadRequestHost reports a host that Fetch refuses to put in a URL:
	// empty, or holding a path, query, fragment, user info, white space or a
	// control character. Fetch checks it before any request is made. It
	// matches flagactor.ErrInvalidHost too, so a bad host is one error
	// whichever package found it.
	ErrBadRequestHost error = invalidHostError("telemetry: bad host for the feature-flag request")

	// ErrBadDriverVersion reports an HTTPFetcher whose DriverVersion is empty,
	// "." or "..": none of them names a version, and the dots would be read as
	// a move in the URL path.
	ErrBadDriverVersion = errors.New("telemetry: bad driver version for the feature-flag request")

	// ErrRedirectRefused reports a redirect Fetch would not follow: one that
	// changes the request's scheme, host or port (the driver's client may add
	// its credentials to every request, and they are for that host only),
	// one past the tenth, or one the client's own CheckRedirect refused.
	ErrRedirectRefused = errors.New("telemetry: feature-flag request redirected elsewhere")

	// ErrResponseTooLarge reports a feature-flag response body over 1 MiB.
	// Nothing is taken from such a body.
	ErrResponseTooLarge = errors.New("telemetry: feature-flag response over 1 MiB")

	// ErrMalformedResponse reports a feature-flag response body that is not
	// {"flags":[{"name":..,"value":..}],"ttl_seconds":N}, or whose framing
	// (chunks, trailer) is broken.
	ErrMalformedResponse = errors.New("telemetry: malformed feature-flag response")
)

// invalidHostError is an error of this package that errors.Is also matches
// with flagactor.ErrInvalidHost, without that error's text in its own.
type invalidHostError string

func (e invalidHostError) Error() string { return string(e) }

// Is reports whether target is flagactor.ErrInvalidHost.
func (e invalidHostError) Is(target error) bool { return target == flagactor.ErrInvalidHost }

// StatusError is a feature-flag response whose status was not 200 OK.
// Callers find it with errors.As; the flag actor uses RetryAfter to hold off
// its next fetch of the host. A 401 or 403 also matches
// flagactor.ErrCredentialRejected with errors.Is, and a 407 (the client's
// proxy refused it) flagactor.ErrClientFailed.
type StatusError struct {
	StatusCode int    // the HTTP status code, e.g. 503
	Status     string // the code and its standard text, e.g. "503 Service Unavailable"

	retryAfter time.Duration
}

// Error names the status; it never holds the response body or any header.
func (e *StatusError) Error() string {
	return "telemetry: feature flags: HTTP " + e.Status
}

// Unwrap returns flagactor.ErrCredentialRejected for 401 Unauthorized and
// 403 Forbidden, so the actor holds off only the lease whose credentials the
// server refused; flagactor.ErrClientFailed for 407 Proxy Authentication
// Required, which only the client's proxy sends; and nil for any other
// status.
func (e *StatusError) Unwrap() error {
	switch e.StatusCode {
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

// newStatusError describes resp's status. The text is the standard one for
// the code, not the server's reason phrase, so the error says only what the
// code means.
func newStatusError(resp *http.Response, now time.Time) *StatusError {
	status := strconv.Itoa(resp.StatusCode)
	if text := http.StatusText(resp.StatusCode); text != "" {
		status += " " + text
	}
	err := &StatusError{StatusCode: resp.StatusCode, Status: status}
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		err.retryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), now)
	}
	return err
}
