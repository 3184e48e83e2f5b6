package telemetry

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/flagactor/flagactor/telemetry/flagactor"
)

// flagsPath is the feature-flag endpoint; the driver version is the last
// path segment.
const flagsPath = "/api/2.0/connector-service/feature-flags/GOLANG/"

// flagsURL builds {scheme}://{host}/api/2.0/connector-service/feature-flags/GOLANG/{version}.
// The version is escaped as one path segment, so a "/" in it cannot change
// the path. A host that is not in flagactor.NormalizeHost's normal form
// matches flagactor.ErrInvalidHost, one error whichever package found it.
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

// hostProblem says why Fetch refuses host, or "" when it does not: when
// flagactor.NormalizeHost rejects it or would change it. One grammar decides
// what a host is, and the flag actor passes its keys as NormalizeHost
// returns them. A caller of HTTPFetcher.Fetch that did not normalize (a
// scheme, user info or a path in the host would send the driver's
// credentials somewhere else) is refused rather than mended, so that what
// is asked is what the caller named. An explicit port 443 is allowed: a
// plain-http connection's fetcher names it (connFetcher.Fetch), since over
// http it is no default. The reason is NormalizeHost's, which never repeats
// the host: user info or a query is where a secret would be, as in the DSN
// form token:<pat>@host.
func hostProblem(host string) string {
	key := host
	if name, ok := strings.CutSuffix(host, ":443"); ok && !hasPort(name) {
		key = name
	}
	normal, err := flagactor.NormalizeHost(key)
	switch {
	case err != nil:
		// NormalizeHost's error is ErrInvalidHost and the reason.
		reason, _ := strings.CutPrefix(err.Error(), flagactor.ErrInvalidHost.Error()+": ")
		return reason
	case normal != key:
		return "not in normal form"
	}
	return ""
}
