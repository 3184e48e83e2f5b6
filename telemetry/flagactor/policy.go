package flagactor

import (
	"math/rand/v2"
	"time"
)

// answerTTL is how long a fetched answer lives: the server's time-to-live
// clamped to [MinServerTTL, MaxServerTTL], or the actor's default.
func (s *loopState) answerTTL(server time.Duration) time.Duration {
	if server <= 0 {
		return s.a.cfg.ttl
	}
	return min(max(server, MinServerTTL), MaxServerTTL)
}

// expiryFor is when an answer fetched now with ttl turns stale. It comes up
// to 10% early, never late: the jitter keeps hosts fetched together (a fleet
// restarted at once) from all refreshing in the same second. With a TTL long
// enough, the expiry also falls on a whole second of the loop's clock, so the
// many hosts fetched around one moment share one timer firing.
func (s *loopState) expiryFor(ttl time.Duration) int64 {
	early := ttl / 10
	var grain int64
	if early >= 2*expiryGrain {
		grain = int64(expiryGrain)
		early -= expiryGrain // rounding down below takes the rest of the 10%
	}
	at := s.now + int64(ttl) - rand.Int64N(int64(early)+1)
	if grain > 0 {
		at -= at % grain
	}
	return at
}

// expiryGrain is what expiryFor rounds expiries of long TTLs down to.
const expiryGrain = time.Second

// retryDelay is how long after its nth consecutive failure a host waits
// before the next fetch: doubling from 1s, capped at the default TTL, up to
// 20% longer for jitter, and at least what the server asked for with
// Retry-After (retryAfter, worked out on the fetch goroutine), up to
// MaxRetryAfter.
func (s *loopState) retryDelay(failures int32, retryAfter time.Duration) time.Duration {
	limit := s.a.cfg.ttl
	delay := limit
	if failures <= 31 {
		delay = min(time.Second<<(failures-1), limit)
	}
	delay += time.Duration(rand.Int64N(int64(delay)/5 + 1))
	return max(delay, min(retryAfter, MaxRetryAfter))
}
