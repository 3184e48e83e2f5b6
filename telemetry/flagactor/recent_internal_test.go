package flagactor

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/require"

	"github.com/flagactor/flagactor/telemetry/messages"
)

// TestFreshBeforeTheLoopTakesUpAcquire: a lease reads its entry's fresh
// answer (Fresh, Enabled) while the loop, held, has not taken up its
// Acquire: a connection opening on a known host waits for nothing. A lease
// of another namespace finds no value there.
func TestFreshBeforeTheLoopTakesUpAcquire(t *testing.T) {
	held, release := make(chan struct{}), make(chan struct{})
	releaseOnce := sync.OnceFunc(func() { close(release) })
	var acquires atomic.Int32
	a := New(WithClock(clock.NewMock()), withBeforeHandle(func(r request) {
		if _, ok := r.(acquireRequest); ok && acquires.Add(1) == 2 {
			close(held)
			<-release
		}
	}))
	t.Cleanup(func() {
		releaseOnce()
		require.NoError(t, a.Close(), "Close")
	})
	f := FetcherFunc(func(context.Context, string) (messages.Flags, error) {
		return messages.Flags{Values: map[string]string{"f": "true"}}, nil
	})
	ctx := context.Background()
	first, err := a.Acquire(ctx, "flags.example", f)
	require.NoError(t, err, "Acquire")
	on, err := first.Enabled(ctx, "f")
	require.True(t, on && err == nil, "Enabled of the first lease: %v, %v", on, err)

	second, err := a.Acquire(ctx, "flags.example", f)
	require.NoError(t, err, "Acquire")
	<-held // the loop holds the second Acquire, not applied yet
	require.Nil(t, second.ticket.bound.Load(), "the second lease is bound already")
	on, err = second.Enabled(ctx, "f") // a round trip would wait for the held loop
	require.True(t, on && err == nil, "Enabled of a lease the loop has not bound: %v, %v", on, err)

	other, err := a.AcquireIn(ctx, "v2", "flags.example", f)
	require.NoError(t, err, "AcquireIn")
	_, known := other.Peek("f")
	require.False(t, known, "Peek of a namespace with no value")
	releaseOnce()
	first.Release()
	second.Release()
	other.Release()
}
