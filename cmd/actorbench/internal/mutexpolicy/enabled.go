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

// Enabled reports whether flag is on for the lease's host: a fresh value at
// once, a stale one at once while a refresh runs, else it waits for the
// fetch in flight or starts one (inside a backoff, a host with no value
// answers the last error).
func (l *Lease) Enabled(ctx context.Context, flag string) (bool, error) {
	if l.released.Load() {
		return false, flagactor.ErrReleased
	}
	e := l.entry
	now := l.cache.clock.Now()
	e.mu.RLock()
	if e.values != nil && now.Before(e.expiresAt) {
		on := e.values.has(flag)
		e.mu.RUnlock()
		return on, nil
	}
	e.mu.RUnlock()
	return l.query(ctx, flag)
}

// query is Enabled without a fresh value, under the entry's write lock.
func (l *Lease) query(ctx context.Context, flag string) (bool, error) {
	c, e := l.cache, l.entry
	e.mu.Lock()
	now := c.clock.Now()
	var call *fetchCall
	switch {
	case e.values != nil && now.Before(e.expiresAt):
		on := e.values.has(flag)
		e.mu.Unlock()
		return on, nil
	case e.values != nil:
		if e.call == nil && !now.Before(e.retryAt) {
			c.startFetch(ctx, e, l.fetcher)
		}
		on := e.values.has(flag)
		e.mu.Unlock()
		return on, nil
	case e.call != nil:
		call = e.call
	case now.Before(e.retryAt):
		err := e.lastErr
		e.mu.Unlock()
		return false, err
	default:
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
// held for writing.
func (c *Cache) startFetch(caller context.Context, e *entry, f Fetcher) *fetchCall {
	call := &fetchCall{done: make(chan struct{})}
	e.call = call
	c.fetches.Add(1)
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
	now := c.clock.Now()
	e.mu.Lock()
	if err == nil {
		e.values = newValues(flags)
		e.expiresAt = c.expiryFor(now, c.answerTTL(flags.TTL))
		e.failures, e.retryAt, e.lastErr = 0, time.Time{}, nil
		call.values = e.values
	} else {
		c.fetchErrors.Add(1)
		e.failures++
		e.retryAt = now.Add(c.retryDelay(e.failures, retryAfterOf(err)))
		e.lastErr = err
		if e.values != nil {
			call.values = e.values
		} else {
			call.err = err
		}
	}
	e.call = nil
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
