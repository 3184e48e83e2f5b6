package flagactor_test

import (
	"context"
	"testing"

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

	cancel()
	require.ErrorIs(t, recv(t, waiter).err, context.Canceled, "the caller that left")
	stats(t, a)
	require.False(t, ended(fetch.ctx), "the fetch's context ended with its caller's")

	require.NoError(t, a.Close())
	require.True(t, ended(fetch.ctx), "the fetch's context did not end at Close")
	require.ErrorIs(t, fetch.ctx.Err(), context.Canceled)
}

// A fetch that Peek started has no caller: its context carries no values.
func TestPeekFetchContextHasNoCallerValues(t *testing.T) {
	a, _ := newTestActor(t)
	f := answers("true")
	l := acquire(t, a, "peek.example.com", f)
	l.Peek(testFlag)
	fetch := f.waitStarted(t)
	require.Nil(t, fetch.ctx.Value(traceKey{}))
}
