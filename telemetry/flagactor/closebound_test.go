package flagactor_test

import (
	"context"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/require"

	"github.com/flagactor/flagactor/telemetry/flagactor"
	"github.com/flagactor/flagactor/telemetry/messages"
)

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

// closeReturns waits for a Close started on another goroutine, moving the
// mock clock by step while it has not returned (step 0: not moving it).
func closeReturns(t *testing.T, mock *clock.Mock, step time.Duration, closed <-chan error, what string) {
	t.Helper()
	ok := waitFor(func() bool {
		mock.Add(step)
		return len(closed) > 0
	})
	require.True(t, ok, "%s: Close still blocked", what)
	require.NoError(t, <-closed, what)
}

// A log handler that blocks holds Close at most the fetch timeout, on the
// actor's clock, as a Fetcher that ignores its context does.
func TestCloseBoundedWhenLogHandlerBlocks(t *testing.T) {
	const timeout = 5 * time.Second
	mock := clock.NewMock()
	unblock := newGate(t)
	inHandle := make(chan struct{})
	h := &hookHandler{handle: func() {
		close(inHandle)
		<-unblock.ch
	}}
	a := flagactor.New(flagactor.WithClock(mock), flagactor.WithFetchTimeout(timeout), flagactor.WithLogger(slog.New(h)))
	l := acquire(t, a, "down.example.com", newFakeFetcher(always(call{err: errBoom})))
	requireFailed(t, enabled(l), errBoom, "query") // a Warn record
	select {
	case <-inHandle:
	case <-time.After(guard):
		t.Fatal("the handler never got the record")
	}

	closed := make(chan error, 1)
	go func() { closed <- a.Close() }()
	closeReturns(t, mock, timeout, closed, "with the handler blocked")
	unblock.open() // let the handler go, for goleak
}

// A log handler may call Close: that Close and the one it raced with both
// return, without the clock moving.
func TestLogHandlerMayCallClose(t *testing.T) {
	mock := clock.NewMock()
	var actor atomic.Pointer[flagactor.Actor]
	handlerClosed := make(chan error, 1)
	h := &hookHandler{handle: func() { handlerClosed <- actor.Load().Close() }}
	a := flagactor.New(flagactor.WithClock(mock), flagactor.WithLogger(slog.New(h)))
	actor.Store(a)
	l := acquire(t, a, "down.example.com", newFakeFetcher(always(call{err: errBoom})))
	got := enabled(l) // a Warn record: the handler closes the actor, maybe before the answer is read
	require.False(t, got.on, "query")
	require.Error(t, got.err, "query")

	closed := make(chan error, 1)
	go func() { closed <- a.Close() }()
	closeReturns(t, mock, 0, handlerClosed, "the handler's Close")
	closeReturns(t, mock, 0, closed, "the test's Close")
}

// A Fetcher may call Close: it returns without waiting out the fetch
// timeout (the clock never moves), and the query that started the fetch is
// answered ErrClosed.
func TestFetcherMayCallClose(t *testing.T) {
	mock := clock.NewMock()
	a := flagactor.New(flagactor.WithClock(mock))
	fetcherClosed := make(chan error, 1)
	f := flagactor.FetcherFunc(func(context.Context, string) (messages.Flags, error) {
		fetcherClosed <- a.Close()
		return flagsWith("true", 0), nil
	})
	l, err := a.Acquire(context.Background(), "closer.example.com", f)
	require.NoError(t, err)
	waiter := queryAsync(context.Background(), l)
	closeReturns(t, mock, 0, fetcherClosed, "the Fetcher's Close")
	requireFailed(t, recv(t, waiter), flagactor.ErrClosed, "the query that started the fetch")
	require.NoError(t, a.Close(), "Close after the Fetcher's")
}

// A Fetcher's Close still waits for the other fetch goroutines (within the
// fetch timeout): only its own is not waited for.
func TestFetcherCloseWaitsForOtherFetches(t *testing.T) {
	mock := clock.NewMock()
	a := flagactor.New(flagactor.WithClock(mock))
	unblock := newGate(t)
	slow := newFakeFetcher(always(call{flags: flagsWith("true", 0), wait: unblock.ch})) // ignores its context
	waiter := queryAsync(context.Background(), acquire(t, a, "slow.example.com", slow))
	slow.waitStarted(t)

	fetcherClosed := make(chan error, 1)
	closer := flagactor.FetcherFunc(func(context.Context, string) (messages.Flags, error) {
		fetcherClosed <- a.Close()
		return flagsWith("true", 0), nil
	})
	l, err := a.Acquire(context.Background(), "closer.example.com", closer)
	require.NoError(t, err)
	closerWaiter := queryAsync(context.Background(), l)
	requireFailed(t, recv(t, waiter), flagactor.ErrClosed, "the slow fetch's query")
	requireFailed(t, recv(t, closerWaiter), flagactor.ErrClosed, "the closing fetch's query")
	require.Never(t, func() bool { return len(fetcherClosed) > 0 }, settleTime, 5*time.Millisecond,
		"the Fetcher's Close returned while another fetch goroutine was running")
	unblock.open()
	closeReturns(t, mock, 0, fetcherClosed, "the Fetcher's Close once the other fetch returned")
	require.NoError(t, a.Close())
}

// Fetchers of two hosts that call Close at once both return, without the
// clock moving: neither waits for the other.
func TestTwoFetchersMayCallClose(t *testing.T) {
	mock := clock.NewMock()
	a := flagactor.New(flagactor.WithClock(mock))
	both := make(chan struct{})
	var arrived atomic.Int64
	closed := make(chan error, 2)
	closer := flagactor.FetcherFunc(func(context.Context, string) (messages.Flags, error) {
		if arrived.Add(1) == 2 {
			close(both)
		}
		<-both // both fetches run before either closes
		closed <- a.Close()
		return flagsWith("true", 0), nil
	})
	for _, host := range []string{"one.example.com", "two.example.com"} {
		l, err := a.Acquire(context.Background(), host, closer)
		require.NoError(t, err)
		l.Peek(testFlag)
	}
	closeReturns(t, mock, 0, closed, "the first Fetcher's Close")
	closeReturns(t, mock, 0, closed, "the second Fetcher's Close")
	require.NoError(t, a.Close())
}
