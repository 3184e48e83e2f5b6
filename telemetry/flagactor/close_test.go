package flagactor_test

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/flagactor/flagactor/telemetry/flagactor"
	"github.com/flagactor/flagactor/telemetry/messages"
)

func TestCloseIsIdempotent(t *testing.T) {
	a := flagactor.New(flagactor.WithClock(clock.NewMock()))
	for i := range 3 {
		require.NoError(t, a.Close(), "Close #%d", i+1)
	}

	b := flagactor.New(flagactor.WithClock(clock.NewMock()))
	errs := make(chan error, 3)
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() { errs <- b.Close() })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err, "concurrent Close")
	}
}

// Close answers the queries waiting on a fetch, cancels the fetch, and
// returns only once every goroutine of the actor has exited.
func TestCloseAnswersWaitersAndCancelsFetches(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	mock := clock.NewMock()
	a := flagactor.New(flagactor.WithClock(mock))
	unblock := newGate(t)
	f := newFakeFetcher(always(call{flags: flagsWith("true", 0), wait: unblock.ch, honourCtx: true}))

	var waiters []<-chan answer
	for range 5 {
		waiters = append(waiters, queryAsync(context.Background(), acquire(t, a, "closing.example.com", f)))
	}
	fetch := f.waitStarted(t)
	waitStats(t, a, func(s messages.Stats) bool { return s.Coalesced == 4 }, "five queries waiting")

	require.NoError(t, a.Close(), "Close")
	for i, w := range waiters {
		requireFailed(t, recv(t, w), flagactor.ErrClosed, "waiter "+string(rune('1'+i)))
	}
	require.True(t, ended(fetch.ctx), "fetch context not done after Close")
	require.ErrorIs(t, fetch.ctx.Err(), context.Canceled, "fetch context after Close")
}

// Close waits for a fetch that is still returning.
func TestCloseWaitsForFetchGoroutines(t *testing.T) {
	mock := clock.NewMock()
	a := flagactor.New(flagactor.WithClock(mock))
	unblock := newGate(t)
	returned := make(chan struct{})
	f := newFakeFetcher(always(call{})) // used for its started channel only
	slow := flagactor.FetcherFunc(func(ctx context.Context, host string) (messages.Flags, error) {
		f.calls.Add(1)
		f.started <- fetchStart{ctx: ctx, host: host}
		<-ctx.Done()
		<-unblock.ch // cleaning up after cancellation takes a while
		close(returned)
		return messages.Flags{}, ctx.Err()
	})
	l, err := a.Acquire(context.Background(), "closing.example.com", slow)
	require.NoError(t, err)
	waiter := queryAsync(context.Background(), l)
	fetch := f.waitStarted(t)

	closed := make(chan error, 1)
	go func() { closed <- a.Close() }()
	require.True(t, waitFor(func() bool { return ended(fetch.ctx) }), "Close never cancelled the fetch")
	requireFailed(t, recv(t, waiter), flagactor.ErrClosed, "waiter")
	require.Never(t, func() bool { return len(closed) > 0 }, settleTime, 5*time.Millisecond,
		"Close returned while a fetch goroutine was still running")

	unblock.open()
	select {
	case err := <-closed:
		require.NoError(t, err, "Close")
	case <-time.After(guard):
		t.Fatal("Close did not return after the fetch did")
	}
	select {
	case <-returned:
	default:
		t.Fatal("Close returned before the fetch")
	}
}

// A Fetcher that ignores its context cannot hold Close for longer than the
// fetch timeout, counted in real time (the bubble's) while the actor's own
// clock, a mock, never moves.
func TestCloseBoundedByFetchTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const timeout = 5 * time.Second
		a := flagactor.New(flagactor.WithClock(clock.NewMock()), flagactor.WithFetchTimeout(timeout))
		unblock := make(chan struct{})
		defer close(unblock) // let the stuck fetcher go
		f := newFakeFetcher(always(call{flags: flagsWith("true", 0), wait: unblock}))
		waiter := queryAsync(context.Background(), acquire(t, a, "stuck.example.com", f))
		f.waitStarted(t)

		start := time.Now()
		require.NoError(t, a.Close(), "Close")
		require.Equal(t, timeout, time.Since(start), "Close waited for the stuck Fetcher")
		requireFailed(t, <-waiter, flagactor.ErrClosed, "waiter")
	})
}

func TestCallsAfterCloseReturnErrClosed(t *testing.T) {
	a := flagactor.New(flagactor.WithClock(clock.NewMock()))
	f := answers("true")
	fresh := acquire(t, a, "done.example.com", f)
	requireOn(t, enabled(fresh), "query before Close")
	cold := acquire(t, a, "cold.example.com", f)
	require.NoError(t, a.Close())

	_, err := a.Acquire(context.Background(), "done.example.com", f.fetcher())
	require.ErrorIs(t, err, flagactor.ErrClosed, "Acquire after Close")
	requireFailed(t, enabled(fresh), flagactor.ErrClosed, "Enabled on a fresh value after Close")
	requireFailed(t, enabled(cold), flagactor.ErrClosed, "Enabled on a cold host after Close")
	_, err = a.Stats(context.Background())
	require.ErrorIs(t, err, flagactor.ErrClosed, "Stats after Close")

	released := make(chan struct{})
	go func() {
		fresh.Release()
		cold.Release()
		close(released)
	}()
	select {
	case <-released:
	case <-time.After(guard):
		t.Fatal("Release after Close blocked")
	}
	require.NoError(t, a.Close(), "second Close")
}
