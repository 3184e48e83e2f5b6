package flagactor_test

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/flagactor/flagactor/telemetry/flagactor"
)

// Jitter may end a value's life up to 10% early and never late, so a value
// is checked fresh at 89% of its TTL and stale at 100%.
const freshPct = 89

func TestFreshValueAnswersWithoutFetch(t *testing.T) {
	ttl := 10 * time.Minute
	a, mock := newTestActor(t, flagactor.WithTTL(ttl))
	f := answers("true")
	l := acquire(t, a, "fresh.example.com", f)

	requireOn(t, enabled(l), "first query")
	for range 100 {
		requireOn(t, enabled(l), "query of a fresh value")
	}
	st := advance(t, mock, a, frac(ttl, freshPct))
	requireOn(t, enabled(l), "query at 89% of the TTL")
	st = stats(t, a)
	require.Equal(t, 1, f.Calls(), "fetcher calls while fresh")
	require.Equal(t, uint64(1), st.Fetches, "fetches while fresh")
	require.Equal(t, uint64(0), st.StaleServed, "stale answers while fresh")

	advance(t, mock, a, ttl-frac(ttl, freshPct))
	requireOn(t, enabled(l), "query at the TTL")
	st = stats(t, a)
	require.Equal(t, uint64(1), st.StaleServed, "stale answers at the TTL")
	require.Equal(t, uint64(2), st.Fetches, "fetches at the TTL: one refresh")
}

func TestAnswerLifetime(t *testing.T) {
	const defaultTTL = 7 * time.Minute
	tests := []struct {
		name   string
		server time.Duration // Flags.TTL
		life   time.Duration // how long the answer must live
	}{
		{"server TTL honoured", 5 * time.Minute, 5 * time.Minute},
		{"server TTL below 1m clamped up", 10 * time.Second, time.Minute},
		{"server TTL above 1h clamped down", 3 * time.Hour, time.Hour},
		{"no server TTL uses WithTTL", 0, defaultTTL},
		{"server TTL at the minimum", time.Minute, time.Minute},
		{"server TTL at the maximum", time.Hour, time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, mock := newTestActor(t, flagactor.WithTTL(defaultTTL))
			f := newFakeFetcher(always(call{flags: flagsWith("true", tt.server)}))
			l := acquire(t, a, "ttl.example.com", f)
			requireOn(t, enabled(l), "first query")

			advance(t, mock, a, frac(tt.life, freshPct))
			requireOn(t, enabled(l), "query at 89% of the life")
			st := stats(t, a)
			require.Equal(t, uint64(0), st.StaleServed, "stale answers at 89%% of %v", tt.life)
			require.Equal(t, 1, f.Calls(), "fetcher calls at 89%% of %v", tt.life)

			advance(t, mock, a, tt.life-frac(tt.life, freshPct))
			requireOn(t, enabled(l), "query at the end of the life")
			st = stats(t, a)
			require.Equal(t, uint64(1), st.StaleServed, "stale answers after %v", tt.life)
			require.Equal(t, uint64(2), st.Fetches, "fetches after %v: one refresh", tt.life)
		})
	}
}

// After its TTL a value is served at once, stale, while one refresh runs; the
// refreshed value is served once it arrives.
func TestStaleWhileRevalidate(t *testing.T) {
	const queries = 100
	ttl := 10 * time.Minute
	a, mock := newTestActor(t, flagactor.WithTTL(ttl))
	unblock := newGate(t)
	f := newFakeFetcher(func(n int) call {
		if n == 1 {
			return call{flags: flagsWith("true", 0)}
		}
		return call{flags: flagsWith("false", 0), wait: unblock.ch}
	})
	l := acquire(t, a, "stale.example.com", f)
	requireOn(t, enabled(l), "first query")
	f.waitStarted(t)

	advance(t, mock, a, ttl)
	replies := make(chan answer, queries)
	var wg sync.WaitGroup
	for range queries {
		wg.Go(func() { replies <- enabled(l) })
	}
	wg.Wait() // every query returns while the refresh is blocked
	close(replies)
	for got := range replies {
		requireOn(t, got, "query of a stale value during its refresh")
	}
	require.Equal(t, 2, f.waitStarted(t).n, "the refresh")
	st := stats(t, a)
	require.Equal(t, uint64(queries), st.StaleServed, "stale answers")
	require.Equal(t, uint64(2), st.Fetches, "fetches: the first and one refresh")

	unblock.open()
	ok := waitFor(func() bool {
		got := enabled(l)
		return got.err == nil && !got.on
	})
	require.True(t, ok, "the refreshed value (false) is never served")
	require.Equal(t, 2, f.Calls(), "fetcher calls")
	require.Equal(t, uint64(2), stats(t, a).Fetches, "fetches")
}
