package flagactor

import (
	"errors"
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

// earlyJitter is how much sooner than its TTL an answer turns stale: up to
// 10%, so hosts fetched together (a fleet restarted at once) do not all
// refresh in the same second.
func earlyJitter(ttl time.Duration) time.Duration {
	return time.Duration(rand.Int64N(int64(ttl)/10 + 1))
}

// retryDelay is how long after its nth consecutive failure a host waits
// before the next fetch: doubling from 1s, capped at the default TTL, up to
// 20% longer for jitter, and at least what the server asked for with
// Retry-After, up to MaxRetryAfter.
func (s *loopState) retryDelay(failures int32, cause error) time.Duration {
	limit := s.a.cfg.ttl
	delay := limit
	if failures <= 31 {
		delay = min(time.Second<<(failures-1), limit)
	}
	delay += time.Duration(rand.Int64N(int64(delay)/5 + 1))
	var ra interface{ RetryAfter() time.Duration }
	if errors.As(cause, &ra) {
		delay = max(delay, min(ra.RetryAfter(), MaxRetryAfter))
	}
	return delay
}
