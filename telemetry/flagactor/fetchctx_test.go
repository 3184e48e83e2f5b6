package flagactor_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

type traceKey struct{}

// The fetch's context carries the values of the context of the query that
// started it; the caller leaving does not cancel the fetch, Close does.
func TestFetchContextCarriesCallerValues(t *testing.T) {
	a, _ := newTestActor(t)
	unblock := newGate(t)
	f := newFakeFetcher(always(call{flags: flagsWith("true", 0), wait: unblock.ch, honourCtx: true}))
	l := acquire(t, a, "traced.example.com", f)

	ctx, cancel := context.WithCancel(context.WithValue(context.Background(), traceKey{}, "span-7"))
	waiter := queryAsync(ctx, l)
	fetch := f.waitStarted(t)
	require.Equal(t, "span-7", fetch.ctx.Value(traceKey{}), "the caller's value in the fetch's context")
	// What a Fetcher derives from it (an HTTP request's context) follows it.
	derived, stopDerived := context.WithCancel(fetch.ctx)
	defer stopDerived()
	require.Equal(t, "span-7", derived.Value(traceKey{}), "the caller's value in a derived context")

	cancel()
	require.ErrorIs(t, recv(t, waiter).err, context.Canceled, "the caller that left")
	stats(t, a)
	require.False(t, ended(fetch.ctx), "the fetch's context ended with its caller's")
	require.False(t, ended(derived), "a context derived from the fetch's ended with the caller's")

	require.NoError(t, a.Close())
	require.True(t, ended(fetch.ctx), "the fetch's context did not end at Close")
	require.Eventually(t, func() bool { return ended(derived) }, guard, time.Millisecond, "a context derived from the fetch's did not end at Close")
	require.ErrorIs(t, fetch.ctx.Err(), context.Canceled)
}

// A fetch that Peek started has no caller: its context carries the values
// of the context the lease was acquired with, never that context's deadline
// or cancellation.
func TestPeekFetchContextCarriesAcquireValues(t *testing.T) {
	a, _ := newTestActor(t)
	unblock := newGate(t)
	f := newFakeFetcher(always(call{flags: flagsWith("true", 0), wait: unblock.ch, honourCtx: true}))
	acquireCtx, cancel := context.WithTimeout(context.WithValue(context.Background(), traceKey{}, "conn-3"), guard)
	l, err := a.Acquire(acquireCtx, "peek.example.com", f.fetcher())
	require.NoError(t, err)
	cancel() // the connection's open is over

	l.Peek(testFlag)
	fetch := f.waitStarted(t)
	require.Equal(t, "conn-3", fetch.ctx.Value(traceKey{}), "the Acquire context's value in a Peek fetch's context")
	stats(t, a)
	require.False(t, ended(fetch.ctx), "the fetch's context ended with the Acquire context")
	unblock.open()
	require.True(t, waitFor(func() bool { return peekOf(l) == peek{true, true} }), "the Peek fetch never answered")
}

// A query's own context wins over the lease's: a fetch it starts carries the
// query's values.
func TestQueryContextValuesWinOverAcquireValues(t *testing.T) {
	a, _ := newTestActor(t)
	f := answers("true")
	l, err := a.Acquire(context.WithValue(context.Background(), traceKey{}, "conn"), "q.example.com", f.fetcher())
	require.NoError(t, err)
	on, err := l.Enabled(context.WithValue(context.Background(), traceKey{}, "statement"), testFlag)
	require.NoError(t, err)
	require.True(t, on)
	require.Equal(t, "statement", f.waitStarted(t).ctx.Value(traceKey{}))
}
