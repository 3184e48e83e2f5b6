package telemetry

import (
	"context"
	"slices"
	"strings"

	"github.com/flagactor/flagactor/telemetry/flagactor"
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
	a, err := g.running()
	if a == nil || err != nil {
		return nil, err
	}
	hosts, err := a.Hosts(ctx)
	if err != nil {
		return nil, g.stopped(err)
	}
	for i, h := range hosts {
		scheme, version := splitNamespace(h.Namespace)
		hosts[i].Host, hosts[i].Namespace = listedHost(scheme, h.Host), version
	}
	// The actor sorts by host then namespace; http:// in front changes that.
	slices.SortStableFunc(hosts, func(x, y messages.HostStatus) int { return strings.Compare(x.Host, y.Host) })
	return hosts, nil
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
	key, err := flagactor.NormalizeHost(leaseHost(host))
	if err != nil {
		return err
	}
	a, err := g.running()
	if a == nil || err != nil {
		return err
	}
	return g.stopped(a.Invalidate(ctx, key))
}

// listedHost is how Hosts lists an entry's host key: with http:// in front
// for a plain-http entry, whose port 80 goes unsaid and whose port 443 (a
// key without a port, see leaseHost) is said.
func listedHost(scheme, key string) string {
	switch {
	case scheme == "https":
		return key
	case !hasPort(key):
		return "http://" + key + ":443"
	}
	return "http://" + strings.TrimSuffix(key, ":80") // the port's colon is the last
}
