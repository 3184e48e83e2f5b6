package flagactor_test

import (
	"errors"
	"fmt"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/flagactor/flagactor/telemetry/flagactor"
	"github.com/flagactor/flagactor/telemetry/messages"
)

func TestFailedFirstFetchAnswersFalseWithCause(t *testing.T) {
	a, _ := newTestActor(t)
	f := newFakeFetcher(always(call{err: errBoom}))
	l := acquire(t, a, "down.example.com", f)
	requireFailed(t, enabled(l), errBoom, "query of a host whose fetch failed")
	st := stats(t, a)
	require.Equal(t, uint64(1), st.Fetches, "fetches")
	require.Equal(t, uint64(1), st.FetchErrors, "fetch errors")
}

func TestFailedRefreshKeepsLastGoodValue(t *testing.T) {
	ttl := 10 * time.Minute
	a, mock := newTestActor(t, flagactor.WithTTL(ttl))
	f := newFakeFetcher(func(n int) call {
		if n == 1 {
			return call{flags: flagsWith("true", 0)}
		}
		return call{err: errBoom}
	})
	l := acquire(t, a, "flaky.example.com", f)
	requireOn(t, enabled(l), "first query")

	advance(t, mock, a, ttl)
	requireOn(t, enabled(l), "stale query that starts the refresh")
	waitStats(t, a, func(s messages.Stats) bool { return s.FetchErrors == 1 }, "the refresh to fail")
	requireOn(t, enabled(l), "query after the refresh failed")

	advance(t, mock, a, 500*time.Millisecond)
	for range 10 {
		requireOn(t, enabled(l), "query inside the backoff")
	}
	st := stats(t, a)
	require.Equal(t, 2, f.Calls(), "fetcher calls")
	require.Equal(t, uint64(2), st.Fetches, "fetches")
}

// A failing host is not hammered: inside its backoff every query answers
// at once from the last failure, without a fetch.
func TestFailingHostFetchedOnceInsideBackoff(t *testing.T) {
	const goroutines, perGoroutine = 10, 100
	a, _ := newTestActor(t)
	f := newFakeFetcher(always(call{err: errBoom}))
	l := acquire(t, a, "down.example.com", f)

	replies := make(chan answer, goroutines*perGoroutine)
	var wg sync.WaitGroup
	for range goroutines {
		wg.Go(func() {
			for range perGoroutine {
				replies <- enabled(l)
			}
		})
	}
	wg.Wait()
	close(replies)
	for got := range replies {
		requireFailed(t, got, errBoom, "query of a failing host")
	}
	st := stats(t, a)
	require.Equal(t, 1, f.Calls(), "fetcher calls")
	require.Equal(t, uint64(1), st.Fetches, "fetches")
	require.Equal(t, uint64(1), st.FetchErrors, "fetch errors")
}

// The backoff doubles from 1s and is capped at the WithTTL value; jitter
// makes it up to 20% longer, never shorter.
func TestBackoffDoublesUpToTTL(t *testing.T) {
	ttl := 10 * time.Second
	a, mock := newTestActor(t, flagactor.WithTTL(ttl))
	f := newFakeFetcher(always(call{err: errBoom}))
	l := acquire(t, a, "down.example.com", f)
	requireFailed(t, enabled(l), errBoom, "first query")

	for i, backoff := range []time.Duration{
		1 * time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, ttl, ttl,
	} {
		failures := i + 1
		early := backoff - time.Millisecond
		advance(t, mock, a, early)
		requireFailed(t, enabled(l), errBoom, fmt.Sprintf("query %v after failure %d", early, failures))
		require.Equal(t, failures, f.Calls(), "fetcher calls %v after failure %d (backoff %v)", early, failures, backoff)

		longest := frac(backoff, 120)
		advance(t, mock, a, longest-early)
		requireFailed(t, enabled(l), errBoom, fmt.Sprintf("query %v after failure %d", longest, failures))
		require.Equal(t, failures+1, f.Calls(), "fetcher calls %v after failure %d (backoff %v)", longest, failures, backoff)
	}
}

// An error with RetryAfter pushes the next fetch at least that far out, past
// the backoff's own 1s.
func TestRetryAfterHonoured(t *testing.T) {
	tests := []struct {
		name string
		err  error
	}{
		{"direct", retryAfterError{wait: time.Minute}},
		{"wrapped", fmt.Errorf("GET flags: 429 Too Many Requests: %w", retryAfterError{wait: time.Minute})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, mock := newTestActor(t)
			f := newFakeFetcher(func(n int) call {
				if n == 1 {
					return call{err: tt.err}
				}
				return call{flags: flagsWith("true", 0)}
			})
			l := acquire(t, a, "busy.example.com", f)
			got := enabled(l)
			require.Error(t, got.err, "first query")
			var ra retryAfterError
			require.True(t, errors.As(got.err, &ra), "error %v does not wrap the fetcher's", got.err)

			advance(t, mock, a, 2*time.Second)
			require.Error(t, enabled(l).err, "query 2s after a Retry-After of 1m")
			advance(t, mock, a, 57*time.Second)
			require.Error(t, enabled(l).err, "query 59s after a Retry-After of 1m")
			require.Equal(t, 1, f.Calls(), "fetcher calls inside the Retry-After")

			advance(t, mock, a, time.Second)
			requireOn(t, enabled(l), "query 60s after a Retry-After of 1m")
			require.Equal(t, 2, f.Calls(), "fetcher calls after the Retry-After")
		})
	}
}

// A Fetcher may relay any Retry-After a server sends. The largest one must
// still hold the next fetch back, not wrap around into the past.
func TestRetryAfterHugeHoldsFetchesBack(t *testing.T) {
	a, mock := newTestActor(t)
	f := newFakeFetcher(func(n int) call {
		if n == 1 {
			return call{err: retryAfterError{wait: time.Duration(math.MaxInt64)}}
		}
		return call{flags: flagsWith("true", 0)}
	})
	advance(t, mock, a, time.Second) // the loop's clock is past its epoch
	l := acquire(t, a, "busy.example.com", f)
	require.Error(t, enabled(l).err, "first query")

	advance(t, mock, a, 2*time.Second)
	require.Error(t, enabled(l).err, "query 2s after a Retry-After of ~292 years")
	require.Equal(t, 1, f.Calls(), "fetcher calls inside a Retry-After of ~292 years")
}

func TestPanickingFetcherIsAFailedFetch(t *testing.T) {
	a, _ := newTestActor(t)
	panicky := newFakeFetcher(always(call{panic: "fetcher bug"}))
	l := acquire(t, a, "panic.example.com", panicky)
	requireFailed(t, enabled(l), flagactor.ErrFetcherPanic, "query of a host whose fetcher panicked")
	st := stats(t, a)
	require.Equal(t, uint64(1), st.FetchErrors, "fetch errors")

	other := acquire(t, a, "ok.example.com", answers("true"))
	requireOn(t, enabled(other), "query of another host after a panic")
	requireFailed(t, enabled(l), flagactor.ErrFetcherPanic, "query of the panicking host inside its backoff")
	require.Equal(t, 1, panicky.Calls(), "calls of the panicking fetcher")
}
