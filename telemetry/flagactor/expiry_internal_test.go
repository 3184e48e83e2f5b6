package flagactor

import (
	"context"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/require"

	"github.com/flagactor/flagactor/telemetry/messages"
)

// A query past its value's expiry is not answered as fresh while the loop
// has not looked yet: it goes to the loop, which serves the stale value and
// starts the refresh.
func TestWarmQueryPastExpiryGoesToTheLoop(t *testing.T) {
	const ttl = 10 * time.Minute
	mock := clock.NewMock()
	a, held, release := newHeldActor(t, acquireOf("blocker.example.com"), WithClock(mock), WithTTL(ttl))
	ctx := context.Background()
	f := FetcherFunc(func(context.Context, string) (messages.Flags, error) {
		return messages.Flags{Values: map[string]string{"flag": "true"}}, nil
	})
	l, err := a.Acquire(ctx, "warm.example.com", f)
	require.NoError(t, err)
	on, err := l.Enabled(ctx, "flag")
	require.NoError(t, err)
	require.True(t, on)

	_, err = a.Acquire(ctx, "blocker.example.com", f)
	require.NoError(t, err)
	<-held // the loop can look at nothing now, its timer included
	mock.Add(ttl)
	got := make(chan error, 1)
	go func() {
		_, err := l.Enabled(ctx, "flag")
		got <- err
	}()
	require.True(t, waitUntil(func() bool { return a.mailbox.counted.Load() > 0 || len(got) > 0 }))
	require.Zero(t, len(got), "a query past the expiry was answered without the loop")
	release()
	require.NoError(t, <-got)
	st, err := a.Stats(ctx)
	require.NoError(t, err)
	require.Equal(t, uint64(1), st.StaleServed, "stale answers")
	require.Equal(t, uint64(2), st.Fetches, "fetches: the first and the refresh")
}
