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

// A fetch of a host entry that was since evicted must not answer the fetch
// of the entry that replaced it: both are the first fetch of "their" entry.
func TestLateResultOfEvictedEntryIgnored(t *testing.T) {
	const timeout = 5 * time.Second
	a, mock := newTestActor(t, flagactor.WithFetchTimeout(timeout))
	first, second := newGate(t), newGate(t)
	f := newFakeFetcher(func(n int) call {
		if n == 1 {
			return call{flags: flagsWith("true", 0), wait: first.ch}
		}
		return call{flags: flagsWith("false", 0), wait: second.ch}
	})
	host := "reborn.example.com"

	old := acquire(t, a, host, f)
	waiter := queryAsync(context.Background(), old)
	f.waitStarted(t)
	advance(t, mock, a, timeout)
	requireFailed(t, recv(t, waiter), flagactor.ErrFetchTimeout, "waiter at the timeout")
	old.Release()
	st := advance(t, mock, a, frac(time.Second, 120)) // past the first backoff
	require.Equal(t, 0, st.Hosts, "host entries after the backoff of an unleased host")

	l := acquire(t, a, host, f)
	waiter = queryAsync(context.Background(), l)
	require.Equal(t, 2, f.waitStarted(t).n, "fetch of the new entry")

	first.open() // the evicted entry's fetch answers true, late
	require.Never(t, func() bool { return len(waiter) > 0 }, settleTime, 5*time.Millisecond,
		"the new entry's waiter was answered by the evicted entry's fetch")
	second.open()
	got := recv(t, waiter)
	require.NoError(t, got.err)
	require.False(t, got.on, "new entry's waiter: got true (the evicted entry's late answer), want false")
}
