package telemetry

import (
	"context"
	"slices"
	"strings"

	"github.com/flagactor/flagactor/telemetry/flagactor"
	"github.com/flagactor/flagactor/telemetry/messages"
)

// HostStatus is one entry of a Gate: a host, with the scheme and driver
// version its answer is for. A Gate asks the flag service once per host,
// scheme and driver version.
type HostStatus struct {
	Scheme        string // "https", or "http" for a host written with an explicit http://
	DriverVersion string
	messages.HostStatus
}

// Hosts returns every entry the Gate's actor holds, sorted by host, then by
// scheme and driver version: the operator's view of what the Gate knows (see
// flagactor.Actor.Hosts). Host is as Invalidate takes it: an https entry's
// host is name[:port], without port 443; a plain-http entry's is
// http://name[:port], without port 80, apart from the same name over https.
// Namespace is left empty: Scheme and DriverVersion say it. A service can
// publish it with expvar.
func (g *Gate) Hosts(ctx context.Context) ([]HostStatus, error) {
	a, err := g.running()
	if a == nil || err != nil {
		return nil, err
	}
	entries, err := a.Hosts(ctx)
	if err != nil {
		return nil, g.stopped(err)
	}
	hosts := make([]HostStatus, len(entries))
	for i, e := range entries {
		scheme, version := splitNamespace(e.Namespace)
		e.Host, e.Namespace = listedHost(scheme, e.Host), ""
		hosts[i] = HostStatus{Scheme: scheme, DriverVersion: version, HostStatus: e}
	}
	// The actor sorts by host then namespace; http:// in front changes that.
	slices.SortStableFunc(hosts, func(x, y HostStatus) int { return strings.Compare(x.Host, y.Host) })
	return hosts, nil
}

// Invalidate ends the backoff of host's entries and marks their values stale,
// in every driver version, so the next query of each fetches anew (see
// flagactor.Actor.Invalidate): for an operator who fixed a credential, or a
// driver that learned a flag changed. It takes a host as Hosts lists it, or
// as a connection wrote it: written with an explicit http:// it names the
// plain-http entries of that host and port, any other spelling the https
// ones. An invalid host is an error matching flagactor.ErrInvalidHost; a
// host the Gate does not hold is no error.
func (g *Gate) Invalidate(ctx context.Context, host string) error {
	key, err := flagactor.NormalizeHost(leaseHost(host))
	if err != nil {
		return err
	}
	a, err := g.running()
	if a == nil || err != nil {
		return err
	}
	scheme := "https"
	if isPlainHTTP(host) {
		scheme = "http"
	}
	entries, err := a.Hosts(ctx)
	for _, e := range entries {
		if s, _ := splitNamespace(e.Namespace); s == scheme && e.Host == key {
			err = a.InvalidateIn(ctx, e.Namespace, key)
		}
		if err != nil {
			break
		}
	}
	return g.stopped(err)
}

// listedHost is how Hosts lists an entry's host key: with http:// in front
// for a plain-http entry, whose port 80 goes unsaid and whose port 443 (a
// key without a port, see leaseHost) is said.
func listedHost(scheme, key string) string {
	if scheme == "https" {
		return key
	}
	if !hasPort(key) {
		return "http://" + key + ":443"
	}
	if name, port, _ := cutPort(key); port == "80" {
		return "http://" + name
	}
	return "http://" + key
}

// cutPort splits name:port or [v6]:port at its port's colon.
func cutPort(key string) (name, port string, ok bool) {
	if !hasPort(key) {
		return key, "", false
	}
	i := strings.LastIndexByte(key, ':')
	return key[:i], key[i+1:], true
}
