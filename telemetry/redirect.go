package telemetry

import (
	"net/http"
	"net/url"
	"strings"
)

// maxRedirects is how many redirects Fetch follows at most, whatever the
// driver's client allows: net/http's default.
const maxRedirects = 10

// redirectError is a redirect Fetch would not follow. It says why, and
// names no part of the Location: a server may put a token in its host, or
// even in its scheme, as well as in its path.
type redirectError struct {
	reason string
}

// Error says why the redirect was refused, never where it led.
func (e *redirectError) Error() string {
	return "telemetry: feature flags: refused a redirect: " + e.reason
}

// redirectPolicy wraps a client's redirect policy (nil: net/http's default).
// It counts first, so that no policy follows more than maxRedirects, then
// refuses a redirect that changes the first request's scheme, host or port
// (first, a copy the policy cannot change): the driver's client may add
// credentials to every request it sends, and they are for that host. Only
// then does the client's policy decide; its refusal is a refused redirect
// too. The policy may change the request: it is checked again after.
func redirectPolicy(next func(*http.Request, []*http.Request) error, first url.URL) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if len(via) >= maxRedirects {
			return &redirectError{reason: "too many redirects"}
		}
		if err := checkRedirect(&first, req.URL); err != nil || next == nil {
			return err
		}
		switch err := next(req, via); err {
		case nil:
		case http.ErrUseLastResponse: // the client's way to take the redirect as the answer
			return err
		default:
			return &redirectError{reason: "the client's redirect policy refused it"}
		}
		return checkRedirect(&first, req.URL)
	}
}

// checkRedirect refuses a redirect from first to to that changes the
// scheme, the host or the port.
func checkRedirect(first, to *url.URL) error {
	switch {
	case to.Scheme != first.Scheme:
		return &redirectError{reason: "it changes the scheme"}
	case !sameHostAndPort(first, to):
		return &redirectError{reason: "it leaves the request's host and port"}
	}
	return nil
}

// sameHostAndPort reports whether two URLs of one scheme name the same host,
// ignoring case, and the same port, the scheme's default when none is given.
func sameHostAndPort(a, b *url.URL) bool {
	return strings.EqualFold(a.Hostname(), b.Hostname()) && portOf(a) == portOf(b)
}

func portOf(u *url.URL) string {
	if port := u.Port(); port != "" {
		return port
	}
	if u.Scheme == "http" {
		return "80"
	}
	return "443"
}
