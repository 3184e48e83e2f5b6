package telemetry

import (
	"context"
	"errors"
	"maps"
	"slices"

	"github.com/flagactor/flagactor/telemetry/flagactor"
	"github.com/flagactor/flagactor/telemetry/messages"
)

// versionStats is one driver version's share of a Gate's counters: those of
// the version's actor.
type versionStats struct {
	DriverVersion string
	messages.Stats
}

// Stats returns the counters of the Gate's actors, summed over driver
// versions. A Gate no connection has asked the server through yet has no
// actor: its Stats are zero.
func (g *Gate) Stats(ctx context.Context) (messages.Stats, error) {
	byVersion, err := g.versionStats(ctx)
	if err != nil {
		return messages.Stats{}, err
	}
	var sum messages.Stats
	for _, v := range byVersion {
		sum = addStats(sum, v.Stats)
	}
	return sum, nil
}

// versionStats returns the counters of each driver version's actor (a
// version whose connections use both https and plain http has two), in
// order of the actors' keys.
func (g *Gate) versionStats(ctx context.Context) ([]versionStats, error) {
	var byVersion []versionStats
	err := g.eachActor(func(key string, a *flagactor.Actor) error {
		version, _ := splitActorKey(key)
		stats, err := a.Stats(ctx)
		if err == nil {
			byVersion = append(byVersion, versionStats{DriverVersion: version, Stats: stats})
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return byVersion, nil
}

// eachActor calls visit with each driver version's actor, in version order,
// and stops at the first error. An actor whose loop stopped after a fault,
// or that is being given back, is passed over: its state went with its loop,
// and the next Open of its version starts a new one.
func (g *Gate) eachActor(visit func(version string, a *flagactor.Actor) error) error {
	s := g.state.Load()
	if s == nil {
		return nil
	}
	if s.closed {
		return flagactor.ErrClosed
	}
	for _, name := range slices.Sorted(maps.Keys(s.versions)) {
		err := visit(name, s.versions[name].actor)
		if err != nil && !(errors.Is(err, flagactor.ErrClosed) && !g.isClosed()) {
			return err
		}
	}
	return nil
}

// addStats adds b's counters to a's.
func addStats(a, b messages.Stats) messages.Stats {
	a.Hosts += b.Hosts
	a.Leases += b.Leases
	a.Fetches += b.Fetches
	a.FetchErrors += b.FetchErrors
	a.Coalesced += b.Coalesced
	a.StaleServed += b.StaleServed
	a.Evictions += b.Evictions
	a.LogsDropped += b.LogsDropped
	return a
}
