package flagactor_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/flagactor/flagactor/telemetry/flagactor"
)

// A Fetcher that ignores its context still fails at the fetch timeout: the
// loop keeps its own deadline on the injected clock.
func TestFetchTimeoutFailsFetcherThatIgnoresContext(t *testing.T) {
	const timeout = 5 * time.Second
	a, mock := newTestActor(t, flagactor.WithFetchTimeout(timeout))
	unblock := newGate(t)
	f := newFakeFetcher(always(call{flags: flagsWith("true", 0), wait: unblock.ch}))
	l := acquire(t, a, "hang.example.com", f)
	waiter := queryAsync(context.Background(), l)
	f.waitStarted(t)

	st := advance(t, mock, a, frac(timeout, 99))
	require.Equal(t, uint64(0), st.FetchErrors, "fetch errors before the timeout")

	st = advance(t, mock, a, timeout-frac(timeout, 99))
	requireFailed(t, recv(t, waiter), flagactor.ErrFetchTimeout, "waiter at the fetch timeout")
	require.Equal(t, uint64(1), st.FetchErrors, "fetch errors at the timeout")
	require.Equal(t, uint64(1), st.Fetches, "fetches")
}

// A Fetcher that honours its context sees it end at the fetch timeout,
// measured on the actor's clock.
func TestFetchContextEndsAtTimeout(t *testing.T) {
	const timeout = 5 * time.Second
	a, mock := newTestActor(t, flagactor.WithFetchTimeout(timeout))
	unblock := newGate(t)
	f := newFakeFetcher(always(call{flags: flagsWith("true", 0), wait: unblock.ch, honourCtx: true}))
	l := acquire(t, a, "slow.example.com", f)
	start := mock.Now()
	waiter := queryAsync(context.Background(), l)
	fetch := f.waitStarted(t)

	deadline, ok := fetch.ctx.Deadline()
	require.True(t, ok, "fetch context has no deadline")
	require.Equal(t, start.Add(timeout), deadline, "fetch context deadline")

	advance(t, mock, a, frac(timeout, 99))
	require.False(t, ended(fetch.ctx), "fetch context ended before the timeout")

	advance(t, mock, a, timeout-frac(timeout, 99))
	require.True(t, waitFor(func() bool { return ended(fetch.ctx) }), "fetch context never ended")
	require.ErrorIs(t, fetch.ctx.Err(), context.DeadlineExceeded, "fetch context at the timeout")

	got := recv(t, waiter)
	require.False(t, got.on, "waiter of a timed-out fetch")
	require.True(t, errors.Is(got.err, flagactor.ErrFetchTimeout) || errors.Is(got.err, context.DeadlineExceeded),
		"waiter error %v, want the fetch timeout", got.err)
	require.Equal(t, uint64(1), stats(t, a).FetchErrors, "fetch errors")
}

// The default fetch timeout is 10s.
func TestDefaultFetchTimeout(t *testing.T) {
	a, mock := newTestActor(t)
	unblock := newGate(t)
	f := newFakeFetcher(always(call{flags: flagsWith("true", 0), wait: unblock.ch}))
	waiter := queryAsync(context.Background(), acquire(t, a, "hang.example.com", f))
	f.waitStarted(t)

	st := advance(t, mock, a, 9*time.Second)
	require.Equal(t, uint64(0), st.FetchErrors, "fetch errors after 9s")
	advance(t, mock, a, time.Second)
	requireFailed(t, recv(t, waiter), flagactor.ErrFetchTimeout, "waiter after 10s")
}
