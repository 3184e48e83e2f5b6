package flagactor_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/flagactor/flagactor/telemetry/flagactor"
)

// errDial is what a Fetcher returns when its own client failed before any
// answer (a dial, TLS or proxy failure).
var errDial = fmt.Errorf("dial tcp: connection refused: %w", flagactor.ErrClientFailed)

// One connection's broken client is its own failure: that lease backs off,
// the host does not, and another lease's query fetches at once with its own
// Fetcher.
func TestClientFailureIsTheLeasesOwn(t *testing.T) {
	a, _ := newTestActor(t)
	broken := newFakeFetcher(always(call{err: errDial}))
	good := answers("true")
	host := "shared.example.com"
	brokenLease := acquire(t, a, host, broken)
	goodLease := acquire(t, a, host, good)

	requireFailed(t, enabled(brokenLease), flagactor.ErrClientFailed, "query of the lease with a broken client")
	requireFailed(t, enabled(brokenLease), flagactor.ErrClientFailed, "query of the broken lease inside its backoff")
	require.Equal(t, 1, broken.Calls(), "calls of the broken Fetcher inside its backoff")

	requireOn(t, enabled(goodLease), "query of another lease right after")
	require.Equal(t, 1, good.Calls(), "calls of the good Fetcher")
	requireOn(t, enabled(brokenLease), "query of the broken lease once a fresh value is in")
	require.Equal(t, 1, broken.Calls(), "calls of the broken Fetcher")
}

// An outage every connection sees stays cheap: twenty leases that each
// query every second for three minutes, every fetch failing on its own
// client, make at most three times the requests one lease makes.
func TestEveryClientFailingCostsAtMostThreeTimesOneLease(t *testing.T) {
	requests := func(leases int) int {
		a, mock := newTestActor(t, flagactor.WithTTL(time.Minute))
		fetchers := make([]*fakeFetcher, leases)
		held := make([]*flagactor.Lease, leases)
		for i := range leases {
			fetchers[i] = newFakeFetcher(always(call{err: errDial}))
			held[i] = acquire(t, a, "down.example.com", fetchers[i])
		}
		for range 3 * 60 {
			for _, l := range held {
				requireFailed(t, enabled(l), flagactor.ErrClientFailed, "query in the outage")
			}
			advance(t, mock, a, time.Second)
		}
		total := 0
		for _, f := range fetchers {
			total += f.Calls()
		}
		st := stats(t, a)
		require.Equal(t, uint64(total), st.Fetches, "fetches")
		require.Equal(t, st.Fetches, st.FetchErrors, "every fetch failed once, and is counted once")
		return total
	}
	one, twenty := requests(1), requests(20)
	t.Logf("requests in three minutes of outage: one lease %d, twenty leases %d", one, twenty)
	require.LessOrEqual(t, twenty, 3*one, "requests of twenty leases against one lease's %d", one)
}
