package mutexpolicy

import (
	"errors"
	"math/rand/v2"
	"time"

	"github.com/flagactor/flagactor/telemetry/flagactor"
)

// The actor's defaults and bounds, as its options document them.
const (
	defaultTTL          = 15 * time.Minute
	defaultFetchTimeout = 10 * time.Second
	minServerTTL        = time.Minute
	maxServerTTL        = time.Hour
	maxRetryAfter       = 24 * time.Hour
)

// The policy, as the actor's failure table (telemetry/flagactor/failpolicy.go,
// its doc comment) writes it, in one place: who may fetch (mayFetch), what a
// query that may not gets (refusal), what a fetch's end does (fetchSucceeded,
// fetchFailed), Invalidate (invalidate), how long an entry without leases
// lingers (lingerUntil). When the table changes, these change with it.
//
// The rows followed: a good answer; a server failure (an error status,
// Retry-After, a timeout: the fetch context's deadline); a lease's own
// failure (ErrClientFailed, ErrCredentialRejected), with its own backoff,
// the host's own backoff after a second lease in a row, and the one fetch
// each step of it admits; a failure of a fetch Invalidate marked; a fetch
// starting; Invalidate; the clock passing the value's expiry and a backoff's
// end (read, not applied: a time compared with the clock); the last release
// (lingering through the value's expiry, the host's backoff and every own
// backoff); and the waiters of a lease's own failure, handed on to a fetch
// through a waiting lease's own Fetcher.
//
// Not followed, as nothing the bench runs reaches them: a panic or Goexit
// in a Fetcher (it crashes the peer); a fetch past its deadline holds the
// host, and its waiters, until its Fetcher returns, and fails with the
// Fetcher's error (the actor answers them at the deadline with a timeout,
// a server failure, even when the Fetcher's late error would be its own;
// the count of fetches is the same for a Fetcher that honours its
// context); Peek and HostStatus, which the peer does not have.

// ownBackoff is one lease's own backoff, after failures of its own.
type ownBackoff struct {
	failures int           // k
	epoch    uint32        // the entry's epoch when counted: a later one ends it
	retryAt  time.Duration // until when it holds
	err      error         // the last of them
}

// ownFailures is l's own backoff of the entry's epoch, nil when the lease has
// no failure of its own. e.mu must be held.
func (e *entry) ownFailures(l *Lease) *ownBackoff {
	if l.own != nil && l.own.epoch == e.epoch {
		return l.own
	}
	return nil
}

// ownHolds reports whether l's own backoff holds at now. e.mu must be held.
func (e *entry) ownHolds(l *Lease, now time.Duration) bool {
	o := e.ownFailures(l)
	return o != nil && now < o.retryAt
}

// fresh reports whether a is a value still fresh at now.
func fresh(a *answer, now time.Duration) bool { return a != nil && now < a.expiresAt }

// mayFetch is the table's "who may fetch": l starts a fetch when the value is
// not fresh, none is in flight, and either no backoff holds, the host's nor
// l's own, or the host's own backoff still admits one fetch in its step, l
// has no failure of its own and was acquired before the step began. e.mu
// must be held.
func (e *entry) mayFetch(l *Lease, now time.Duration) bool {
	switch {
	case fresh(e.answer.Load(), now), e.call != nil:
		return false
	case now >= e.retryAt:
		return !e.ownHolds(l, now)
	}
	return e.admitting && l.step < e.steps.Load() && e.ownFailures(l) == nil
}

// refusal is what a query of a host with no value gets when l may not
// fetch: its own last error while its own backoff holds, else the host's.
// e.mu must be held.
func (e *entry) refusal(l *Lease, now time.Duration) error {
	if e.ownHolds(l, now) {
		return l.own.err
	}
	return e.lastErr
}

// fetchSucceeded is the table's "good answer" row. e.mu must be held.
func (c *Cache) fetchSucceeded(e *entry, call *fetchCall, v *values, ttl time.Duration) {
	e.call = nil
	call.by.own = nil
	e.expiresAt = c.expiryFor(c.now(), c.answerTTL(ttl))
	e.endBackoff()
	e.lastErr = nil
	a := &answer{values: v, expiresAt: e.expiresAt}
	if call.invalidated {
		a.expiresAt = 0 // may predate what the caller of Invalidate learned: stale
	}
	e.answer.Store(a)
	call.values = v
}

// endBackoff clears the host's backoff (a good answer, Invalidate).
func (e *entry) endBackoff() {
	e.failures, e.retryAt, e.admitting, e.lastOwn, e.ownUntil = 0, 0, false, nil, 0
}

// fetchFailed is the table's failure rows: a server failure, a lease's own,
// or either of a fetch Invalidate marked. It answers the waiters. e.mu must
// be held.
func (c *Cache) fetchFailed(e *entry, call *fetchCall, err error) {
	e.call = nil
	now := c.now()
	c.fetchErrors.Add(1)
	e.lastErr = err
	own := !call.invalidated && (errors.Is(err, flagactor.ErrClientFailed) || errors.Is(err, flagactor.ErrCredentialRejected))
	switch {
	case call.invalidated:
		// May predate the fix the caller of Invalidate made: no backoff.
	case own:
		l := call.by
		o := &ownBackoff{failures: 1, epoch: e.epoch, err: err}
		if prev := e.ownFailures(l); prev != nil {
			o.failures = prev.failures + 1
		}
		o.retryAt = now + c.retryDelay(o.failures, retryAfterOf(err))
		l.own = o
		e.ownUntil = max(e.ownUntil, o.retryAt)
		if e.lastOwn != nil && e.lastOwn != l && now >= e.retryAt {
			e.failures++
			e.retryAt = now + c.retryDelay(e.failures, retryAfterOf(err))
			e.steps.Add(1)
			e.admitting = true
		}
		e.lastOwn = l
	default:
		e.failures++
		e.retryAt = now + c.retryDelay(e.failures, retryAfterOf(err))
		e.admitting, e.lastOwn = false, nil
	}
	if a := e.answer.Load(); a != nil {
		call.values = a.values
		return
	}
	// No value: after a lease's own failure, the first waiter that may fetch
	// starts one through its own Fetcher and the others with no own backoff
	// wait on it; the rest get the error a query would.
	var next *fetchCall
	for _, w := range call.waiters {
		switch {
		case w.ctx.Err() != nil:
			// left already
		case w.lease.released.Load():
			w.err = flagactor.ErrReleased
		case own && next == nil && e.mayFetch(w.lease, now):
			next = c.startFetch(w.ctx, e, w.lease)
			next.addWaiter(w)
			w.next = next
		case next != nil && !e.ownHolds(w.lease, now):
			next.addWaiter(w)
			w.next = next
		default:
			w.err = e.refusal(w.lease, now)
		}
	}
	call.waiters = nil
}

// invalidate is the table's Invalidate row: the value stale (its expiry kept
// for lingering), every backoff of the host and of its leases over, a fetch
// in flight marked. e.mu must be held.
func (e *entry) invalidate() {
	e.endBackoff()
	e.epoch++
	if e.call != nil {
		e.call.invalidated = true
	}
	if a := e.answer.Load(); a != nil && a.expiresAt != 0 {
		e.answer.Store(&answer{values: a.values})
	}
}

// lingerUntil is the table's "last release" row: how long e is kept without
// leases: until its value expires and its backoffs, the host's and its
// leases' own, end; a second from now while a fetch is in flight (its result
// decides). e.mu must not be held.
func (e *entry) lingerUntil(now time.Duration) time.Duration {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.call != nil {
		return now + time.Second
	}
	until := max(e.retryAt, e.ownUntil)
	if e.answer.Load() != nil {
		until = max(until, e.expiresAt)
	}
	return until
}

// answerTTL is the server's TTL clamped as the actor clamps it, or the
// default when the server sends none.
func (c *Cache) answerTTL(server time.Duration) time.Duration {
	if server <= 0 {
		return c.ttl
	}
	return min(max(server, minServerTTL), maxServerTTL)
}

// expiryFor is when a value fetched at now with ttl turns stale: the latest
// point of the cache's grid (one point every tenth of the TTL, at the cache's
// own phase) at or before now+ttl, as the actor does.
func (c *Cache) expiryFor(now, ttl time.Duration) time.Duration {
	at := now + ttl
	period := ttl / 10
	if period <= 0 {
		return at
	}
	off := (at - c.phase%period) % period
	if off < 0 {
		off += period
	}
	return at - off
}

// retryDelay is the wait after the nth consecutive failure: doubling from
// 1s, capped at the default TTL, up to 20% longer, and at least retryAfter
// (up to maxRetryAfter).
func (c *Cache) retryDelay(failures int, retryAfter time.Duration) time.Duration {
	delay := c.ttl
	if failures <= 31 {
		delay = min(time.Second<<(failures-1), c.ttl)
	}
	delay += time.Duration(rand.Int64N(int64(delay)/5 + 1))
	return max(delay, min(retryAfter, maxRetryAfter))
}
