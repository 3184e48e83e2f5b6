package flagactor

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/require"

	"github.com/flagactor/flagactor/telemetry/messages"
)

// Thousands of queries pile onto a host whose fetch hangs until its timeout,
// and their callers give up. The loop must forget those waiters while the
// fetch still hangs, so the waiter list, and the memory it holds, stays
// bounded by the callers still waiting rather than by every caller that
// ever came.
//
// The hook marks every Query that reaches the loop; the test counts how many
// the garbage collector has reclaimed while the fetch is still in flight.
// The loop's state is not reachable from a test, so what is measured is the
// waiter list's hold on memory, which is what the bound is for.
func TestDepartedWaitersAreForgotten(t *testing.T) {
	const (
		waves    = 10
		waveSize = 1000
		total    = waves * waveSize
		timeout  = 10 * time.Second
	)
	var seen, reclaimed atomic.Int64
	hook := func(r request) {
		if q, ok := r.(*queryRequest); ok && q.Ticket.Host == "hang.example.com" {
			seen.Add(1)
			runtime.AddCleanup(q, func(*atomic.Int64) { reclaimed.Add(1) }, &reclaimed)
		}
	}
	mock := clock.NewMock()
	a := New(WithClock(mock), WithFetchTimeout(timeout), withBeforeHandle(hook))
	defer func() { require.NoError(t, a.Close()) }()

	started, unblock := make(chan struct{}), make(chan struct{})
	defer close(unblock)
	var calls atomic.Int32
	f := FetcherFunc(func(ctx context.Context, host string) (messages.Flags, error) {
		if calls.Add(1) == 1 {
			close(started)
		}
		<-unblock // ignores its context: only the loop's deadline ends it
		return messages.Flags{}, nil
	})
	starter, err := a.Acquire(context.Background(), "hang.example.com", f)
	require.NoError(t, err)
	first := make(chan error, 1)
	go func() {
		_, err := starter.Enabled(context.Background(), "flag")
		first <- err
	}()
	<-started

	for wave := range waves {
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		errs := make(chan error, waveSize)
		for range waveSize {
			wg.Go(func() {
				l, err := a.Acquire(ctx, "hang.example.com", f)
				if err != nil {
					errs <- err
					return
				}
				defer l.Release()
				_, err = l.Enabled(ctx, "flag")
				errs <- err
			})
		}
		want := uint64((wave + 1) * waveSize)
		require.True(t, waitUntil(func() bool {
			st, err := a.Stats(context.Background())
			return err == nil && st.Coalesced >= want
		}), "wave %d: not every query reached the loop", wave)
		cancel() // every caller of the wave gives up
		wg.Wait()
		close(errs)
		for err := range errs {
			require.ErrorIs(t, err, context.Canceled, "wave %d", wave)
		}
	}
	st, err := a.Stats(context.Background())
	require.NoError(t, err)
	require.Equal(t, uint64(1), st.Fetches, "fetches")
	require.Equal(t, int64(total+1), seen.Load(), "queries that reached the loop")

	// Live waiters now: the starter only. What the loop still holds is at
	// most about twice the waiters of one wave (the list is pruned when it
	// doubles), never all of them.
	const bound = 2*waveSize + 64
	require.True(t, waitUntil(func() bool {
		runtime.GC()
		return total+1-reclaimed.Load() <= bound
	}), "the loop still holds %d of %d departed waiters while the fetch hangs; want at most %d",
		total+1-reclaimed.Load(), total, bound)
	t.Logf("held by the loop while the fetch hangs: %d of %d queries", total+1-reclaimed.Load(), total+1)

	// The fetch timeout still answers the one caller that stayed.
	mock.Add(timeout)
	_, _ = a.Stats(context.Background())
	select {
	case err := <-first:
		require.ErrorIs(t, err, ErrFetchTimeout, "the caller that stayed")
	case <-time.After(10 * time.Second):
		t.Fatal("the caller that stayed was not answered at the fetch timeout")
	}
}

// waitUntil polls cond for up to 10s of real time.
func waitUntil(cond func() bool) bool {
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(time.Millisecond)
	}
	return true
}
