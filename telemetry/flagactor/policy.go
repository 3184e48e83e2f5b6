package flagactor

import (
	"hash/maphash"
	"math"
	"math/rand/v2"
	"time"
)

// answerTTL is how long a fetched answer lives: the server's time-to-live
// clamped to [minServerTTL, maxServerTTL], or the actor's default.
func (s *loopState) answerTTL(server time.Duration) time.Duration {
	if server <= 0 {
		return s.a.cfg.ttl
	}
	return min(max(server, minServerTTL), maxServerTTL)
}

// expiryFor is when an answer fetched now with ttl turns stale: the latest
// point of this loop's expiry grid at or before now+ttl. The grid has one
// point every tenth of the TTL, at a phase of its own for each actor, so an
// answer comes less than 10% early and never late.
//
// Why a grid and not a fresh random jitter per expiry: a fleet restarted at
// one instant must spread its refreshes, but only once. The phase does it
// (each process expires in its own part of the first tenth), and a refresh
// made within a tenth of the TTL after an expiry falls one whole TTL later on
// the same grid, so refreshes keep the full TTL instead of losing 5% on
// average every time. The hosts one actor fetches within a tenth of a TTL
// also share one expiry, hence one timer firing.
func (s *loopState) expiryFor(ttl time.Duration) int64 {
	at := addSat(s.now, ttl)
	period := int64(ttl / 10)
	if period <= 0 || s.a.cfg.noJitter {
		return at // too short to jitter
	}
	phase := int64(maphash.Comparable(expiryPhaseSeed, s) % uint64(period))
	off := (at - phase) % period
	if off < 0 {
		off += period
	}
	return at - off
}

// expiryPhaseSeed makes each actor's expiry phase (a hash of its loop's
// identity) random per process: fleets of identical binaries, whose heaps lay
// out alike, still get phases of their own.
var expiryPhaseSeed = maphash.MakeSeed()

// retryDelay is how long after its nth consecutive failure a host waits
// before the next fetch: doubling from 1s, capped at the default TTL, up to
// 20% longer for jitter, and at least what the server asked for with
// Retry-After (retryAfter, worked out on the fetch goroutine), up to
// maxRetryAfter.
func (s *loopState) retryDelay(failures int32, retryAfter time.Duration) time.Duration {
	limit := s.a.cfg.ttl
	delay := limit
	if failures <= 31 {
		delay = min(time.Second<<(failures-1), limit)
	}
	var jitter time.Duration
	if !s.a.cfg.noJitter {
		jitter = time.Duration(rand.Int64N(int64(delay)/5 + 1))
	}
	delay = min(delay, math.MaxInt64-jitter) + jitter // saturates, for a huge WithTTL
	return max(delay, min(retryAfter, maxRetryAfter))
}

// backoffUntil is when a backoff of delay that starts now ends: before
// noWake, which marks a fetch in flight (answer.nextFetch), however long the
// delay.
func (s *loopState) backoffUntil(delay time.Duration) int64 {
	return min(addSat(s.now, delay), noWake-1)
}

// addSat returns the loop time at + d, saturated: a duration too long to
// add (WithFetchTimeout(math.MaxInt64), a huge TTL or Retry-After) gives
// noWake, a time that never comes, rather than wrap into the past. (at is
// never negative, so no d can wrap it below math.MinInt64.)
func addSat(at int64, d time.Duration) int64 {
	if d > 0 && at > noWake-int64(d) {
		return noWake
	}
	return at + int64(d)
}

// epochLead is how far before the clock's reading at New (Actor.epoch) the
// loop's times count from, so that they stay positive even when the clock
// is set back (a mock set before the time the actor started): zero keeps its
// meaning of "none" for a backoff or a fetch that may start. About 146
// years, which leaves as much before a loop time saturates. It is added to
// each reading rather than taken off the epoch: a time.Time 146 years back
// loses its monotonic reading, and time.Since the wall clock's.
const epochLead = time.Duration(1) << 62

// loopTime is a clock reading, since the epoch, as the loop counts time:
// saturated into [1, noWake-1] however far the clock is from its reading at
// New, so that it never wraps, zero keeps its meaning of "none", and noWake
// stays a time that never comes. Past either end the loop's time stands
// still (a clock 146 years from New still fetches, once).
func loopTime(since time.Duration) int64 {
	return min(max(addSat(int64(epochLead), since), 1), noWake-1)
}
