package flagactor

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/require"

	"github.com/flagactor/flagactor/telemetry/messages"
)

// holdLoop returns a beforeHandle hook that stops the loop on the first
// request matching match, before it has read the clock for it, until release
// is called (idempotent: defer it after the actor's Close, so that a failed
// test does not leave Close waiting); held is closed when the loop stops.
func holdLoop(match func(request) bool) (hook func(request), held chan struct{}, release func()) {
	held = make(chan struct{})
	released := make(chan struct{})
	var once sync.Once
	armed := true
	hook = func(r request) {
		if armed && match(r) {
			armed = false
			close(held)
			<-released
		}
	}
	return hook, held, func() { once.Do(func() { close(released) }) }
}

// acquireOf matches the Acquire of host, for holdLoop.
func acquireOf(host string) func(request) bool {
	return func(r request) bool {
		acq, ok := r.(acquireRequest)
		return ok && acq.Ticket.Host == host
	}
}

// newHeldActor starts an actor with opts whose loop stops on the first
// request that match accepts, until release is called (at the latest as the
// test ends, before the actor is closed).
func newHeldActor(t *testing.T, match func(request) bool, opts ...Option) (a *Actor, held <-chan struct{}, release func()) {
	t.Helper()
	hook, heldCh, release := holdLoop(match)
	a = New(append(opts, withBeforeHandle(hook))...)
	t.Cleanup(func() { require.NoError(t, a.Close()) })
	t.Cleanup(release) // runs first: a held loop cannot close
	return a, heldCh, release
}

// waitQueued waits until n counted requests sit in the mailbox.
func waitQueued(t *testing.T, a *Actor, n int) {
	t.Helper()
	require.True(t, waitUntil(func() bool { return a.mailbox.counted.Load() >= int64(n) }), "requests never reached the mailbox")
}

// A Stats queued behind a request the loop took up before the clock moved is
// handled with the clock as it reads when the loop takes the Stats up: every
// deadline passed by then is applied first.
func TestRequestSeesClockAsItIsTakenUp(t *testing.T) {
	const ttl = time.Minute
	mock := clock.NewMock()
	a, held, release := newHeldActor(t, func(r request) bool {
		_, ok := r.(releaseRequest)
		return ok
	}, WithClock(mock), WithTTL(ttl))
	ctx := context.Background()
	f := FetcherFunc(func(context.Context, string) (messages.Flags, error) {
		return messages.Flags{Values: map[string]string{"flag": "true"}}, nil
	})
	l, err := a.Acquire(ctx, "late.example.com", f)
	require.NoError(t, err)
	_, err = l.Enabled(ctx, "flag")
	require.NoError(t, err)
	l.Release()
	<-held // the loop read the clock for the Release and waits

	mock.Add(2 * ttl)
	got := make(chan messages.Stats, 1)
	go func() {
		st, _ := a.Stats(ctx)
		got <- st
	}()
	waitQueued(t, a, 1)
	release()
	st := <-got
	require.Equal(t, 0, st.Hosts, "hosts after the clock moved past the expiry of the only host")
	require.Equal(t, uint64(1), st.Evictions, "evictions")
}

// An Enabled sent after a backoff ended starts a fetch, even when the loop
// took up the request before it while the backoff still ran.
func TestQueryAfterBackoffFetchesWhateverTheBatch(t *testing.T) {
	mock := clock.NewMock()
	a, held, release := newHeldActor(t, acquireOf("other.example.com"), WithClock(mock))
	ctx := context.Background()
	var calls int
	f := FetcherFunc(func(context.Context, string) (messages.Flags, error) {
		calls++ // the fetches of one host run one at a time
		if calls == 1 {
			return messages.Flags{}, errBoomInternal
		}
		return messages.Flags{Values: map[string]string{"flag": "true"}}, nil
	})
	l, err := a.Acquire(ctx, "down.example.com", f)
	require.NoError(t, err)
	_, err = l.Enabled(ctx, "flag")
	require.ErrorIs(t, err, errBoomInternal, "first query")

	_, err = a.Acquire(ctx, "other.example.com", f)
	require.NoError(t, err)
	<-held // the loop read the clock inside the backoff, and waits
	mock.Add(2 * time.Second)
	got := make(chan error, 1)
	go func() {
		on, err := l.Enabled(ctx, "flag")
		if err == nil && !on {
			err = errBoomInternal
		}
		got <- err
	}()
	waitQueued(t, a, 1)
	release()
	require.NoError(t, <-got, "query sent after the backoff ended")
}
