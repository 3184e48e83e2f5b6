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
// the path. A host that is not in flagactor.NormalizeHost's normal form is
// an error wrapping flagactor.ErrInvalidHost, one error whichever package
// found it.
func flagsURL(scheme, host, version string) (string, error) {
	if err := checkHost(host); err != nil {
		return "", fmt.Errorf("telemetry: feature-flag request: %w", err)
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

// checkHost refuses host when flagactor.NormalizeHost rejects it or would
// change it. One grammar decides what a host is, and the flag actor passes
// its keys as NormalizeHost returns them. A caller of HTTPFetcher.Fetch that
// did not normalize (a scheme, user info or a path in the host would send
// the driver's credentials somewhere else) is refused rather than mended,
// so that what is asked is what the caller named. An explicit port 443 is
// allowed: a plain-http connection's fetcher names it (connFetcher.Fetch),
// since over http it is no default. The error is NormalizeHost's, which
// never repeats the host: user info or a query is where a secret would be,
// as in the DSN form token:<pat>@host.
func checkHost(host string) error {
	key := host
	if name, ok := strings.CutSuffix(host, ":443"); ok && !hasPort(name) {
		key = name
	}
	normal, err := flagactor.NormalizeHost(key)
	if err == nil && normal != key {
		return fmt.Errorf("%w: not in normal form", flagactor.ErrInvalidHost)
	}
	return err
}
