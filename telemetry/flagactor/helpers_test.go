package flagactor_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/require"

	"github.com/flagactor/flagactor/telemetry/flagactor"
	"github.com/flagactor/flagactor/telemetry/messages"
)

// testFlag is the flag every fake fetcher serves.
const testFlag = "enableTelemetry"

// guard bounds, in real time, every wait of a test for something that must
// happen promptly: it turns a hang into a failure. It is never how long a
// test waits for a TTL or a backoff; those run on the mock clock.
const guard = 10 * time.Second

// errBoom is the cause a failing fake fetcher returns.
var errBoom = errors.New("flag service: boom")

// flagsWith is a server answer with testFlag set to value and a server TTL
// (0: none given).
func flagsWith(value string, ttl time.Duration) messages.Flags {
	return messages.Flags{Values: map[string]string{testFlag: value}, TTL: ttl}
}

// retryAfterError is a fetch error that asks for the next fetch to wait, as
// an HTTP 429 or 503 with Retry-After does.
type retryAfterError struct{ wait time.Duration }

func (e retryAfterError) Error() string             { return "flag service: slow down" }
func (e retryAfterError) RetryAfter() time.Duration { return e.wait }

// call is what one Fetch of a fakeFetcher does.
type call struct {
	flags messages.Flags
	err   error
	panic any
	// wait, when non-nil, blocks the call until it is closed: a fetch in
	// flight that the test releases when it chooses.
	wait <-chan struct{}
	// honourCtx makes a blocked call return ctx.Err() as soon as its context
	// ends; otherwise the call ignores its context, as a broken Fetcher would.
	honourCtx bool
}

// fetchStart describes one Fetch call as it begins.
type fetchStart struct {
	n    int // 1 for the first call of the fetcher
	host string
	ctx  context.Context
}

// fakeFetcher is a counting Fetcher whose calls follow a script.
type fakeFetcher struct {
	script  func(n int) call
	calls   atomic.Int64
	started chan fetchStart // each call as it begins; a full buffer drops, never blocks
}

func newFakeFetcher(script func(n int) call) *fakeFetcher {
	return &fakeFetcher{script: script, started: make(chan fetchStart, 64)}
}

// always is a script whose every call does c.
func always(c call) func(int) call { return func(int) call { return c } }

// answers is a fetcher whose every call returns testFlag = value at once.
func answers(value string) *fakeFetcher {
	return newFakeFetcher(always(call{flags: flagsWith(value, 0)}))
}

// fetcher returns f as the FetcherFunc the actor is given.
func (f *fakeFetcher) fetcher() flagactor.FetcherFunc { return f.fetch }

func (f *fakeFetcher) fetch(ctx context.Context, host string) (messages.Flags, error) {
	n := int(f.calls.Add(1))
	c := f.script(n)
	select {
	case f.started <- fetchStart{n: n, host: host, ctx: ctx}:
	default:
	}
	if c.wait != nil {
		if c.honourCtx {
			select {
			case <-c.wait:
			case <-ctx.Done():
				return messages.Flags{}, ctx.Err()
			}
		} else {
			<-c.wait
		}
	}
	if c.panic != nil {
		panic(c.panic)
	}
	return c.flags, c.err
}

// Calls is how many times the actor called the fetcher.
func (f *fakeFetcher) Calls() int { return int(f.calls.Load()) }

// waitStarted returns the next call to begin.
func (f *fakeFetcher) waitStarted(t *testing.T) fetchStart {
	t.Helper()
	select {
	case s := <-f.started:
		return s
	case <-time.After(guard):
		t.Fatalf("no fetch started within %v; calls so far: %d", guard, f.Calls())
		return fetchStart{}
	}
}

// gate holds back whatever waits on it until the test opens it. A gate
// opens itself when the test ends, so nothing stays blocked: create it after
// the actor, so that it opens before the actor is closed.
type gate struct {
	ch   chan struct{}
	once sync.Once
}

func newGate(t *testing.T) *gate {
	g := &gate{ch: make(chan struct{})}
	t.Cleanup(g.open)
	return g
}

func (g *gate) open() { g.once.Do(func() { close(g.ch) }) }

// newTestActor starts an actor on a mock clock and closes it when the test ends.
func newTestActor(t *testing.T, opts ...flagactor.Option) (*flagactor.Actor, *clock.Mock) {
	t.Helper()
	mock := clock.NewMock()
	a := flagactor.New(append([]flagactor.Option{flagactor.WithClock(mock)}, opts...)...)
	t.Cleanup(func() { require.NoError(t, a.Close(), "Close") })
	return a, mock
}

func acquire(t *testing.T, a *flagactor.Actor, host string, f *fakeFetcher) *flagactor.Lease {
	t.Helper()
	l, err := a.Acquire(context.Background(), host, f.fetcher())
	require.NoError(t, err, "Acquire(%q)", host)
	return l
}

// stats takes a snapshot; being a round trip through the mailbox, it also
// waits until the loop has applied every call this goroutine made before it,
// and every deadline up to the mock's now.
func stats(t *testing.T, a *flagactor.Actor) messages.Stats {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), guard)
	defer cancel()
	st, err := a.Stats(ctx)
	require.NoError(t, err, "Stats")
	return st
}

// advance moves the mock clock by d and waits until the loop has applied
// every deadline up to the new now.
func advance(t *testing.T, mock *clock.Mock, a *flagactor.Actor, d time.Duration) messages.Stats {
	t.Helper()
	mock.Add(d)
	return stats(t, a)
}

// waitStats waits until the loop's counters satisfy cond.
func waitStats(t *testing.T, a *flagactor.Actor, cond func(messages.Stats) bool, what string) messages.Stats {
	t.Helper()
	var last messages.Stats
	ok := waitFor(func() bool {
		st, err := a.Stats(context.Background())
		last = st
		return err == nil && cond(st)
	})
	require.True(t, ok, "waiting for %s; last stats %+v", what, last)
	return last
}

// waitFor polls cond until it holds or the guard runs out.
func waitFor(cond func() bool) bool {
	deadline := time.Now().Add(guard)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(time.Millisecond)
	}
	return true
}

// answer is what one Enabled call returned.
type answer struct {
	on  bool
	err error
}

// enabled asks l for testFlag, bounded by the guard.
func enabled(l *flagactor.Lease) answer {
	ctx, cancel := context.WithTimeout(context.Background(), guard)
	defer cancel()
	on, err := l.Enabled(ctx, testFlag)
	return answer{on, err}
}

// queryAsync asks l for testFlag on a goroutine of its own; the answer
// arrives on the returned channel.
func queryAsync(ctx context.Context, l *flagactor.Lease) <-chan answer {
	ch := make(chan answer, 1)
	go func() {
		on, err := l.Enabled(ctx, testFlag)
		ch <- answer{on, err}
	}()
	return ch
}

// recv waits for an answer from queryAsync.
func recv(t *testing.T, ch <-chan answer) answer {
	t.Helper()
	select {
	case a := <-ch:
		return a
	case <-time.After(guard):
		t.Fatalf("no answer within %v", guard)
		return answer{}
	}
}

// requireWaiting checks that ch has no answer yet.
func requireWaiting(t *testing.T, ch <-chan answer, what string) {
	t.Helper()
	select {
	case a := <-ch:
		t.Fatalf("%s: got answer %+v, want still waiting", what, a)
	default:
	}
}

// requireOn checks that an answer is the fetched true, without error.
func requireOn(t *testing.T, got answer, what string) {
	t.Helper()
	require.NoError(t, got.err, what)
	require.True(t, got.on, "%s: got false, want true", what)
}

// requireFailed checks that an answer is false with an error matching want.
func requireFailed(t *testing.T, got answer, want error, what string) {
	t.Helper()
	require.ErrorIs(t, got.err, want, what)
	require.False(t, got.on, "%s: got true with error %v, want false", what, got.err)
}

// frac returns d*pct/100.
func frac(d time.Duration, pct int64) time.Duration { return d * time.Duration(pct) / 100 }

// ended reports whether ctx is done. The mock clock's contexts read their
// error without a lock, so tests look at Done first and at Err only after.
func ended(ctx context.Context) bool {
	select {
	case <-ctx.Done():
		return true
	default:
		return false
	}
}
