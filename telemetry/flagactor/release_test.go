package flagactor_test

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/flagactor/flagactor/telemetry/flagactor"
)

// A second Release of a lease changes nothing: it must not take another
// connection's lease with it.
func TestReleaseIsIdempotent(t *testing.T) {
	ttl := 10 * time.Minute
	a, mock := newTestActor(t, flagactor.WithTTL(ttl))
	f := answers("true")
	host := "pool.example.com"
	released := acquire(t, a, host, f)
	kept := acquire(t, a, host, f)
	requireOn(t, enabled(kept), "first query")

	released.Release()
	released.Release()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(released.Release)
	}
	wg.Wait()
	st := stats(t, a)
	require.Equal(t, 1, st.Leases, "leases after releasing one of two, many times")
	require.Equal(t, 1, st.Hosts, "host entries")

	// Past the TTL an entry without leases would be evicted; the kept lease
	// still holds it, so its query gets the stale value and a refresh.
	st = advance(t, mock, a, ttl)
	require.Equal(t, 1, st.Hosts, "host entries past the TTL with one lease left")
	requireOn(t, enabled(kept), "query of the lease that was not released")

	_, err := released.Enabled(t.Context(), testFlag)
	require.ErrorIs(t, err, flagactor.ErrReleased, "Enabled on a released lease")
}

// A pool that closes and reopens its connections does not refetch.
func TestOpenQueryCloseCyclesMakeOneFetch(t *testing.T) {
	const cycles = 2000
	a, _ := newTestActor(t)
	f := answers("true")
	for i := range cycles {
		l := acquire(t, a, "pool.example.com", f)
		got := enabled(l)
		l.Release()
		require.NoError(t, got.err, "cycle %d", i)
		require.True(t, got.on, "cycle %d", i)
	}
	st := stats(t, a)
	require.Equal(t, 1, f.Calls(), "fetcher calls over %d cycles", cycles)
	require.Equal(t, uint64(1), st.Fetches, "fetches")
	require.Equal(t, 0, st.Leases, "leases")
	require.Equal(t, 1, st.Hosts, "host entries (lingering)")
	require.Equal(t, uint64(0), st.Evictions, "evictions")
}

// An entry without leases lingers until its value expires, then goes.
func TestUnleasedEntryEvictedWhenValueExpires(t *testing.T) {
	ttl := 10 * time.Minute
	a, mock := newTestActor(t, flagactor.WithTTL(ttl))
	l := acquire(t, a, "gone.example.com", answers("true"))
	requireOn(t, enabled(l), "first query")
	l.Release()

	st := advance(t, mock, a, frac(ttl, freshPct))
	require.Equal(t, 1, st.Hosts, "host entries while the value is fresh")
	require.Equal(t, uint64(0), st.Evictions, "evictions while the value is fresh")

	st = advance(t, mock, a, ttl-frac(ttl, freshPct))
	require.Equal(t, 0, st.Hosts, "host entries after the value expired")
	require.Equal(t, uint64(1), st.Evictions, "evictions")
	require.Equal(t, 0, st.Leases, "leases")
}

// An entry with no value and a failure lingers until its backoff has
// passed, so a pool reopening inside the backoff does not hammer the host.
func TestUnleasedFailingEntryLingersForBackoff(t *testing.T) {
	a, mock := newTestActor(t)
	f := newFakeFetcher(always(call{err: errBoom}))
	host := "down.example.com"
	l := acquire(t, a, host, f)
	requireFailed(t, enabled(l), errBoom, "first query")
	l.Release()
	require.Equal(t, 1, stats(t, a).Hosts, "host entries right after the failure")

	st := advance(t, mock, a, 999*time.Millisecond)
	require.Equal(t, 1, st.Hosts, "host entries inside the backoff")
	reopened := acquire(t, a, host, f)
	requireFailed(t, enabled(reopened), errBoom, "query of a reopened lease inside the backoff")
	require.Equal(t, 1, f.Calls(), "fetcher calls inside the backoff")
	reopened.Release()

	st = advance(t, mock, a, frac(time.Second, 120)-999*time.Millisecond)
	require.Equal(t, 0, st.Hosts, "host entries after the backoff")
	require.Equal(t, uint64(1), st.Evictions, "evictions")
}

// An entry never fetched has nothing to keep: it goes with its last lease.
func TestUnfetchedEntryEvictedOnLastRelease(t *testing.T) {
	a, _ := newTestActor(t)
	f := answers("true")
	l1 := acquire(t, a, "idle.example.com", f)
	l2 := acquire(t, a, "idle.example.com", f)
	l1.Release()
	require.Equal(t, 1, stats(t, a).Hosts, "host entries with one lease left")
	l2.Release()
	st := stats(t, a)
	require.Equal(t, 0, st.Hosts, "host entries")
	require.Equal(t, uint64(1), st.Evictions, "evictions")
	require.Equal(t, 0, f.Calls(), "fetcher calls")
}

// A lease taken while an entry lingers keeps the entry past its expiry.
func TestReacquireCancelsEviction(t *testing.T) {
	ttl := 10 * time.Minute
	a, mock := newTestActor(t, flagactor.WithTTL(ttl))
	f := newFakeFetcher(func(n int) call {
		if n == 1 {
			return call{flags: flagsWith("true", 0)}
		}
		return call{flags: flagsWith("false", 0)}
	})
	host := "back.example.com"
	l := acquire(t, a, host, f)
	requireOn(t, enabled(l), "first query")
	l.Release()

	advance(t, mock, a, ttl/2)
	again := acquire(t, a, host, f)
	require.Equal(t, 1, stats(t, a).Leases, "leases after re-acquiring") // applied before the clock moves
	st := advance(t, mock, a, ttl)
	require.Equal(t, 1, st.Hosts, "host entries past the expiry, leased again")
	require.Equal(t, uint64(0), st.Evictions, "evictions")
	requireOn(t, enabled(again), "stale query of the re-acquired entry")
	require.True(t, waitFor(func() bool {
		got := enabled(again)
		return got.err == nil && !got.on
	}), "the refreshed value (false) is never served")
	require.Equal(t, 2, f.Calls(), "fetcher calls: the first and one refresh")

	again.Release()
	st = advance(t, mock, a, ttl)
	require.Equal(t, 0, st.Hosts, "host entries after the refreshed value expired")
	require.Equal(t, uint64(1), st.Evictions, "evictions")
}
