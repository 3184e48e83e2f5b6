package flagactor

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/require"

	"github.com/flagactor/flagactor/telemetry/messages"
)

// A query of a fresh value is answered from the published slot: no message
// reaches the loop. Once the value is stale, queries go to the loop again.
func TestFreshQueryDoesNotReachLoop(t *testing.T) {
	const ttl = 10 * time.Minute
	var queries atomic.Int64
	hook := func(r request) {
		if _, ok := r.(*queryRequest); ok {
			queries.Add(1)
		}
	}
	mock := clock.NewMock()
	a := New(WithClock(mock), WithTTL(ttl), withBeforeHandle(hook))
	defer func() { require.NoError(t, a.Close()) }()
	f := FetcherFunc(func(context.Context, string) (messages.Flags, error) {
		return messages.Flags{Values: map[string]string{"flag": "true"}}, nil
	})
	ctx := context.Background()
	l, err := a.Acquire(ctx, "warm.example.com", f)
	require.NoError(t, err)
	defer l.Release()

	on, err := l.Enabled(ctx, "flag")
	require.NoError(t, err)
	require.True(t, on)
	require.Equal(t, int64(1), queries.Load(), "queries that reached the loop for the first fetch")

	for range 1000 {
		on, err := l.Enabled(ctx, "flag")
		require.NoError(t, err)
		require.True(t, on)
	}
	_, err = a.Stats(ctx) // the hook has seen every request sent before this
	require.NoError(t, err)
	require.Equal(t, int64(1), queries.Load(), "queries that reached the loop for 1000 fresh answers")

	mock.Add(ttl)
	_, err = a.Stats(ctx)
	require.NoError(t, err)
	_, err = l.Enabled(ctx, "flag")
	require.NoError(t, err)
	require.Equal(t, int64(2), queries.Load(), "queries that reached the loop once the value is stale")
}
