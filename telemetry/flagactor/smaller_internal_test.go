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

// Release does not wait, even while the mailbox is full; the release is not
// lost, and a Stats made after it sees it.
func TestReleaseDoesNotBlockOnFullMailbox(t *testing.T) {
	a, held, release := newHeldActor(t, acquireOf("blocker.example.com"), WithClock(clock.NewMock()))
	ctx := context.Background()
	f := FetcherFunc(func(context.Context, string) (messages.Flags, error) { return messages.Flags{}, nil })
	l, err := a.Acquire(ctx, "pool.example.com", f)
	require.NoError(t, err)
	_, err = a.Stats(ctx) // the loop has applied the Acquire: Release is a message
	require.NoError(t, err)

	_, err = a.Acquire(ctx, "blocker.example.com", f)
	require.NoError(t, err)
	<-held
	for a.mailbox.tryReserve() { // fills the mailbox
		a.mailbox.push(&envelope{msg: loopCall(func(*loopState) {})}, true)
	}
	released := make(chan struct{})
	go func() {
		l.Release()
		close(released)
	}()
	select {
	case <-released:
	case <-time.After(10 * time.Second):
		t.Fatal("Release blocked on a full mailbox")
	}
	release()
	st, err := a.Stats(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, st.Leases, "leases after the release: the blocker's only")
	require.Equal(t, 1, st.Hosts, "hosts: the released, never fetched one is gone")
}

// armMovingClock is a mock clock that, once move is set, moves itself a
// second forward as the loop next makes a timer: between the loop's clock
// read and the arming of its timer.
type armMovingClock struct {
	*clock.Mock
	move *atomic.Bool
}

func (c armMovingClock) Timer(d time.Duration) *clock.Timer {
	if c.move.CompareAndSwap(true, false) {
		c.Add(time.Second)
	}
	return c.Mock.Timer(d)
}

// The loop's timer fires no later than its deadline, even when the clock
// moves between the loop's clock read and the arming of the timer.
func TestTimerArmedAfterClockMovedFiresOnTime(t *testing.T) {
	const timeout = 10 * time.Second
	mock := clock.NewMock()
	var moveOnce atomic.Bool
	a := New(WithClock(armMovingClock{mock, &moveOnce}), WithFetchTimeout(timeout))
	defer func() { require.NoError(t, a.Close()) }()
	unblock := make(chan struct{})
	defer close(unblock)
	f := FetcherFunc(func(context.Context, string) (messages.Flags, error) {
		<-unblock // ignores its context: only the loop's timer ends it
		return messages.Flags{}, nil
	})
	l, err := a.Acquire(context.Background(), "slow.example.com", f)
	require.NoError(t, err)
	moveOnce.Store(true)
	got := make(chan error, 1)
	go func() {
		_, err := l.Enabled(context.Background(), "flag")
		got <- err
	}()
	require.True(t, waitUntil(func() bool { return !moveOnce.Load() }), "the loop never armed its timer")
	mock.Add(timeout - time.Second) // exactly the fetch's deadline
	select {
	case err := <-got:
		require.ErrorIs(t, err, ErrFetchTimeout)
	case <-time.After(2 * time.Second):
		t.Fatal("the timer did not fire at the fetch deadline")
	}
}
