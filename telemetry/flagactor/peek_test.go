package flagactor_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/flagactor/flagactor/telemetry/flagactor"
	"github.com/flagactor/flagactor/telemetry/messages"
)

// peek is what one Peek returned.
type peek struct{ on, known bool }

func peekOf(l *flagactor.Lease) peek {
	on, known := l.Peek(testFlag)
	return peek{on, known}
}

// Peek never waits: on a cold host it says "unknown" and starts the fetch,
// whose answer a later Peek sees without asking the loop again.
func TestPeekStartsFetchWithoutWaiting(t *testing.T) {
	a, _ := newTestActor(t)
	unblock := newGate(t)
	f := newFakeFetcher(always(call{flags: flagsWith("true", 0), wait: unblock.ch}))
	l := acquire(t, a, "peek.example.com", f)

	require.Equal(t, peek{false, false}, peekOf(l), "Peek of a cold host")
	f.waitStarted(t)
	for range 100 {
		require.Equal(t, peek{false, false}, peekOf(l), "Peek while the fetch is in flight")
	}
	require.Equal(t, uint64(1), stats(t, a).Fetches, "fetches while Peek is repeated")

	unblock.open()
	require.True(t, waitFor(func() bool { return peekOf(l) == peek{true, true} }), "Peek never saw the fetched value")
	for range 100 {
		require.Equal(t, peek{true, true}, peekOf(l), "Peek of a fresh value")
	}
	st := stats(t, a)
	require.Equal(t, uint64(1), st.Fetches, "fetches")
	require.Equal(t, 1, f.Calls(), "fetcher calls")
}

// Peek of a stale value returns it and starts one refresh.
func TestPeekOfStaleValueStartsOneRefresh(t *testing.T) {
	ttl := 10 * time.Minute
	a, mock := newTestActor(t, flagactor.WithTTL(ttl))
	unblock := newGate(t)
	f := newFakeFetcher(func(n int) call {
		if n == 1 {
			return call{flags: flagsWith("true", 0)}
		}
		return call{flags: flagsWith("false", 0), wait: unblock.ch}
	})
	l := acquire(t, a, "peek.example.com", f)
	requireOn(t, enabled(l), "first query")

	advance(t, mock, a, ttl)
	for range 100 {
		require.Equal(t, peek{true, true}, peekOf(l), "Peek of a stale value during its refresh")
	}
	waitStats(t, a, func(s messages.Stats) bool { return s.Fetches >= 2 }, "the refresh")
	require.Equal(t, uint64(2), stats(t, a).Fetches, "fetches: the first and one refresh")

	unblock.open()
	require.True(t, waitFor(func() bool { return peekOf(l) == peek{false, true} }), "Peek never saw the refreshed value")
	require.Equal(t, 2, f.Calls(), "fetcher calls")
}

// Peek follows the backoff: a failing host is not fetched again by peeking.
func TestPeekRespectsBackoff(t *testing.T) {
	a, mock := newTestActor(t)
	f := newFakeFetcher(always(call{err: errBoom}))
	l := acquire(t, a, "down.example.com", f)
	requireFailed(t, enabled(l), errBoom, "first query")

	for range 100 {
		require.Equal(t, peek{false, false}, peekOf(l), "Peek of a failing host")
	}
	require.Equal(t, uint64(1), stats(t, a).Fetches, "fetches inside the backoff")

	advance(t, mock, a, frac(time.Second, 120))
	peekOf(l)
	waitStats(t, a, func(s messages.Stats) bool { return s.Fetches == 2 }, "a Peek after the backoff to fetch")
}

func TestPeekOfReleasedLeaseOrClosedActor(t *testing.T) {
	a, _ := newTestActor(t)
	f := answers("true")
	released := acquire(t, a, "peek.example.com", f)
	released.Release()
	require.Equal(t, peek{false, false}, peekOf(released), "Peek of a released lease")
	require.Equal(t, uint64(0), stats(t, a).Fetches, "fetches started by a released lease")

	b, _ := newTestActor(t)
	l := acquire(t, b, "peek.example.com", f)
	requireOn(t, enabled(l), "first query")
	require.NoError(t, b.Close())
	require.Equal(t, peek{false, false}, peekOf(l), "Peek after Close")
}

// Peek asks the loop nothing while asking would start nothing: during a
// refresh in flight and inside the backoff after it failed, a stale value is
// read from the published answer (a query sent to the loop would count as
// StaleServed).
func TestPeekSendsNothingWhileAFetchCannotStart(t *testing.T) {
	ttl := 10 * time.Minute
	a, mock := newTestActor(t, flagactor.WithTTL(ttl))
	unblock := newGate(t)
	f := newFakeFetcher(func(n int) call {
		if n == 1 {
			return call{flags: flagsWith("true", 0)}
		}
		return call{err: errBoom, wait: unblock.ch}
	})
	l := acquire(t, a, "quiet.example.com", f)
	requireOn(t, enabled(l), "first query")

	advance(t, mock, a, ttl)
	peekOf(l) // starts the refresh
	f.waitStarted(t)
	before := waitStats(t, a, func(s messages.Stats) bool { return s.Fetches == 2 }, "the refresh")
	for range 100 {
		require.Equal(t, peek{true, true}, peekOf(l), "Peek during the refresh")
	}
	require.Equal(t, before.StaleServed, stats(t, a).StaleServed, "queries the loop served during the refresh")

	unblock.open()
	failed := waitStats(t, a, func(s messages.Stats) bool { return s.FetchErrors == 1 }, "the refresh to fail")
	for range 100 {
		require.Equal(t, peek{true, true}, peekOf(l), "Peek inside the backoff")
	}
	st := stats(t, a)
	require.Equal(t, failed.StaleServed, st.StaleServed, "queries the loop served inside the backoff")
	require.Equal(t, uint64(2), st.Fetches, "fetches inside the backoff")
}

// Invalidate ends a lease's own backoff for Peek too: a Peek made after it
// asks the loop, which fetches with the lease's Fetcher at once.
func TestPeekAfterInvalidateEndsLeaseBackoff(t *testing.T) {
	a, _ := newTestActor(t)
	f := newFakeFetcher(func(n int) call {
		if n == 1 {
			return call{err: errBadToken}
		}
		return call{flags: flagsWith("true", 0)}
	})
	l := acquire(t, a, "creds.example.com", f)
	requireFailed(t, enabled(l), flagactor.ErrCredentialRejected, "first query")
	for range 100 {
		require.Equal(t, peek{false, false}, peekOf(l), "Peek inside the lease's backoff")
	}
	require.Equal(t, 1, f.Calls(), "fetcher calls inside the lease's backoff")

	require.NoError(t, invalidate(a, "creds.example.com"), "Invalidate")
	require.True(t, waitFor(func() bool { return peekOf(l) == peek{true, true} }), "Peek after Invalidate never fetched")
	require.Equal(t, 2, f.Calls(), "fetcher calls after Invalidate")
}
