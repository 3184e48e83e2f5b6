package telemetry_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/require"

	"github.com/flagactor/flagactor/telemetry"
	"github.com/flagactor/flagactor/telemetry/flagactor"
)

// retrySkipKey is the mark a driver puts in a connection's context for its
// retrying client.
type retrySkipKey struct{}

// markReader is a client Transport that records the retry-skip mark of each
// request's context, then passes the request on.
type markReader struct {
	next  http.RoundTripper
	mu    sync.Mutex
	marks []any
}

func (m *markReader) RoundTrip(r *http.Request) (*http.Response, error) {
	m.mu.Lock()
	m.marks = append(m.marks, r.Context().Value(retrySkipKey{}))
	m.mu.Unlock()
	return m.next.RoundTrip(r)
}

func (m *markReader) seen() []any {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]any(nil), m.marks...)
}

// A refresh started by Conn.Enabled (no caller context: Lease.Peek) carries
// the values of the context the connection was opened with, so a driver's
// mark for its retrying client reaches the request; the open's deadline
// does not end it.
func TestConnEnabledRefreshCarriesOpenContextValues(t *testing.T) {
	s := startFlagServer(t, "true")
	mock := clock.NewMock()
	gate := newGate(t, telemetry.WithActorOptions(flagactor.WithClock(mock), flagactor.WithTTL(time.Minute)))
	client := &markReader{next: s.Client().Transport}
	cfg := connConfig(s)
	cfg.Client = &http.Client{Transport: client}

	ctx, cancel := context.WithTimeout(context.WithValue(t.Context(), retrySkipKey{}, "skip"), time.Minute)
	conn := gate.Open(ctx, cfg)
	cancel()
	t.Cleanup(conn.Close)
	require.NoError(t, conn.Err())
	require.True(t, conn.Enabled())

	mock.Add(time.Hour) // the value is stale
	require.True(t, conn.Enabled(), "Enabled of the stale value, which starts the refresh")
	require.Eventually(t, func() bool { return len(client.seen()) == 2 }, 10*time.Second, time.Millisecond,
		"the refresh's request was never sent")
	require.Equal(t, []any{"skip", "skip"}, client.seen(), "the retry-skip mark of the open's and of the refresh's request")
	require.Eventually(t, func() bool { return gateStats(t, gate).FetchErrors == 0 && gateStats(t, gate).Fetches == 2 },
		10*time.Second, time.Millisecond, "the refresh failed")
}
