package flagactor_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/flagactor/flagactor/telemetry/flagactor"
)

// settleTime is how long, in real time, a test gives a late fetch result to
// reach the loop before checking it changed nothing. A correct actor passes
// whatever this is; it only bounds how likely a broken one is caught.
const settleTime = 200 * time.Millisecond

// The answer of a fetch the loop timed out is ignored when it comes.
func TestLateResultOfTimedOutFetchIgnored(t *testing.T) {
	const timeout = 5 * time.Second
	a, mock := newTestActor(t, flagactor.WithFetchTimeout(timeout))
	unblock := newGate(t)
	f := newFakeFetcher(always(call{flags: flagsWith("true", 0), wait: unblock.ch}))
	l := acquire(t, a, "late.example.com", f)
	waiter := queryAsync(context.Background(), l)
	f.waitStarted(t)
	advance(t, mock, a, timeout)
	requireFailed(t, recv(t, waiter), flagactor.ErrFetchTimeout, "waiter at the timeout")

	unblock.open() // the fetcher answers true, too late
	require.Never(t, func() bool {
		got := enabled(l)
		return got.on || got.err == nil
	}, settleTime, 5*time.Millisecond, "the late answer of a timed-out fetch was taken")
	st := stats(t, a)
	require.Equal(t, uint64(1), st.Fetches, "fetches")
	require.Equal(t, uint64(1), st.FetchErrors, "fetch errors")
}

// A host whose last lease went while its timed-out fetch still hangs is not
// evicted past its backoff (a new entry would start a second fetch of the
// host): a new lease finds it, gets the timeout error without a new fetch,
// and fetches only once the hung fetch has returned, whose late answer is
// not taken. (Before issue 9 the entry was evicted and a second fetch
// started while the first still hung.)
func TestHungFetchOfUnleasedHostHoldsItsEntry(t *testing.T) {
	const timeout = 5 * time.Second
	a, mock := newTestActor(t, flagactor.WithFetchTimeout(timeout))
	first := newGate(t)
	f := newFakeFetcher(func(n int) call {
		if n == 1 {
			return call{flags: flagsWith("true", 0), wait: first.ch}
		}
		return call{flags: flagsWith("false", 0)}
	})
	host := "reborn.example.com"

	old := acquire(t, a, host, f)
	waiter := queryAsync(context.Background(), old)
	f.waitStarted(t)
	advance(t, mock, a, timeout)
	requireFailed(t, recv(t, waiter), flagactor.ErrFetchTimeout, "waiter at the timeout")
	old.Release()
	st := advance(t, mock, a, frac(time.Second, 120)) // past the first backoff
	require.Equal(t, 1, st.Hosts, "host entries past the backoff while the fetch hangs")
	require.Equal(t, uint64(0), st.Evictions, "evictions")

	l := acquire(t, a, host, f)
	requireFailed(t, enabled(l), flagactor.ErrFetchTimeout, "query of the new lease while the fetch hangs")
	require.Equal(t, 1, f.Calls(), "fetcher calls while the first hangs")

	first.open() // the hung fetch answers true, late
	require.True(t, waitFor(func() bool {
		got := enabled(l)
		require.False(t, got.on, "the late answer of the timed-out fetch was taken")
		return got.err == nil
	}), "no fetch after the hung one returned")
	require.Equal(t, 2, f.Calls(), "fetcher calls")
}
