package telemetry

import (
	"fmt"
	"net/url"
	"strings"
	"unicode"
)

// flagsPath is the feature-flag endpoint; the driver version is the last
// path segment.
const flagsPath = "/api/2.0/connector-service/feature-flags/GOLANG/"

// flagsURL builds {scheme}://{host}/api/2.0/connector-service/feature-flags/GOLANG/{version}.
// The version is escaped as one path segment, so a "/" in it cannot change
// the path.
func flagsURL(scheme, host, version string) (string, error) {
	if err := checkHost(host); err != nil {
		return "", err
	}
	if version == "" || version == "." || version == ".." {
		return "", fmt.Errorf("%w: %q", ErrBadDriverVersion, version)
	}
	target := (&url.URL{
		Scheme:  scheme,
		Host:    host,
		Path:    flagsPath + version,
		RawPath: flagsPath + url.PathEscape(version),
	}).String()
	// Parsing it back catches what checkHost lets through but a URL cannot
	// hold, such as "[::1" or a bad port, before a request is built. The
	// parser's error repeats the URL, so it is left out.
	if _, err := url.Parse(target); err != nil {
		return "", fmt.Errorf("%w: not name[:port]", ErrBadRequestHost)
	}
	return target, nil
}

// checkHost refuses a host that is not plainly name[:port]. The flag actor
// normalizes hosts before they get here; this is defence in depth against a
// caller that did not, since user info or a path in the host would send the
// driver's credentials somewhere else. The error says what is wrong but
// never repeats the host: the part that is wrong (user info, a query) is
// where a secret would be, as in the DSN form token:<pat>@host.
func checkHost(host string) error {
	if host == "" {
		return fmt.Errorf("%w: empty", ErrBadRequestHost)
	}
	bad := strings.IndexFunc(host, func(r rune) bool {
		return strings.ContainsRune(`/\?#@`, r) || unicode.IsSpace(r) || unicode.IsControl(r)
	})
	if bad >= 0 {
		return fmt.Errorf("%w: %s", ErrBadRequestHost, describeBadHostRune(host[bad]))
	}
	return nil
}

// describeBadHostRune says what the first refused character of a host
// means, without repeating it when it is not one of the URL's own.
func describeBadHostRune(c byte) string {
	switch c {
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
