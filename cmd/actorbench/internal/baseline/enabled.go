package baseline

import (
	"context"

	"github.com/flagactor/flagactor/telemetry/messages"
)

// Enabled reports host's cached flag, fetching it with f when the cache has
// no fresh value and no other query is fetching it. See the package doc for
// what it answers while another query fetches and after a failure.
func (c *Cache) Enabled(ctx context.Context, host string, f Fetcher, flag string) (bool, error) {
	c.mu.RLock()
	hc := c.hosts[host]
	c.mu.RUnlock()
	if hc == nil {
		c.unknownHosts.Add(1)
		return false, nil
	}

	hc.mu.RLock()
	value, answered := c.answerWithoutFetch(hc)
	hc.mu.RUnlock()
	if answered {
		return value, nil
	}

	// Check again under the write lock: another query may have started a
	// fetch, or finished one, since the read lock was dropped.
	hc.mu.Lock()
	value, answered = c.answerWithoutFetch(hc)
	if answered {
		hc.mu.Unlock()
		return value, nil
	}
	hc.fetching = true
	hc.mu.Unlock()

	// NB: no defer. A panicking fetcher leaves fetching set, as in the driver.
	flags, err := c.fetch(ctx, host, f)

	hc.mu.Lock()
	defer hc.mu.Unlock()
	hc.fetching = false
	if err != nil {
		c.fetchErrors.Add(1)
		if hc.hasValue {
			return hc.value, nil
		}
		return false, err
	}
	hc.value, hc.hasValue, hc.lastFetched = flags.Bool(flag), true, c.clock.Now()
	return hc.value, nil
}

// answerWithoutFetch returns the answer a query gets without fetching: the
// value while it is fresh, or, while another query fetches, the cached value
// or false. answered is false when this query must fetch. hc.mu must be held.
func (c *Cache) answerWithoutFetch(hc *hostContext) (value, answered bool) {
	if hc.hasValue && c.clock.Since(hc.lastFetched) < CacheDuration {
		return hc.value, true
	}
	if hc.fetching {
		c.busyAnswers.Add(1)
		if !hc.hasValue {
			c.busyFalse.Add(1)
		}
		return hc.value && hc.hasValue, true
	}
	return false, false
}

// fetch runs f, bounded by FetchTimeout on the cache's clock when ctx has no
// deadline of its own.
func (c *Cache) fetch(ctx context.Context, host string, f Fetcher) (messages.Flags, error) {
	c.fetches.Add(1)
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = c.clock.WithTimeout(ctx, FetchTimeout)
		defer cancel()
	}
	return f.Fetch(ctx, host)
}

// Fetcher loads every flag of one host, as the published design's fetch
// function does. flagactor.Fetcher has the same method, so one value serves
// both caches in a scenario.
type Fetcher interface {
	Fetch(ctx context.Context, host string) (messages.Flags, error)
}
