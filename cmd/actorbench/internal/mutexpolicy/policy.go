package mutexpolicy

import (
	"math/rand/v2"
	"time"

	"github.com/flagactor/flagactor/telemetry/flagactor"
)

// answerTTL is the server's TTL clamped as the actor clamps it, or the
// default when the server sends none.
func (c *Cache) answerTTL(server time.Duration) time.Duration {
	if server <= 0 {
		return c.ttl
	}
	return min(max(server, flagactor.MinServerTTL), flagactor.MaxServerTTL)
}

// expiryFor is when a value fetched at now with ttl turns stale: the latest
// point of the cache's grid (one point every tenth of the TTL, at the cache's
// own phase) at or before now+ttl, as the actor does.
func (c *Cache) expiryFor(now time.Time, ttl time.Duration) time.Time {
	at := now.Sub(c.epoch) + ttl
	period := ttl / 10
	if period <= 0 {
		return c.epoch.Add(at)
	}
	off := (at - c.phase%period) % period
	if off < 0 {
		off += period
	}
	return c.epoch.Add(at - off)
}

// retryDelay is the wait after the nth consecutive failure: doubling from
// 1s, capped at the default TTL, up to 20% longer, and at least retryAfter
// (up to flagactor.MaxRetryAfter).
func (c *Cache) retryDelay(failures int, retryAfter time.Duration) time.Duration {
	delay := c.ttl
	if failures <= 31 {
		delay = min(time.Second<<(failures-1), c.ttl)
	}
	delay += time.Duration(rand.Int64N(int64(delay)/5 + 1))
	return max(delay, min(retryAfter, flagactor.MaxRetryAfter))
}
