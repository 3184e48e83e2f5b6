package flagactor

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/require"

	"github.com/flagactor/flagactor/telemetry/messages"
)

// A lease released before the loop takes up its query starts no fetch with
// its Fetcher: a driver tears down a connection's credentials when it closes.
func TestQueryOfLeaseReleasedBeforeTheLoopTookItUpStartsNoFetch(t *testing.T) {
	a, held, release := newHeldActor(t, acquireOf("blocker.example.com"), WithClock(clock.NewMock()))
	ctx := context.Background()
	var calls atomic.Int32
	f := FetcherFunc(func(context.Context, string) (messages.Flags, error) {
		calls.Add(1)
		return messages.Flags{Values: map[string]string{"flag": "true"}}, nil
	})
	l, err := a.Acquire(ctx, "closing.example.com", f)
	require.NoError(t, err)
	_, err = a.Stats(ctx) // bound: its Release will be a message
	require.NoError(t, err)

	_, err = a.Acquire(ctx, "blocker.example.com", f)
	require.NoError(t, err)
	<-held
	got := make(chan error, 1)
	go func() {
		_, err := l.Enabled(ctx, "flag")
		got <- err
	}()
	waitQueued(t, a, 1)
	l.Release()
	release()
	require.ErrorIs(t, <-got, ErrReleased, "query of a lease released before the loop took it up")
	st, err := a.Stats(ctx)
	require.NoError(t, err)
	require.Equal(t, uint64(0), st.Fetches, "fetches")
	require.Equal(t, int32(0), calls.Load(), "calls of the released lease's Fetcher")
}
