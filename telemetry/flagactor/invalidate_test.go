package flagactor_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/flagactor/flagactor/telemetry/flagactor"
	"github.com/flagactor/flagactor/telemetry/messages"
)

// invalidate calls Invalidate, bounded by the guard.
func invalidate(a *flagactor.Actor, host string) error {
	ctx, cancel := context.WithTimeout(context.Background(), guard)
	defer cancel()
	return a.Invalidate(ctx, host)
}

// Inside a backoff, Invalidate lets the next query fetch at once.
func TestInvalidateEndsBackoff(t *testing.T) {
	a, _ := newTestActor(t)
	f := newFakeFetcher(func(n int) call {
		if n == 1 {
			return call{err: errBoom}
		}
		return call{flags: flagsWith("true", 0)}
	})
	l := acquire(t, a, "down.example.com", f)
	requireFailed(t, enabled(l), errBoom, "first query")
	requireFailed(t, enabled(l), errBoom, "query inside the backoff")
	require.Equal(t, 1, f.Calls(), "fetcher calls inside the backoff")

	require.NoError(t, invalidate(a, "HTTPS://Down.Example.com/"), "Invalidate")
	requireOn(t, enabled(l), "query right after Invalidate")
	require.Equal(t, 2, f.Calls(), "fetcher calls after Invalidate")
}

// Invalidate of a fresh value: the next query answers the old value at once
// and starts one refresh, whose answer later queries get. The lease stays.
func TestInvalidateMarksFreshValueStale(t *testing.T) {
	a, _ := newTestActor(t)
	unblock := newGate(t)
	f := newFakeFetcher(func(n int) call {
		if n == 1 {
			return call{flags: flagsWith("true", 0)}
		}
		return call{flags: flagsWith("false", 0), wait: unblock.ch}
	})
	l := acquire(t, a, "flags.example.com", f)
	requireOn(t, enabled(l), "first query")
	requireOn(t, enabled(l), "query of the fresh value")
	require.Equal(t, 1, f.Calls(), "fetcher calls before Invalidate")

	require.NoError(t, invalidate(a, "flags.example.com"), "Invalidate")
	// No Stats round trip in between: Invalidate itself returns once applied.
	requireOn(t, enabled(l), "first query after Invalidate (the old value)")
	f.waitStarted(t)
	f.waitStarted(t)
	for range 10 {
		requireOn(t, enabled(l), "query while the refresh is in flight")
	}
	st := stats(t, a)
	require.Equal(t, uint64(2), st.Fetches, "fetches")
	require.Equal(t, 1, st.Leases, "leases after Invalidate")
	require.GreaterOrEqual(t, st.StaleServed, uint64(1), "stale answers")

	unblock.open()
	waitStats(t, a, func(s messages.Stats) bool { return s.Fetches == 2 }, "the refresh")
	require.True(t, waitFor(func() bool { return !enabled(l).on }), "the refreshed value never arrived")
	require.Equal(t, 2, f.Calls(), "fetcher calls")
}

// A lingering host (no lease) keeps its stale value through Invalidate, so a
// connection that reopens is answered from it while the refresh runs.
func TestInvalidateKeepsLingeringValue(t *testing.T) {
	a, _ := newTestActor(t)
	f := newFakeFetcher(func(n int) call {
		if n == 1 {
			return call{flags: flagsWith("true", 0)}
		}
		return call{flags: flagsWith("false", 0)}
	})
	l := acquire(t, a, "flags.example.com", f)
	requireOn(t, enabled(l), "first query")
	l.Release()
	require.NoError(t, invalidate(a, "flags.example.com"), "Invalidate")
	require.Equal(t, 1, stats(t, a).Hosts, "host entries after Invalidate of a lingering host")

	l = acquire(t, a, "flags.example.com", f)
	requireOn(t, enabled(l), "query of the reopened connection (the stale value)")
	waitStats(t, a, func(s messages.Stats) bool { return s.Fetches == 2 }, "the refresh")
}

// Invalidate of a host the actor does not hold is no error, and files nothing.
func TestInvalidateUnknownHost(t *testing.T) {
	a, _ := newTestActor(t)
	require.NoError(t, invalidate(a, "unknown.example.com"), "Invalidate of an unknown host")
	require.Equal(t, 0, stats(t, a).Hosts, "host entries")
}

func TestInvalidateInvalidHost(t *testing.T) {
	a, _ := newTestActor(t)
	for _, host := range []string{"", "example.com/path", "user@example.com", "a b"} {
		require.ErrorIs(t, invalidate(a, host), flagactor.ErrInvalidHost, "Invalidate(%q)", host)
	}
}

func TestInvalidateAfterClose(t *testing.T) {
	a, _ := newTestActor(t)
	require.NoError(t, a.Close())
	require.ErrorIs(t, invalidate(a, "flags.example.com"), flagactor.ErrClosed, "Invalidate after Close")
}

// A host whose refresh failed keeps its stale value in the backoff; after
// Invalidate the next query is answered from it and starts a fetch at once.
func TestInvalidateEndsBackoffOfStaleValue(t *testing.T) {
	ttl := 10 * time.Minute
	a, mock := newTestActor(t, flagactor.WithTTL(ttl))
	f := newFakeFetcher(func(n int) call {
		switch n {
		case 1:
			return call{flags: flagsWith("true", 0)}
		case 2:
			return call{err: errBoom}
		}
		return call{flags: flagsWith("false", 0)}
	})
	l := acquire(t, a, "flaky.example.com", f)
	requireOn(t, enabled(l), "first query")
	advance(t, mock, a, ttl)
	requireOn(t, enabled(l), "stale query that starts the refresh")
	waitStats(t, a, func(s messages.Stats) bool { return s.FetchErrors == 1 }, "the refresh to fail")
	requireOn(t, enabled(l), "query inside the backoff")
	require.Equal(t, 2, f.Calls(), "fetcher calls inside the backoff")

	require.NoError(t, invalidate(a, "flaky.example.com"), "Invalidate")
	requireOn(t, enabled(l), "query right after Invalidate (the stale value)")
	require.True(t, waitFor(func() bool { return !enabled(l).on }), "the refreshed value never arrived")
	require.Equal(t, 3, f.Calls(), "fetcher calls after Invalidate")
}

// Peek, which asks for a fetch only when one could start, sees the end of
// the backoff too.
func TestInvalidateLetsPeekFetch(t *testing.T) {
	a, _ := newTestActor(t)
	f := newFakeFetcher(func(n int) call {
		if n == 1 {
			return call{err: errBoom}
		}
		return call{flags: flagsWith("true", 0)}
	})
	l := acquire(t, a, "down.example.com", f)
	requireFailed(t, enabled(l), errBoom, "first query")
	require.Equal(t, peek{false, false}, peekOf(l), "Peek inside the backoff")
	require.Equal(t, uint64(1), stats(t, a).Fetches, "fetches after a Peek inside the backoff")

	require.NoError(t, invalidate(a, "down.example.com"), "Invalidate")
	require.True(t, waitFor(func() bool { return peekOf(l) == peek{true, true} }), "Peek never saw the fetched value")
	require.Equal(t, 2, f.Calls(), "fetcher calls")
}

// Invalidate ends a lease's own credential backoff too: the lease whose token
// was refused fetches again on its next query, at once.
func TestInvalidateEndsLeaseCredentialBackoff(t *testing.T) {
	a, _ := newTestActor(t)
	f := newFakeFetcher(func(n int) call {
		if n == 1 {
			return call{err: errBadToken}
		}
		return call{flags: flagsWith("true", 0)}
	})
	l := acquire(t, a, "creds.example.com", f)
	requireFailed(t, enabled(l), flagactor.ErrCredentialRejected, "first query")
	requireFailed(t, enabled(l), flagactor.ErrCredentialRejected, "query inside the lease's backoff")
	require.Equal(t, 1, f.Calls(), "fetcher calls inside the lease's backoff")

	require.NoError(t, invalidate(a, "creds.example.com"), "Invalidate")
	requireOn(t, enabled(l), "query right after Invalidate (the credential was fixed)")
	require.Equal(t, 2, f.Calls(), "fetcher calls after Invalidate")
}

// A fetch in flight when Invalidate comes serves its waiters, but its answer
// may predate what the caller learned: it is kept as stale, so the next
// query fetches again (and is answered from it meanwhile).
func TestInvalidateDuringFetchKeepsItsAnswerStale(t *testing.T) {
	a, _ := newTestActor(t)
	unblock := newGate(t)
	f := newFakeFetcher(func(n int) call {
		if n == 1 {
			return call{flags: flagsWith("false", 0), wait: unblock.ch}
		}
		return call{flags: flagsWith("true", 0)}
	})
	l := acquire(t, a, "changing.example.com", f)
	waiter := queryAsync(context.Background(), l)
	f.waitStarted(t)
	require.NoError(t, invalidate(a, "changing.example.com"), "Invalidate while the fetch is in flight")
	unblock.open()
	require.False(t, recv(t, waiter).on, "the waiter gets the answer of the fetch it waited on")

	require.False(t, enabled(l).on, "the next query is answered from that (stale) value")
	require.True(t, waitFor(func() bool { return enabled(l).on }), "the value fetched after Invalidate never arrived")
	require.Equal(t, 2, f.Calls(), "fetcher calls: one refetch after the invalidated fetch")
}
