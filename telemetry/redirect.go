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

func (e *redirectError) Error() string {
	return "telemetry: feature flags: refused a redirect: " + e.reason
}

// Is reports whether target is ErrRedirectRefused.
func (e *redirectError) Is(target error) bool { return target == ErrRedirectRefused }

// redirectPolicy wraps a client's redirect policy (nil: net/http's default).
// It counts first, so that no policy follows more than maxRedirects, then
// refuses a redirect that changes the first request's scheme, host or port:
// the driver's client may add credentials to every request it sends, and
// they are for that host. Only then does the client's policy decide; its
// refusal is a refused redirect too. seen starts over for each redirect
// followed.
func redirectPolicy(next func(*http.Request, []*http.Request) error, seen *requestTrace) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		first := via[0].URL
		switch {
		case len(via) >= maxRedirects:
			return &redirectError{reason: "too many redirects"}
		case req.URL.Scheme != first.Scheme:
			return &redirectError{reason: "it changes the scheme"}
		case !sameHostAndPort(first, req.URL):
			return &redirectError{reason: "it leaves the request's host and port"}
		}
		if next != nil {
			switch err := next(req, via); err {
			case nil:
			case http.ErrUseLastResponse: // the client's way to take the redirect as the answer
				return err
			default:
				return &redirectError{reason: "the client's redirect policy refused it"}
			}
		}
		seen.restart()
		return nil
	}
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
