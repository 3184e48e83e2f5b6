package telemetry

import (
	"context"
	"maps"
	"slices"

	"github.com/flagactor/flagactor/telemetry/flagactor"
	"github.com/flagactor/flagactor/telemetry/messages"
)

// Stats returns the counters of the Gate's actors, summed over driver
// versions. A Gate no connection has asked the server through yet has none:
// its Stats are zero.
func (g *Gate) Stats(ctx context.Context) (messages.Stats, error) {
	g.mu.Lock()
	closed := g.closed.Load()
	actors := slices.Collect(maps.Values(g.actors))
	g.mu.Unlock()
	if closed {
		return messages.Stats{}, flagactor.ErrClosed
	}
	var sum messages.Stats
	for _, a := range actors {
		s, err := a.Stats(ctx)
		if err != nil {
			return messages.Stats{}, err
		}
		sum = addStats(sum, s)
	}
	return sum, nil
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
	return a
}
