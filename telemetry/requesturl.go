package telemetry

import (
	"fmt"
	"net/url"
	"strings"
	"unicode"

	"github.com/flagactor/flagactor/telemetry/flagactor"
)

// flagsPath is the feature-flag endpoint; the driver version is the last
// path segment.
const flagsPath = "/api/2.0/connector-service/feature-flags/GOLANG/"

// flagsURL builds {scheme}://{host}/api/2.0/connector-service/feature-flags/GOLANG/{version}.
// The version is escaped as one path segment, so a "/" in it cannot change
// the path. A host that is not plainly name[:port] matches
// flagactor.ErrInvalidHost, one error whichever package found it.
func flagsURL(scheme, host, version string) (string, error) {
	if problem := hostProblem(host); problem != "" {
		return "", badHostError(problem)
	}
	if version == "" || version == "." || version == ".." {
		return "", fmt.Errorf("%w: %q", ErrBadDriverVersion, version)
	}
	return (&url.URL{
		Scheme:  scheme,
		Host:    host,
		Path:    flagsPath + version,
		RawPath: flagsPath + url.PathEscape(version),
	}).String(), nil
}

// badHostError is a host Fetch refuses to put in a URL, and what is wrong
// with it. errors.Is matches it with flagactor.ErrInvalidHost, without that
// error's text in its own.
type badHostError string

// Error says what is wrong with the host, never the host.
func (e badHostError) Error() string {
	return "telemetry: bad host for the feature-flag request: " + string(e)
}

// Is reports whether target is flagactor.ErrInvalidHost.
func (e badHostError) Is(target error) bool { return target == flagactor.ErrInvalidHost }

// hostProblem says why host is not plainly name[:port]; "" when it is. The
// flag actor normalizes hosts before they get here; this is defence in
// depth against a caller that did not, since user info or a path in the
// host would send the driver's credentials somewhere else. It says what is
// wrong but never repeats the host: the part that is wrong (user info, a
// query) is where a secret would be, as in the DSN form token:<pat>@host.
func hostProblem(host string) string {
	bad := strings.IndexFunc(host, func(r rune) bool {
		return strings.ContainsRune(`/\?#@`, r) || unicode.IsSpace(r) || unicode.IsControl(r)
	})
	if bad < 0 {
		// Parsing catches what a URL cannot hold, such as "[::1" or a bad
		// port. The parser's error repeats the URL, so it is left out.
		if _, err := url.Parse("https://" + host); err != nil || host == "" {
			return "not name[:port]"
		}
		return ""
	}
	switch host[bad] {
	case '/', '\\':
		return "has a path"
	case '?':
		return "has a query"
	case '#':
		return "has a fragment"
	case '@':
		return "has user info"
	}
	return "has white space or a control character"
}
