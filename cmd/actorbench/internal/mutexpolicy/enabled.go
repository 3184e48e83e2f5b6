package mutexpolicy

import (
	"context"
	"errors"
	"time"

	"github.com/flagactor/flagactor/telemetry/flagactor"
	"github.com/flagactor/flagactor/telemetry/messages"
)

// values is one fetched set of flags, ready for readers: the names of the
// flags that are on, scanned as the actor scans its (the structure compared
// is the locking, not the flag lookup).
type values struct{ on []string }

func newValues(flags messages.Flags) *values {
	v := &values{}
	for name := range flags.Values {
		if flags.Bool(name) {
			v.on = append(v.on, name)
		}
	}
	return v
}

func (v *values) has(flag string) bool {
	if v == nil {
		return false
	}
	for _, name := range v.on {
		if name == flag {
			return true
		}
	}
	return false
}

// Enabled reports whether flag is on for the lease's host. A fresh value is
// one monotonic clock read and one atomic load, no lock; otherwise the
// policy's table decides (policy.go).
func (l *Lease) Enabled(ctx context.Context, flag string) (bool, error) {
	if l.released.Load() {
		return false, flagactor.ErrReleased
	}
	if a := l.entry.answer.Load(); fresh(a, l.cache.now()) {
		return a.values.has(flag), nil
	}
	return l.query(ctx, flag)
}

// query is Enabled without a fresh value, under the entry's lock.
func (l *Lease) query(ctx context.Context, flag string) (bool, error) {
	c, e := l.cache, l.entry
	e.mu.Lock()
	var call *fetchCall
	switch e.queryStep(c.now()) {
	case answerValue:
		on := e.answer.Load().values.has(flag)
		e.mu.Unlock()
		return on, nil
	case refreshAndStale:
		c.startFetch(ctx, e, l.fetcher)
		on := e.answer.Load().values.has(flag)
		e.mu.Unlock()
		return on, nil
	case waitForFetch:
		c.coalesced.Add(1)
		call = e.call
	case answerLastErr:
		err := e.lastErr
		e.mu.Unlock()
		return false, err
	case fetchAndWait:
		call = c.startFetch(ctx, e, l.fetcher)
	}
	e.mu.Unlock()
	select {
	case <-call.done:
		return call.values.has(flag), call.err
	case <-ctx.Done():
		return false, ctx.Err()
	}
}

// startFetch starts one fetch of e on a goroutine of its own. e.mu must be
// held.
func (c *Cache) startFetch(caller context.Context, e *entry, f Fetcher) *fetchCall {
	call := &fetchCall{done: make(chan struct{})}
	e.call = call
	c.fetches.Add(1)
	c.fetching.Add(1)
	c.running.Add(1)
	go c.fetch(caller, e, call, f)
	return call
}

// fetch runs one fetch and applies its result.
func (c *Cache) fetch(caller context.Context, e *entry, call *fetchCall, f Fetcher) {
	defer c.running.Done()
	ctx, cancel := c.fetchContext(caller)
	flags, err := f.Fetch(ctx, e.host)
	cancel()
	var v *values
	if err == nil {
		v = newValues(flags)
	}
	e.mu.Lock()
	c.applyResult(e, call, c.now(), v, flags.TTL, err)
	c.fetching.Add(-1)
	e.mu.Unlock()
	close(call.done)
}

// fetchContext carries the caller's values, not its cancellation (the fetch
// goes on for the cache when the caller leaves); Close and the fetch timeout
// end it.
func (c *Cache) fetchContext(caller context.Context) (context.Context, context.CancelFunc) {
	ctx, cancelTimeout := c.clock.WithTimeout(context.WithoutCancel(caller), c.fetchTimeout)
	stopWatching := context.AfterFunc(c.base, cancelTimeout)
	return ctx, func() {
		stopWatching()
		cancelTimeout()
	}
}

// retryAfterOf is the wait a failed fetch's error asks for, if any.
func retryAfterOf(err error) time.Duration {
	var ra interface{ RetryAfter() time.Duration }
	if errors.As(err, &ra) {
		return ra.RetryAfter()
	}
	return 0
}
