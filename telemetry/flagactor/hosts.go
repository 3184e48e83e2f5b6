package flagactor

import (
	"cmp"
	"context"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/flagactor/flagactor/telemetry/messages"
)

// Hosts returns every host entry the actor holds (leased, or lingering
// without leases), as its goroutine sees it after every call this goroutine
// made before it, sorted by host, then namespace: one row per entry, whose
// Namespace (AcquireIn) and Host say what it is filed under. Times are on
// the actor's clock (WithClock). An operator reads it to tell a healthy host
// from a failing or idle one; the Values maps are the caller's own copies.
func (a *Actor) Hosts(ctx context.Context) ([]messages.HostStatus, error) {
	reply := make(chan []messages.HostStatus, 1)
	hosts, err := roundTrip(ctx, a, loopCall(func(s *loopState) { reply <- s.hostStatuses() }), reply)
	if err != nil {
		return nil, err
	}
	// Copying and sorting happen here, off the loop. The loop handed out the
	// maps its published answers share, which nobody ever writes to.
	for i := range hosts {
		hosts[i].Values = maps.Clone(hosts[i].Values)
	}
	slices.SortFunc(hosts, func(x, y messages.HostStatus) int {
		return cmp.Or(strings.Compare(x.Host, y.Host), strings.Compare(x.Namespace, y.Namespace))
	})
	return hosts, nil
}

// hostStatuses lists every entry, unsorted, with Values still the shared
// maps of the published answers: Actor.Hosts copies them.
func (s *loopState) hostStatuses() []messages.HostStatus {
	out := make([]messages.HostStatus, 0, len(s.hosts))
	for _, e := range s.hosts {
		out = append(out, s.hostStatus(e))
	}
	return out
}

func (s *loopState) hostStatus(e *hostEntry) messages.HostStatus {
	st := messages.HostStatus{
		Host:      e.host,
		Namespace: e.namespace,
		Leases:    int(e.leases),
		Fresh:     e.fresh,
		Fetching:  e.inflight != nil,
		Failures:  int(e.failures),
	}
	if e.flags != nil {
		st.Values = e.flags.values.Flags.Values
		st.FetchedAt = s.clockTime(e.fetchedAt)
		expires := e.expiresAt
		if !e.fresh {
			// Stale since now at the latest (Invalidate keeps the expiry,
			// for lingering).
			expires = min(expires, s.now)
		}
		st.ExpiresAt = s.clockTime(expires)
	}
	if e.retryAt > s.now {
		st.RetryAt = s.clockTime(e.retryAt)
	}
	if e.lastErr != nil {
		st.LastError = e.lastErr.Error()
	}
	return st
}

// clockTime turns a time of the loop (nanoseconds since its epoch) back into
// the clock's.
func (s *loopState) clockTime(at int64) time.Time {
	return s.a.epoch.Add(time.Duration(at) - epochLead)
}
