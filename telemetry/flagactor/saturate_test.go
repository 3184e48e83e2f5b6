package flagactor_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/require"

	"github.com/flagactor/flagactor/telemetry/flagactor"
)

// WithFetchTimeout(math.MaxInt64) is no timeout: a fetch in flight a day
// later has not failed, nor has its context ended.
func TestMaxFetchTimeoutIsNoTimeout(t *testing.T) {
	a, mock := newTestActor(t, flagactor.WithFetchTimeout(math.MaxInt64))
	advance(t, mock, a, time.Second) // the loop's clock is past its epoch
	unblock := newGate(t)
	f := newFakeFetcher(always(call{flags: flagsWith("true", 0), wait: unblock.ch, honourCtx: true}))
	l := acquire(t, a, "patient.example.com", f)
	waiter := queryAsync(context.Background(), l)
	fetch := f.waitStarted(t)

	st := advance(t, mock, a, 24*time.Hour)
	require.Equal(t, uint64(0), st.FetchErrors, "fetch errors a day into the fetch")
	requireWaiting(t, waiter, "query a day into the fetch")
	require.False(t, ended(fetch.ctx), "the fetch's context ended")

	unblock.open()
	requireOn(t, recv(t, waiter), "query once the fetch answers")
}

// A TTL too long to add to a time keeps a value fresh: it is not stale at once.
func TestMaxTTLKeepsValueFresh(t *testing.T) {
	a, mock := newTestActor(t, flagactor.WithTTL(math.MaxInt64))
	f := answers("true")
	l := acquire(t, a, "forever.example.com", f)
	advance(t, mock, a, time.Second) // the loop's clock is past its epoch
	requireOn(t, enabled(l), "first query")
	st := advance(t, mock, a, time.Hour)
	requireOn(t, enabled(l), "query an hour later")
	require.Equal(t, st.StaleServed, stats(t, a).StaleServed, "queries answered stale")
	require.Equal(t, 1, f.Calls(), "fetcher calls")
}

// A clock that reads before the actor's epoch (a mock set back) backs a
// failing host, and a failing lease, off for the usual second, not until
// the end of time.
func TestClockBeforeEpochBacksOffForASecond(t *testing.T) {
	for name, cause := range map[string]error{"host": errBoom, "lease": errBadToken} {
		t.Run(name, func(t *testing.T) {
			mock := clock.NewMock()
			mock.Set(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
			a := flagactor.New(flagactor.WithClock(mock))
			t.Cleanup(func() { require.NoError(t, a.Close()) })
			mock.Set(mock.Now().Add(-time.Hour))
			f := newFakeFetcher(func(n int) call {
				if n == 1 {
					return call{err: cause}
				}
				return call{flags: flagsWith("true", 0)}
			})
			l := acquire(t, a, "early.example.com", f)
			requireFailed(t, enabled(l), cause, "first query")

			advance(t, mock, a, frac(time.Second, 120))
			requireOn(t, enabled(l), "query after the backoff")
			require.Equal(t, 2, f.Calls(), "fetcher calls")
		})
	}
}
