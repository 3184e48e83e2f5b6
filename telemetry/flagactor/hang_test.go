package flagactor_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/flagactor/flagactor/telemetry/flagactor"
)

// A Fetcher that ignores its context and hangs holds its host: round after
// round of fetch timeouts and backoffs start no second fetch of it while the
// first has not returned (queries get the timeout error, as in a backoff),
// so fetch goroutines stay bounded by hosts, not by rounds. Once it returns
// (its late answer ignored), the next query fetches again.
func TestHungFetchHoldsItsHost(t *testing.T) {
	const (
		timeout = 5 * time.Second
		rounds  = 30
	)
	ttl := time.Minute
	a, mock := newTestActor(t, flagactor.WithFetchTimeout(timeout), flagactor.WithTTL(ttl))
	unblock := newGate(t)
	f := newFakeFetcher(func(n int) call {
		if n == 1 {
			return call{flags: flagsWith("true", 0), wait: unblock.ch}
		}
		return call{flags: flagsWith("true", 0)}
	})
	l := acquire(t, a, "hang.example.com", f)
	waiter := queryAsync(t.Context(), l)
	f.waitStarted(t)
	advance(t, mock, a, timeout)
	requireFailed(t, recv(t, waiter), flagactor.ErrFetchTimeout, "waiter at the timeout")

	for round := range rounds {
		advance(t, mock, a, ttl+ttl/5) // past any backoff
		requireFailed(t, enabled(l), flagactor.ErrFetchTimeout, "query while the timed-out fetch hangs")
		advance(t, mock, a, timeout)
		require.Equal(t, 1, f.Calls(), "fetcher calls after round %d", round)
	}
	st := stats(t, a)
	require.Equal(t, uint64(1), st.Fetches, "fetches while one hangs")
	require.Equal(t, 1, st.Hosts, "host entries")

	unblock.open() // the hung fetch returns, too late to count
	require.True(t, waitFor(func() bool {
		got := enabled(l)
		return got.err == nil && got.on
	}), "no fetch after the hung one returned")
	require.Equal(t, 2, f.Calls(), "fetcher calls")
}

// While a timed-out fetch hangs, a host with a value keeps serving it, and
// a lingering host is not evicted: a new lease on it would start a second
// fetch goroutine.
func TestHungFetchKeepsLastValueAndEntry(t *testing.T) {
	const timeout = 5 * time.Second
	ttl := time.Minute
	a, mock := newTestActor(t, flagactor.WithFetchTimeout(timeout), flagactor.WithTTL(ttl))
	unblock := newGate(t)
	f := newFakeFetcher(func(n int) call {
		if n == 1 {
			return call{flags: flagsWith("true", 0)}
		}
		return call{flags: flagsWith("false", 0), wait: unblock.ch}
	})
	l := acquire(t, a, "hang.example.com", f)
	requireOn(t, enabled(l), "first query")
	f.waitStarted(t)
	advance(t, mock, a, ttl)
	requireOn(t, enabled(l), "stale query that starts the refresh")
	require.Equal(t, 2, f.waitStarted(t).n, "the refresh")
	advance(t, mock, a, timeout)
	l.Release()

	st := advance(t, mock, a, 10*ttl)
	require.Equal(t, 1, st.Hosts, "host entries while its timed-out fetch hangs")
	again := acquire(t, a, "hang.example.com", f)
	requireOn(t, enabled(again), "query of the last value while the fetch hangs")
	require.Equal(t, 2, f.Calls(), "fetcher calls")
}
