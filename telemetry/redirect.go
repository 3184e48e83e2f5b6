package telemetry

import (
	"net/http"
	"net/url"
	"strings"
)

// maxRedirects is how many redirects Fetch follows when the driver's client
// has no redirect policy of its own: net/http's default.
const maxRedirects = 10

// redirectError is a redirect Fetch would not follow. It names the target's
// scheme and host only: a Location may carry user info or a signed query.
type redirectError struct {
	target string // scheme://host[:port] of the refused Location
	reason string
}

func (e *redirectError) Error() string {
	return "telemetry: feature flags: refusing a redirect to " + e.target + ": " + e.reason
}

// Is reports whether target is ErrRedirectRefused.
func (e *redirectError) Is(target error) bool { return target == ErrRedirectRefused }

func refuseRedirect(to *url.URL, reason string) error {
	return &redirectError{target: to.Scheme + "://" + to.Host, reason: reason}
}

// sameHostOnly wraps a client's redirect policy (nil means net/http's
// default of at most 10 redirects) with a refusal to follow a redirect that
// leaves https or the first request's host and port: the driver's client
// may add credentials to every request it sends, and they are for that host.
func sameHostOnly(next func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if req.URL.Scheme != "https" {
			return refuseRedirect(req.URL, "it leaves https")
		}
		if !sameHostAndPort(via[0].URL, req.URL) {
			return refuseRedirect(req.URL, "it leaves the request's host and port")
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= maxRedirects {
			return refuseRedirect(req.URL, "too many redirects")
		}
		return nil
	}
}

// sameHostAndPort reports whether two https URLs name the same host, ignoring
// case, and the same port, 443 when none is given.
func sameHostAndPort(a, b *url.URL) bool {
	return strings.EqualFold(a.Hostname(), b.Hostname()) && httpsPort(a) == httpsPort(b)
}

func httpsPort(u *url.URL) string {
	if port := u.Port(); port != "" {
		return port
	}
	return "443"
}
