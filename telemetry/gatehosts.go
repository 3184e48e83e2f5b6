package telemetry

import (
	"context"
	"slices"
	"strings"

	"github.com/flagactor/flagactor/telemetry/flagactor"
	"github.com/flagactor/flagactor/telemetry/messages"
)

// HostStatus is one host of a Gate, with the driver version its answer is
// for: a Gate asks the flag service once per host and driver version.
type HostStatus struct {
	DriverVersion string
	messages.HostStatus
}

// Hosts returns every host each driver version's actor holds, sorted by host,
// then by driver version: the operator's view of what the Gate knows (see
// flagactor.Actor.Hosts). A host that connections name with an explicit
// http:// is listed as http://name:port, apart from the same name over
// https. A service can publish it with expvar.
func (g *Gate) Hosts(ctx context.Context) ([]HostStatus, error) {
	var hosts []HostStatus
	err := g.eachActor(func(key string, a *flagactor.Actor) error {
		version, plainHTTP := splitActorKey(key)
		byHost, err := a.Hosts(ctx)
		for _, h := range byHost {
			if plainHTTP {
				h.Host = "http://" + h.Host // apart from the same name over https
			}
			hosts = append(hosts, HostStatus{DriverVersion: version, HostStatus: h})
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	// eachActor visits versions in order and each actor's hosts come sorted:
	// a stable sort by host keeps versions in order within a host.
	slices.SortStableFunc(hosts, func(x, y HostStatus) int { return strings.Compare(x.Host, y.Host) })
	return hosts, nil
}

// Invalidate ends host's backoff and marks its value stale in every driver
// version's actor, so the next query of each fetches anew (see
// flagactor.Actor.Invalidate): for an operator who fixed a credential, or a
// driver that learned a flag changed. An invalid host is an error matching
// flagactor.ErrInvalidHost; a host the Gate does not hold is no error. A
// host written with an explicit http:// names the entry of the connections
// that wrote it so (plain http), any other spelling the https one.
func (g *Gate) Invalidate(ctx context.Context, host string) error {
	if _, err := flagactor.NormalizeHost(host); err != nil {
		return err
	}
	plainHTTP := isPlainHTTP(host)
	return g.eachActor(func(key string, a *flagactor.Actor) error {
		if _, plain := splitActorKey(key); plain != plainHTTP {
			return nil
		}
		return a.Invalidate(ctx, leaseHost(host))
	})
}
