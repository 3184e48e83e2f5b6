package flagactor_test

import (
	"context"
	"log/slog"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/require"

	"github.com/flagactor/flagactor/telemetry/flagactor"
	"github.com/flagactor/flagactor/telemetry/messages"
)

// These tests run in a synctest bubble: Close's bound is counted in real
// time, which there is the bubble's fake time, and the actor's own clock is
// a mock that nobody moves: the bound does not depend on it.

// hookHandler is a slog handler whose Handle runs a hook: it blocks, or
// calls Close.
type hookHandler struct {
	handle func()
	calls  atomic.Int64
}

func (h *hookHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *hookHandler) Handle(context.Context, slog.Record) error {
	if h.calls.Add(1) == 1 {
		h.handle()
	}
	return nil
}
func (h *hookHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *hookHandler) WithGroup(string) slog.Handler      { return h }

// timedClose is what a Close returned, and how long it took in real time.
type timedClose struct {
	err  error
	took time.Duration
}

// closeTimed calls a.Close and reports it on the returned channel.
func closeTimed(a *flagactor.Actor) (closed chan timedClose, closeNow func()) {
	closed = make(chan timedClose, 1)
	return closed, func() {
		start := time.Now()
		err := a.Close()
		closed <- timedClose{err, time.Since(start)}
	}
}

// requireClosedWithin checks that a Close returned without error, at most
// bound after it was called.
func requireClosedWithin(t *testing.T, got timedClose, bound time.Duration, what string) {
	t.Helper()
	require.NoError(t, got.err, what)
	require.LessOrEqual(t, got.took, bound, "%s: Close took longer than the fetch timeout", what)
}

// A log handler that blocks holds Close at most the fetch timeout, in real
// time, as a Fetcher that ignores its context does.
func TestCloseBoundedWhenLogHandlerBlocks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const timeout = 5 * time.Second
		unblock := make(chan struct{})
		defer close(unblock) // let the handler go
		inHandle := make(chan struct{})
		h := &hookHandler{handle: func() {
			close(inHandle)
			<-unblock
		}}
		a := flagactor.New(flagactor.WithClock(clock.NewMock()), flagactor.WithFetchTimeout(timeout),
			flagactor.WithLogger(slog.New(h)))
		l := acquire(t, a, "down.example.com", newFakeFetcher(always(call{err: errBoom})))
		requireFailed(t, enabled(l), errBoom, "query") // a Warn record
		<-inHandle

		closed, closeNow := closeTimed(a)
		go closeNow()
		synctest.Wait()
		require.Empty(t, closed, "Close returned while the handler blocked, before the fetch timeout")
		requireClosedWithin(t, <-closed, timeout, "with the handler blocked")
	})
}

// A log handler may call Close: that Close and the one it raced with both
// return within the fetch timeout, without the actor's clock moving. (The
// handler's Close waits for the logging goroutine it runs on, out to the
// bound.)
func TestLogHandlerMayCallClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const timeout = 5 * time.Second
		var actor atomic.Pointer[flagactor.Actor]
		handlerClosed := make(chan timedClose, 1)
		h := &hookHandler{handle: func() {
			c, closeNow := closeTimed(actor.Load())
			closeNow()
			handlerClosed <- <-c
		}}
		a := flagactor.New(flagactor.WithClock(clock.NewMock()), flagactor.WithFetchTimeout(timeout),
			flagactor.WithLogger(slog.New(h)))
		actor.Store(a)
		l := acquire(t, a, "down.example.com", newFakeFetcher(always(call{err: errBoom})))
		got := enabled(l) // a Warn record: the handler closes the actor, maybe before the answer is read
		require.False(t, got.on, "query")
		require.Error(t, got.err, "query")

		closed, closeNow := closeTimed(a)
		go closeNow()
		requireClosedWithin(t, <-handlerClosed, timeout, "the handler's Close")
		requireClosedWithin(t, <-closed, timeout, "the test's Close")
	})
}

// A Fetcher may call Close: it returns within the fetch timeout (the actor's
// clock never moves), and the query that started the fetch is answered
// ErrClosed.
func TestFetcherMayCallClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const timeout = 5 * time.Second
		a := flagactor.New(flagactor.WithClock(clock.NewMock()), flagactor.WithFetchTimeout(timeout))
		var closeNow func()
		fetcherClosed, closeNow := closeTimed(a)
		f := flagactor.FetcherFunc(func(context.Context, string) (messages.Flags, error) {
			closeNow()
			return flagsWith("true", 0), nil
		})
		l, err := a.Acquire(context.Background(), "closer.example.com", f)
		require.NoError(t, err)
		waiter := queryAsync(context.Background(), l)
		requireClosedWithin(t, <-fetcherClosed, timeout, "the Fetcher's Close")
		requireFailed(t, <-waiter, flagactor.ErrClosed, "the query that started the fetch")
		require.NoError(t, a.Close(), "Close after the Fetcher's")
	})
}

// A Fetcher's Close waits for the other fetch goroutines, within the fetch
// timeout.
func TestFetcherCloseWaitsForOtherFetches(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const timeout = 5 * time.Second
		a := flagactor.New(flagactor.WithClock(clock.NewMock()), flagactor.WithFetchTimeout(timeout))
		unblock := make(chan struct{})
		slow := newFakeFetcher(always(call{flags: flagsWith("true", 0), wait: unblock})) // ignores its context
		waiter := queryAsync(context.Background(), acquire(t, a, "slow.example.com", slow))
		slow.waitStarted(t)

		fetcherClosed, closeNow := closeTimed(a)
		closer := flagactor.FetcherFunc(func(context.Context, string) (messages.Flags, error) {
			closeNow()
			return flagsWith("true", 0), nil
		})
		l, err := a.Acquire(context.Background(), "closer.example.com", closer)
		require.NoError(t, err)
		closerWaiter := queryAsync(context.Background(), l)
		requireFailed(t, <-waiter, flagactor.ErrClosed, "the slow fetch's query")
		requireFailed(t, <-closerWaiter, flagactor.ErrClosed, "the closing fetch's query")
		time.Sleep(timeout / 2)
		synctest.Wait()
		require.Empty(t, fetcherClosed, "the Fetcher's Close returned while another fetch goroutine was running")
		close(unblock)
		requireClosedWithin(t, <-fetcherClosed, timeout, "the Fetcher's Close")
		require.NoError(t, a.Close())
	})
}

// Fetchers of two hosts that call Close at once both return within the
// fetch timeout, without the actor's clock moving.
func TestTwoFetchersMayCallClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const timeout = 5 * time.Second
		a := flagactor.New(flagactor.WithClock(clock.NewMock()), flagactor.WithFetchTimeout(timeout))
		both := make(chan struct{})
		var arrived atomic.Int64
		closed := make(chan timedClose, 2)
		closer := flagactor.FetcherFunc(func(context.Context, string) (messages.Flags, error) {
			if arrived.Add(1) == 2 {
				close(both)
			}
			<-both // both fetches run before either closes
			c, closeNow := closeTimed(a)
			closeNow()
			closed <- <-c
			return flagsWith("true", 0), nil
		})
		for _, host := range []string{"one.example.com", "two.example.com"} {
			l, err := a.Acquire(context.Background(), host, closer)
			require.NoError(t, err)
			l.Peek(testFlag)
		}
		requireClosedWithin(t, <-closed, timeout, "the first Fetcher's Close")
		requireClosedWithin(t, <-closed, timeout, "the second Fetcher's Close")
		require.NoError(t, a.Close())
	})
}
