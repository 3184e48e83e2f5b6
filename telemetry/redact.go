package telemetry

import (
	"errors"
	"net/url"
	"strconv"
	"strings"
)

// redactedError reports a failure whose cause's text may repeat what the
// client sent: net/http quotes, in the errors of a request or of reading its
// answer, what came from the server or a redirect's Location (a malformed
// status line, a header, the URL), and a server may echo the credentials
// the driver's client added. Its text is the cause's with every quoted part
// cut out. The cause stays matchable with errors.Is (a cancelled context, a
// reset connection) but is not unwrapped, so no error in the chain shows it.
type redactedError struct {
	text  string
	cause error
}

func (e *redactedError) Error() string { return e.text }

// Is reports whether the cause matches target.
func (e *redactedError) Is(target error) bool { return errors.Is(e.cause, target) }

// requestError reports a request to target (the fetcher's own URL) that got
// no answer. net/http's *url.Error names the URL it was sending, which after
// a redirect is the server's Location, query and user info included; the
// error names target instead. A refused redirect is its own error, naming
// the redirect's scheme and host only.
func requestError(method, target string, err error) error {
	var refused *redirectError
	if errors.As(err, &refused) {
		return refused
	}
	cause := err
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		cause = urlErr.Err
	}
	return &redactedError{
		text:  "telemetry: feature flags: " + method + " " + target + ": " + redactQuoted(cause.Error()),
		cause: cause,
	}
}

// readError reports a failure to read the response body.
func readError(err error) error {
	return &redactedError{
		text:  "telemetry: feature flags: reading the response: " + redactQuoted(err.Error()),
		cause: err,
	}
}

// redactQuoted replaces every Go-quoted string in s with "…". A quote that
// does not open a well-formed quoted string cuts s there.
func redactQuoted(s string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '"')
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		b.WriteString(`"…"`)
		quoted, err := strconv.QuotedPrefix(s[i:])
		if err != nil {
			return b.String()
		}
		s = s[i+len(quoted):]
	}
}
