package telemetry

import (
	"context"
	"log/slog"
	"strings"

	"github.com/flagactor/flagactor/telemetry/flagactor"
	"github.com/flagactor/flagactor/telemetry/messages"
)

// newConnFetcher returns the Fetcher a connection lends to the fetches its
// queries start: its own client, driver version and User-Agent. A Host
// written with an explicit http:// (any case, after trimming space) is
// asked over plain http; any other over https only. logger gets the
// fetcher's records; nil for none.
func newConnFetcher(cfg ConnConfig, logger *slog.Logger) flagactor.Fetcher {
	c := &connFetcher{
		fetcher: HTTPFetcher{Client: cfg.Client, DriverVersion: cfg.DriverVersion, UserAgent: cfg.UserAgent},
		opts:    fetchOptions{scheme: "https", logger: logger},
	}
	if rest, ok := cutPrefixFold(strings.TrimSpace(cfg.Host), "http://"); ok { // isPlainHTTP
		c.opts.scheme = "http"
		// The host key drops port 443, https's default; over http it is
		// no default, and the driver wrote it.
		c.port443 = hasPort443(rest)
	}
	return c
}

// connFetcher is a connection's fetcher: an HTTPFetcher with the scheme the
// connection's host was written with and the Gate's logger.
type connFetcher struct {
	fetcher HTTPFetcher
	opts    fetchOptions
	port443 bool // over http, to port 443 when the host key has no port
}

// Fetch asks host as HTTPFetcher.Fetch does, over the connection's scheme.
func (c *connFetcher) Fetch(ctx context.Context, host string) (messages.Flags, error) {
	if c.port443 && !hasPort(host) {
		host += ":443"
	}
	return c.fetcher.fetch(ctx, host, c.opts)
}

// cutPrefixFold is strings.CutPrefix ignoring ASCII case.
func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) < len(prefix) || !strings.EqualFold(s[:len(prefix)], prefix) {
		return s, false
	}
	return s[len(prefix):], true
}

// hasPort443 reports whether host[:port][/] names port 443 (any spelling
// NormalizeHost reads as 443, such as 0443).
func hasPort443(host string) bool {
	host = strings.TrimSuffix(host, "/")
	if !hasPort(host) {
		return false
	}
	port := host[strings.LastIndexByte(host, ':')+1:]
	return strings.TrimLeft(port, "0") == "443"
}

// hasPort reports whether name[:port] or [v6][:port] has a port.
func hasPort(host string) bool {
	return strings.LastIndexByte(host, ':') > strings.LastIndexByte(host, ']')
}

// leaseHost is the host a connection's lease is filed under. An explicit
// http:// host without a port names port 80, and the key says so: in the
// plain-http actor (see actorKey) http://name and http://name:443 are two
// entries, as they are two servers.
func leaseHost(host string) string {
	rest, ok := cutPrefixFold(strings.TrimSpace(host), "http://")
	name := strings.TrimSuffix(rest, "/")
	if !ok || name == "" || hasPort(name) {
		return host
	}
	return "http://" + name + ":80"
}

// plainHTTPKey prefixes the Gate's key for the actor of a driver version's
// plain-http connections. Connections whose host is written with an
// explicit http:// get an actor of their own: an answer fetched over plain
// http, which anyone on the path can forge, never serves an https
// connection, whatever port either names.
const plainHTTPKey = "http\x00"

// actorKey is the key of the Gate's actor for a connection: its driver
// version, in a namespace of its own for a plain-http host.
func actorKey(cfg ConnConfig) string {
	if isPlainHTTP(cfg.Host) {
		return plainHTTPKey + cfg.DriverVersion
	}
	return cfg.DriverVersion
}

// splitActorKey returns the driver version of an actor's key, and whether
// the actor serves plain-http hosts.
func splitActorKey(key string) (version string, plainHTTP bool) {
	return strings.CutPrefix(key, plainHTTPKey)
}

// isPlainHTTP reports whether host is written with an explicit http://
// (any case, space around it).
func isPlainHTTP(host string) bool {
	_, ok := cutPrefixFold(strings.TrimSpace(host), "http://")
	return ok
}
