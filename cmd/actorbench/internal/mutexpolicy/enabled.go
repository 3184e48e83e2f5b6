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

// query is Enabled without a fresh value: the policy's table decides
// (policy.go), under the entry's lock.
func (l *Lease) query(ctx context.Context, flag string) (bool, error) {
	c, e := l.cache, l.entry
	e.mu.Lock()
	now := c.now()
	a := e.answer.Load()
	var w *waiter
	switch {
	case fresh(a, now):
		e.mu.Unlock()
		return a.values.has(flag), nil
	case a != nil:
		if e.mayFetch(l, now) {
			c.startFetch(ctx, e, l)
		}
		e.mu.Unlock()
		return a.values.has(flag), nil
	case e.call != nil:
		c.coalesced.Add(1)
		w = &waiter{ctx: ctx, lease: l, next: e.call}
	case e.mayFetch(l, now):
		w = &waiter{ctx: ctx, lease: l, next: c.startFetch(ctx, e, l)}
	default:
		err := e.refusal(l, now)
		e.mu.Unlock()
		return false, err
	}
	call := w.next
	call.addWaiter(w)
	e.mu.Unlock()
	for {
		select {
		case <-call.done:
		case <-ctx.Done():
			return false, ctx.Err()
		}
		if call.values != nil {
			return call.values.has(flag), nil
		}
		e.mu.Lock() // the fetch it was handed on to may end meanwhile
		next, err := w.next, w.err
		e.mu.Unlock()
		if next == call { // not handed on to a fetch through another lease
			return false, err
		}
		call = next
	}
}

// addWaiter queues w on call. Waiters that left (their context ended) are
// dropped whenever the list has doubled, as the actor does, so that a fetch
// that hangs cannot make it grow without bound. entry.mu must be held.
func (call *fetchCall) addWaiter(w *waiter) {
	if len(call.waiters) >= call.pruneAt {
		kept := call.waiters[:0]
		for _, w := range call.waiters {
			if w.ctx.Err() == nil {
				kept = append(kept, w)
			}
		}
		clear(call.waiters[len(kept):])
		call.waiters = kept
		call.pruneAt = max(16, 2*len(kept))
	}
	call.waiters = append(call.waiters, w)
}

// startFetch starts one fetch of e through l's Fetcher on a goroutine of its
// own. e.mu must be held.
func (c *Cache) startFetch(caller context.Context, e *entry, l *Lease) *fetchCall {
	call := &fetchCall{done: make(chan struct{}), by: l}
	e.call = call
	e.admitting = false // a step admits one fetch
	c.fetches.Add(1)
	c.fetching.Add(1)
	c.running.Add(1)
	go c.fetch(caller, e, call, l.fetcher)
	return call
}

// fetch runs one fetch and applies its result.
func (c *Cache) fetch(caller context.Context, e *entry, call *fetchCall, f Fetcher) {
	defer c.running.Done()
	ctx, cancel := c.fetchContext(caller)
	flags, err := f.Fetch(ctx, e.host)
	cancel()
	e.mu.Lock()
	if err == nil {
		c.fetchSucceeded(e, call, newValues(flags), flags.TTL)
	} else {
		c.fetchFailed(e, call, err)
	}
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
