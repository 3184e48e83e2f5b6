package mutexpolicy

import (
	"math/rand/v2"
	"time"
)

// The actor's defaults and bounds, as its options document them.
const (
	defaultTTL          = 15 * time.Minute
	defaultFetchTimeout = 10 * time.Second
	minServerTTL        = time.Minute
	maxServerTTL        = time.Hour
	maxRetryAfter       = 24 * time.Hour
)

// The policy, as the actor's (telemetry/flagactor) keeps it today, in one
// place: what a query does (queryStep), what a fetch's result does
// (applyResult), how long an entry without leases lingers (lingerUntil).
// When the actor's failure table changes, these three change with it.
//
//	value   fresh  fetch in flight  backing off | a query
//	yes     yes    -                -           | answers the value (no lock: fresh)
//	yes     no     no               no          | starts a refresh, answers the stale value
//	yes     no     yes              -           | answers the stale value
//	yes     no     no               yes         | answers the stale value
//	no      -      yes              -           | waits for the fetch
//	no      -      no               yes         | answers the last error
//	no      -      no               no          | starts a fetch and waits for it
//
//	a fetch that  | the entry
//	succeeds      | takes the value, expiring on the grid; failures, backoff and last error cleared
//	fails         | counts a failure and backs off (retryDelay); waiters get the stale value, else the error
//
// Not modelled, as no scenario that compares fetches exercises them: a
// lease's own failure (ErrClientFailed, ErrCredentialRejected), Invalidate.

// queryStep is what a query does.
type queryStep int

const (
	answerValue     queryStep = iota // the value, fresh or stale
	refreshAndStale                  // start a refresh, answer the stale value
	waitForFetch                     // wait for the fetch in flight
	answerLastErr                    // answer the last error
	fetchAndWait                     // start a fetch and wait for it
)

// fresh reports whether a is a value still fresh at now.
func fresh(a *answer, now time.Duration) bool { return a != nil && now < a.expiresAt }

// queryStep is the table's row for e at now. e.mu must be held.
func (e *entry) queryStep(now time.Duration) queryStep {
	a := e.answer.Load()
	inFlight, backingOff := e.call != nil, now < e.retryAt
	switch {
	case fresh(a, now):
		return answerValue
	case a != nil && !inFlight && !backingOff:
		return refreshAndStale
	case a != nil:
		return answerValue
	case inFlight:
		return waitForFetch
	case backingOff:
		return answerLastErr
	}
	return fetchAndWait
}

// applyResult applies a fetch's result to e and to its waiters. e.mu must be
// held.
func (c *Cache) applyResult(e *entry, call *fetchCall, now time.Duration, v *values, ttl time.Duration, err error) {
	if err == nil {
		e.answer.Store(&answer{values: v, expiresAt: c.expiryFor(now, c.answerTTL(ttl))})
		e.failures, e.retryAt, e.lastErr = 0, 0, nil
		call.values = v
	} else {
		c.fetchErrors.Add(1)
		e.failures++
		e.retryAt = now + c.retryDelay(e.failures, retryAfterOf(err))
		e.lastErr = err
		if a := e.answer.Load(); a != nil {
			call.values = a.values
		} else {
			call.err = err
		}
	}
	e.call = nil
}

// lingerUntil is how long e is kept without leases: until its value expires
// and its backoff ends; a second from now while a fetch is in flight (its
// result decides). e.mu must not be held.
func (e *entry) lingerUntil(now time.Duration) time.Duration {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.call != nil {
		return now + time.Second
	}
	until := e.retryAt
	if a := e.answer.Load(); a != nil {
		until = max(until, a.expiresAt)
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
