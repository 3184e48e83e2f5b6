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

// countingClock is a mock clock that counts how often it is read.
type countingClock struct {
	*clock.Mock
	reads atomic.Int64
}

func (c *countingClock) Now() time.Time {
	c.reads.Add(1)
	return c.Mock.Now()
}

func (c *countingClock) Since(t time.Time) time.Duration { return c.Now().Sub(t) }

// A connection's open and close on a host that keeps other leases need no
// time: the loop applies them without reading the clock.
func TestOpenCloseOnHostInUseReadsNoClock(t *testing.T) {
	mock := &countingClock{Mock: clock.NewMock()}
	a := New(WithClock(mock))
	defer func() { require.NoError(t, a.Close()) }()
	ctx := context.Background()
	f := FetcherFunc(func(context.Context, string) (messages.Flags, error) {
		return messages.Flags{Values: map[string]string{"flag": "true"}}, nil
	})
	pin, err := a.Acquire(ctx, "pool.example.com", f)
	require.NoError(t, err)
	defer pin.Release()
	_, err = a.Stats(ctx)
	require.NoError(t, err)

	before := mock.reads.Load()
	for range 100 {
		l, err := a.Acquire(ctx, "pool.example.com", f)
		require.NoError(t, err)
		_, err = a.Stats(ctx) // applies the Acquire: the Release is a message of its own
		require.NoError(t, err)
		l.Release()
	}
	_, err = a.Stats(ctx)
	require.NoError(t, err)
	// Each Stats reads the clock once; nothing else does.
	require.Equal(t, int64(101), mock.reads.Load()-before, "clock reads for 100 opens and closes and 101 Stats")
}

// An Acquire of a lingering host reads the clock: when the host's lingering
// has run out by the time the loop takes the Acquire up, even though the
// loop has not looked yet, the old entry is evicted and the lease gets a new
// one, which fetches afresh.
func TestAcquireOfLingeringHostSeesItsLingerEnd(t *testing.T) {
	const ttl = time.Minute
	mock := clock.NewMock()
	a, held, release := newHeldActor(t, acquireOf("blocker.example.com"), WithClock(mock), WithTTL(ttl))
	ctx := context.Background()
	var fetches atomic.Int64
	f := FetcherFunc(func(context.Context, string) (messages.Flags, error) {
		fetches.Add(1)
		return messages.Flags{Values: map[string]string{"flag": "true"}}, nil
	})
	l1, err := a.Acquire(ctx, "pool.example.com", f)
	require.NoError(t, err)
	_, err = l1.Enabled(ctx, "flag")
	require.NoError(t, err)
	l1.Release() // the entry lingers until its value expires

	_, err = a.Acquire(ctx, "blocker.example.com", f)
	require.NoError(t, err)
	<-held // the loop, and its timer, look at nothing now
	mock.Add(ttl)
	l2, err := a.Acquire(ctx, "pool.example.com", f)
	require.NoError(t, err)
	release()

	st, err := a.Stats(ctx)
	require.NoError(t, err)
	require.Equal(t, uint64(1), st.Evictions, "evictions: the lingering entry ran out before the Acquire")
	on, err := l2.Enabled(ctx, "flag")
	require.NoError(t, err)
	require.True(t, on)
	require.Equal(t, int64(2), fetches.Load(), "fetches: the new entry has no value to serve")
}
