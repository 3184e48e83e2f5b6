package telemetry

import (
	"context"
	"io"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/require"

	"github.com/flagactor/flagactor/telemetry/flagactor"
	"github.com/flagactor/flagactor/telemetry/messages"
)

// TestFetchAnswerWithoutFlags checks that an answer without flags is a good
// answer with every flag off, over the real path and JSON.
func TestFetchAnswerWithoutFlags(t *testing.T) {
	for _, tt := range []struct {
		body string
		ttl  time.Duration
	}{
		{`{}`, 0},
		{`{"flags":null}`, 0},
		{`{"flags":[]}`, 0},
		{`{"ttl_seconds":300}`, 5 * time.Minute},
	} {
		t.Run(tt.body, func(t *testing.T) {
			srv := startTLS(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				checkRequest(t, r, testVersion)
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.WriteString(w, tt.body)
			}))

			got, err := newFetcher(srv).Fetch(context.Background(), hostOf(srv))

			require.NoError(t, err)
			require.Equal(t, messages.Flags{Values: map[string]string{}, TTL: tt.ttl}, got)
			require.False(t, got.Bool(TelemetryFlag))
		})
	}
}

// TestActorCachesAnAnswerWithoutFlags runs {"ttl_seconds":300} through the
// actor on a mock clock: the answer is cached for its five minutes, not
// treated as a failure and asked again after a backoff.
func TestActorCachesAnAnswerWithoutFlags(t *testing.T) {
	var requests atomic.Int64
	srv := startTLS(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		_, _ = io.WriteString(w, `{"ttl_seconds":300}`)
	}))
	mock := clock.NewMock()
	actor := flagactor.New(flagactor.WithClock(mock))
	t.Cleanup(func() { _ = actor.Close() })
	ctx := context.Background()
	lease, err := actor.Acquire(ctx, hostOf(srv), newFetcher(srv))
	require.NoError(t, err)
	defer lease.Release()

	on, err := lease.Enabled(ctx, TelemetryFlag)
	require.NoError(t, err)
	require.False(t, on)

	mock.Add(4 * time.Minute) // past any backoff, within the TTL
	on, err = lease.Enabled(ctx, TelemetryFlag)
	require.NoError(t, err)
	require.False(t, on)
	stats, err := actor.Stats(ctx)
	require.NoError(t, err)
	require.Equal(t, uint64(1), stats.Fetches)
	require.Zero(t, stats.FetchErrors)
	require.Equal(t, int64(1), requests.Load())

	mock.Add(2 * time.Minute) // past the TTL: served stale, refreshed once
	_, err = lease.Enabled(ctx, TelemetryFlag)
	require.NoError(t, err)
	require.Eventually(t, func() bool { return requests.Load() == 2 }, 5*time.Second, time.Millisecond)
}
