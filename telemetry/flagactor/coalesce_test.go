package flagactor_test

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flagactor/flagactor/telemetry/messages"
)

// A cold burst: every connection of a pool asks at once while the first
// fetch runs. One fetch serves them all, and none of them is told false.
func TestColdBurstMakesOneFetch(t *testing.T) {
	const n = 1000
	a, _ := newTestActor(t)
	unblock := newGate(t)
	f := newFakeFetcher(always(call{flags: flagsWith("true", 0), wait: unblock.ch}))

	replies := make(chan answer, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			l, err := a.Acquire(context.Background(), "burst.example.com", f.fetcher())
			if err != nil {
				replies <- answer{err: err}
				return
			}
			defer l.Release()
			replies <- enabled(l)
		})
	}
	f.waitStarted(t)
	st := waitStats(t, a, func(s messages.Stats) bool {
		return s.Coalesced == n-1 || s.Fetches > 1
	}, "every query but the first waiting on its fetch")
	require.Equal(t, uint64(1), st.Fetches, "fetches while the first is in flight")
	require.Empty(t, replies, "queries answered while the fetch was blocked")

	unblock.open()
	wg.Wait()
	close(replies)
	var on int
	for got := range replies {
		require.NoError(t, got.err)
		if got.on {
			on++
		}
	}
	require.Equal(t, n, on, "queries told true")
	st = stats(t, a)
	require.Equal(t, uint64(1), st.Fetches, "fetches")
	require.Equal(t, 1, f.Calls(), "fetcher calls")
	require.Equal(t, uint64(n-1), st.Coalesced, "coalesced queries")
}

// A waiter whose context ends leaves at once; the fetch goes on for the
// others, even when the one that left is the query that started it.
func TestWaiterLeavesWhenItsContextEnds(t *testing.T) {
	a, _ := newTestActor(t)
	unblock := newGate(t)
	f := newFakeFetcher(always(call{flags: flagsWith("true", 0), wait: unblock.ch}))
	host := "waiters.example.com"

	starterCtx, cancelStarter := context.WithCancel(context.Background())
	defer cancelStarter()
	starter := queryAsync(starterCtx, acquire(t, a, host, f))
	f.waitStarted(t)

	leaverCtx, cancelLeaver := context.WithCancel(context.Background())
	defer cancelLeaver()
	leaver := queryAsync(leaverCtx, acquire(t, a, host, f))
	stayer := queryAsync(context.Background(), acquire(t, a, host, f))
	waitStats(t, a, func(s messages.Stats) bool { return s.Coalesced == 2 }, "two coalesced waiters")

	cancelLeaver()
	got := recv(t, leaver)
	require.ErrorIs(t, got.err, context.Canceled, "waiter whose context was cancelled")
	require.False(t, got.on)

	cancelStarter()
	got = recv(t, starter)
	require.ErrorIs(t, got.err, context.Canceled, "starter whose context was cancelled")
	requireWaiting(t, stayer, "waiter with a live context, fetch still blocked")

	unblock.open()
	requireOn(t, recv(t, stayer), "waiter that stayed")
	require.Equal(t, 1, f.Calls(), "fetcher calls")
	require.Equal(t, uint64(1), stats(t, a).Fetches, "fetches")
}
