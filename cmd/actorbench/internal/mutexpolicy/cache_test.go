package mutexpolicy

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/flagactor/flagactor/telemetry/flagactor"
	"github.com/flagactor/flagactor/telemetry/messages"
)

const host = "workspace.example"

// fetcher answers from fn, counting its calls.
type fetcher struct {
	calls atomic.Int64
	fn    func(context.Context) (messages.Flags, error)
}

func (f *fetcher) Fetch(ctx context.Context, _ string) (messages.Flags, error) {
	f.calls.Add(1)
	return f.fn(ctx)
}

func on(ttl time.Duration) func(context.Context) (messages.Flags, error) {
	return func(context.Context) (messages.Flags, error) {
		return messages.Flags{Values: map[string]string{"f": "true"}, TTL: ttl}, nil
	}
}

// retryAfterError is a failure that asks for a wait.
type retryAfterError struct{ wait time.Duration }

func (e retryAfterError) Error() string             { return "429" }
func (e retryAfterError) RetryAfter() time.Duration { return e.wait }

func newCache(t *testing.T) (*Cache, *clock.Mock) {
	t.Helper()
	clk := clock.NewMock()
	c := New(clk)
	t.Cleanup(c.Close)
	return c, clk
}

func acquire(t *testing.T, c *Cache, f Fetcher) *Lease {
	t.Helper()
	l, err := c.Acquire(host, f)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Release)
	return l
}

func TestConcurrentQueriesWaitOnOneFetch(t *testing.T) {
	c, _ := newCache(t)
	release := make(chan struct{})
	f := &fetcher{fn: func(ctx context.Context) (messages.Flags, error) {
		<-release
		return on(0)(ctx)
	}}
	const n = 50
	var wg sync.WaitGroup
	var got atomic.Int64
	for range n {
		l := acquire(t, c, f)
		wg.Go(func() {
			if v, err := l.Enabled(t.Context(), "f"); v && err == nil {
				got.Add(1)
			}
		})
	}
	for c.Stats().Fetches == 0 {
		time.Sleep(time.Millisecond) // until one query has started the fetch
	}
	close(release)
	wg.Wait()
	if calls := f.calls.Load(); calls != 1 || got.Load() != n {
		t.Errorf("%d fetches, %d of %d callers got true; want 1 fetch and all true", calls, got.Load(), n)
	}
}

func TestStaleValueIsAnsweredWhileARefreshRuns(t *testing.T) {
	c, clk := newCache(t)
	refresh := make(chan struct{})
	f := &fetcher{fn: on(time.Minute)}
	l := acquire(t, c, f)
	if v, err := l.Enabled(t.Context(), "f"); !v || err != nil {
		t.Fatalf("first query: (%v, %v)", v, err)
	}
	f.fn = func(ctx context.Context) (messages.Flags, error) {
		<-refresh
		return on(time.Minute)(ctx)
	}
	clk.Add(2 * time.Minute)
	if v, err := l.Enabled(t.Context(), "f"); !v || err != nil {
		t.Errorf("stale query: (%v, %v), want the stale true at once", v, err)
	}
	if v, _ := l.Enabled(t.Context(), "f"); !v || c.Stats().Fetches != 2 {
		t.Errorf("second stale query: %v with %d fetches, want true and one refresh in flight", v, c.Stats().Fetches)
	}
	close(refresh)
}

func TestBackoffKeepsAtLeastTheRetryAfter(t *testing.T) {
	c, clk := newCache(t)
	f := &fetcher{fn: func(context.Context) (messages.Flags, error) {
		return messages.Flags{}, retryAfterError{wait: time.Minute}
	}}
	l := acquire(t, c, f)
	if _, err := l.Enabled(t.Context(), "f"); !errors.As(err, new(retryAfterError)) {
		t.Fatalf("first query error %v, want the fetch's", err)
	}
	clk.Add(59 * time.Second)
	if _, err := l.Enabled(t.Context(), "f"); err == nil || f.calls.Load() != 1 {
		t.Errorf("inside Retry-After: error %v, %d fetches; want the last error and no fetch", err, f.calls.Load())
	}
	clk.Add(2 * time.Second)
	l.Enabled(t.Context(), "f")
	if f.calls.Load() != 2 {
		t.Errorf("after Retry-After: %d fetches, want 2", f.calls.Load())
	}
}

func TestServerTTLIsClamped(t *testing.T) {
	for _, tc := range []struct {
		name        string
		ttl         time.Duration
		fresh, then time.Duration // still fresh at fresh, stale at then
	}{
		{"too short", time.Second, 50 * time.Second, minServerTTL + time.Second},
		{"too long", 2 * time.Hour, 50 * time.Minute, maxServerTTL + time.Second},
		{"none", 0, 13 * time.Minute, defaultTTL + time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, clk := newCache(t)
			f := &fetcher{fn: on(tc.ttl)}
			l := acquire(t, c, f)
			l.Enabled(t.Context(), "f")
			clk.Add(tc.fresh)
			l.Enabled(t.Context(), "f")
			if n := f.calls.Load(); n != 1 {
				t.Errorf("at %v: %d fetches, want the value still fresh", tc.fresh, n)
			}
			clk.Add(tc.then - tc.fresh)
			l.Enabled(t.Context(), "f")
			if c.Stats().Fetches < 2 {
				t.Errorf("at %v: %d fetches, want a refresh", tc.then, c.Stats().Fetches)
			}
		})
	}
}

func TestEntryLingersUntilItsValueExpires(t *testing.T) {
	c, clk := newCache(t)
	l, err := c.Acquire(host, &fetcher{fn: on(0)})
	if err != nil {
		t.Fatal(err)
	}
	l.Enabled(t.Context(), "f")
	l.Release()
	l.Release() // idempotent
	c.Sweep()
	if c.Len() != 1 {
		t.Fatalf("right after release: %d hosts, want the entry kept", c.Len())
	}
	if v, err := l.Enabled(t.Context(), "f"); v || !errors.Is(err, flagactor.ErrReleased) {
		t.Errorf("released lease answered (%v, %v)", v, err)
	}
	clk.Add(defaultTTL + time.Second)
	c.Sweep()
	if c.Len() != 0 {
		t.Errorf("past the TTL: %d hosts, want none", c.Len())
	}
}
