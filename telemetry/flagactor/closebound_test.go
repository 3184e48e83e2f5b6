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
	requireFailed(t, enabled(l), errBoom, "query") // a Warn record: the handler closes the actor

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
