package telemetry

import (
	"context"
	"log/slog"
	"strings"

	"github.com/flagactor/flagactor/telemetry/messages"
)

// connFetcher is the Fetcher a connection lends to the fetches its queries
// start (a Conn holds its own): an HTTPFetcher with the connection's client
// and driver version, the scheme its host was written with (leaseHost) and
// the Gate's logger.
type connFetcher struct {
	fetcher HTTPFetcher
	scheme  string       // "https", or "http" for a host written with http://
	logger  *slog.Logger // gets the records of skipped parts; nil for none
}

// Fetch asks host as HTTPFetcher.Fetch does, over the connection's scheme.
// A plain-http host key without a port is port 443, which NormalizeHost
// drops as https's default: leaseHost gives every other one a port.
func (c *connFetcher) Fetch(ctx context.Context, host string) (messages.Flags, error) {
	if c.scheme == "http" && !hasPort(host) {
		host += ":443"
	}
	return c.fetcher.fetch(ctx, host, c.scheme, c.logger)
}

// cutPrefixFold is strings.CutPrefix ignoring ASCII case.
func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) < len(prefix) || !strings.EqualFold(s[:len(prefix)], prefix) {
		return s, false
	}
	return s[len(prefix):], true
}

// hasPort reports whether name[:port] or [v6][:port] has a port.
func hasPort(host string) bool {
	return strings.LastIndexByte(host, ':') > strings.LastIndexByte(host, ']')
}

// leaseHost is the host a connection's lease is filed under, and the scheme
// its fetches ask it over. A host written with an explicit http:// (any
// case, after trimming space) is asked over plain http; any other over
// https only. The host is as written, but for an explicit http:// host
// without a port, which names port 80 and is given it. NormalizeHost drops
// a port 443 (https's default), so in a plain-http entry a host without a
// port is port 443 and one with :80 is http's default (see listedHTTPHost):
// http://name and http://name:443 are two entries, as they are two servers.
func leaseHost(host string) (key, scheme string) {
	rest, ok := cutPrefixFold(strings.TrimSpace(host), "http://")
	name := strings.TrimSuffix(rest, "/")
	switch {
	case !ok:
		return host, "https"
	case name == "" || hasPort(name):
		return host, "http"
	}
	return "http://" + name + ":80", "http"
}

// namespace is what the Gate files c's connection's entry under, with its
// host (flagactor.Actor.AcquireIn): its driver version, for which the
// service answers, and its scheme, since an answer fetched over plain http,
// which anyone on the path can forge, must never serve an https connection.
// An https entry's namespace is the version itself; a plain-http one's is
// the version after plainHTTPNamespace, whose NUL no version holds (Open
// refuses control characters), so no version can pass for another scheme's.
func (c *connFetcher) namespace() string {
	if c.scheme == "http" {
		return plainHTTPNamespace + c.fetcher.DriverVersion
	}
	return c.fetcher.DriverVersion
}

// plainHTTPNamespace starts the namespace of a plain-http entry.
const plainHTTPNamespace = "http\x00"
