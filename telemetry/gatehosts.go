package telemetry

import (
	"context"
	"slices"
	"strings"

	"github.com/flagactor/flagactor/telemetry/messages"
)

// Hosts returns every entry the Gate's actor holds (see flagactor.Actor.Hosts),
// sorted by Host, then by driver version: the operator's view of what the
// Gate knows, which a service can publish with expvar. An entry's Host is
// as Invalidate takes it, with its scheme and any port other than the
// scheme's default: name[:port] over https, without port 443;
// http://name[:port] over plain http, without port 80. Its Namespace is the
// driver version its connections gave.
func (g *Gate) Hosts(ctx context.Context) ([]messages.HostStatus, error) {
	hosts, err := g.actor().Hosts(ctx)
	for i, h := range hosts {
		if version, ok := strings.CutPrefix(h.Namespace, plainHTTPNamespace); ok {
			hosts[i].Host, hosts[i].Namespace = listedHTTPHost(h.Host), version
		}
	}
	// The actor sorts by host then namespace; http:// in front changes that.
	slices.SortStableFunc(hosts, func(x, y messages.HostStatus) int { return strings.Compare(x.Host, y.Host) })
	return hosts, g.stopped(err)
}

// Invalidate ends the backoff of host's entries and marks their values stale,
// in every driver version, so the next query of each fetches anew (see
// flagactor.Actor.Invalidate): for an operator who fixed a credential, or a
// driver that learned a flag changed. It takes a host as Hosts lists it, or
// as a connection wrote it, and reaches every entry of that name and port,
// over either scheme: http://name:443 and name (https's port 443) name one,
// as do http://name (port 80) and name:80. An invalid host is an error
// matching flagactor.ErrInvalidHost; a host the Gate does not hold is no
// error.
func (g *Gate) Invalidate(ctx context.Context, host string) error {
	key, _ := leaseHost(host)
	return g.stopped(g.actor().Invalidate(ctx, key))
}

// listedHTTPHost is how Hosts lists a plain-http entry's host key: with
// http:// in front, its port 80 unsaid and its port 443 (a key without a
// port, see leaseHost) said.
func listedHTTPHost(key string) string {
	if !hasPort(key) {
		return "http://" + key + ":443"
	}
	return "http://" + strings.TrimSuffix(key, ":80") // the port's colon is the last
}
