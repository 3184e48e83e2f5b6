package flagactor_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/flagactor/flagactor/telemetry/flagactor"
)

// returnsAtOnce fails the test when call does not return within the guard.
func returnsAtOnce(t *testing.T, what string, call func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		call()
	}()
	select {
	case <-done:
	case <-time.After(guard):
		t.Fatalf("%s blocked", what)
	}
}

// An Actor not made by New fails at once with a named error that matches
// ErrClosed; Close on it returns at once.
func TestZeroActorFailsAtOnce(t *testing.T) {
	var a flagactor.Actor
	ctx := context.Background()
	returnsAtOnce(t, "Acquire on a zero Actor", func() {
		l, err := a.Acquire(ctx, "host.example.com", answers("true").fetcher())
		require.ErrorIs(t, err, flagactor.ErrClosed)
		require.ErrorContains(t, err, "not started")
		require.Nil(t, l)
	})
	returnsAtOnce(t, "Stats on a zero Actor", func() {
		_, err := a.Stats(ctx)
		require.ErrorIs(t, err, flagactor.ErrClosed)
	})
	returnsAtOnce(t, "Close on a zero Actor", func() { require.NoError(t, a.Close()) })

	var l flagactor.Lease
	returnsAtOnce(t, "calls on a zero Lease", func() {
		_, err := l.Enabled(ctx, testFlag)
		require.ErrorIs(t, err, flagactor.ErrClosed)
		on, known := l.Peek(testFlag)
		require.False(t, on || known)
		l.Release()
	})
}

// A nil Option is ignored.
func TestNilOptionIgnored(t *testing.T) {
	a := flagactor.New(nil, flagactor.WithTTL(time.Minute), nil)
	l, err := a.Acquire(context.Background(), "host.example.com", answers("true").fetcher())
	require.NoError(t, err)
	requireOn(t, enabled(l), "query")
	require.NoError(t, a.Close())
}
