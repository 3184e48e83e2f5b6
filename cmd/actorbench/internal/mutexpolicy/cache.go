package mutexpolicy

import (
	"context"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/flagactor/flagactor/telemetry/flagactor"
	"github.com/flagactor/flagactor/telemetry/messages"
)

// Fetcher loads every flag of one host; flagactor.Fetcher has the same method.
type Fetcher interface {
	Fetch(ctx context.Context, host string) (messages.Flags, error)
}

// Cache caches flags per host under locks. Its methods are safe for
// concurrent use. Make one with New and Close it when done.
type Cache struct {
	mu        sync.RWMutex
	hosts     map[string]*entry
	hostsPeak int       // most hosts held since the map was last built
	idle      []*entry  // entries whose last lease went, not yet evicted
	nextSweep time.Time // when the first idle entry may be due; zero when none

	clock        clock.Clock
	epoch        time.Time     // the expiry grid counts from here
	phase        time.Duration // this cache's offset on the grid
	ttl          time.Duration
	fetchTimeout time.Duration

	base    context.Context // cancelled by Close; ends every fetch
	stop    context.CancelFunc
	running sync.WaitGroup // fetch goroutines

	fetches     atomic.Uint64
	fetchErrors atomic.Uint64
}

// entry is one host's state.
type entry struct {
	host       string
	leases     int  // guarded by Cache.mu
	idleListed bool // in Cache.idle; guarded by Cache.mu

	mu        sync.RWMutex // guards the fields below
	values    *values      // last good value; nil before the first
	expiresAt time.Time    // when values turn stale
	call      *fetchCall   // the fetch in flight; nil when none
	failures  int          // consecutive failed fetches
	retryAt   time.Time    // no fetch starts before this
	lastErr   error        // why the last fetch failed
}

// fetchCall is one fetch in flight; done closes when its result is set.
type fetchCall struct {
	done   chan struct{}
	values *values // the value to answer: the new one, or the stale one after a failure
	err    error   // set when the fetch failed and there was no value
}

// New returns an empty cache on clk with the actor's defaults.
func New(clk clock.Clock) *Cache {
	base, stop := context.WithCancel(context.Background())
	ttl := flagactor.DefaultTTL
	return &Cache{
		hosts:        map[string]*entry{},
		clock:        clk,
		epoch:        clk.Now(),
		phase:        time.Duration(rand.Int64N(int64(ttl / 10))),
		ttl:          ttl,
		fetchTimeout: flagactor.DefaultFetchTimeout,
		base:         base,
		stop:         stop,
	}
}

// Close cancels every fetch in flight and waits for their goroutines.
func (c *Cache) Close() {
	c.stop()
	c.running.Wait()
}

// Lease is one connection's hold on a host.
type Lease struct {
	cache    *Cache
	entry    *entry
	fetcher  Fetcher
	released atomic.Bool
}

// Acquire takes a lease on host for one connection, filing the host if new.
// It never fetches.
func (c *Cache) Acquire(host string, f Fetcher) (*Lease, error) {
	key, err := flagactor.NormalizeHost(host)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.sweepIfDue()
	e := c.hosts[key]
	if e == nil {
		e = &entry{host: key}
		c.hosts[key] = e
		c.hostsPeak = max(c.hostsPeak, len(c.hosts))
	}
	e.leases++
	c.mu.Unlock()
	return &Lease{cache: c, entry: e, fetcher: f}, nil
}

// Release gives the lease back; the host's last lease starts its lingering.
// It is idempotent.
func (l *Lease) Release() {
	if !l.released.CompareAndSwap(false, true) {
		return
	}
	c, e := l.cache, l.entry
	c.mu.Lock()
	e.leases--
	if e.leases == 0 && !e.idleListed {
		e.idleListed = true
		c.idle = append(c.idle, e)
		if due := e.lingerUntil(c.clock.Now()); c.nextSweep.IsZero() || due.Before(c.nextSweep) {
			c.nextSweep = due
		}
	}
	c.sweepIfDue()
	c.mu.Unlock()
}

// Len is the number of hosts held.
func (c *Cache) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.hosts)
}

// Sweep evicts every entry without leases whose lingering is over.
func (c *Cache) Sweep() {
	c.mu.Lock()
	c.sweep(c.clock.Now())
	c.mu.Unlock()
}

// Stats are the cache's counters.
type Stats struct {
	Hosts       int
	Fetches     uint64 // fetches started
	FetchErrors uint64
}

// Stats returns the cache's counters.
func (c *Cache) Stats() Stats {
	return Stats{Hosts: c.Len(), Fetches: c.fetches.Load(), FetchErrors: c.fetchErrors.Load()}
}

// lingerUntil is how long e is kept without leases: until its value expires
// and its backoff ends; a second from now while a fetch is in flight (its
// result decides). e.mu must not be held.
func (e *entry) lingerUntil(now time.Time) time.Time {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if e.call != nil {
		return now.Add(time.Second)
	}
	until := e.retryAt
	if e.values != nil && e.expiresAt.After(until) {
		until = e.expiresAt
	}
	return until
}

// sweepIfDue sweeps when the first idle entry may be due. c.mu must be held.
func (c *Cache) sweepIfDue() {
	if c.nextSweep.IsZero() {
		return
	}
	if now := c.clock.Now(); !now.Before(c.nextSweep) {
		c.sweep(now)
	}
}

// sweep evicts the idle entries whose lingering is over, keeps the others
// listed, and rebuilds the map once it is mostly empty (a Go map never
// shrinks). c.mu must be held.
func (c *Cache) sweep(now time.Time) {
	kept := c.idle[:0]
	var next time.Time
	for _, e := range c.idle {
		if e.leases > 0 {
			e.idleListed = false
			continue
		}
		if due := e.lingerUntil(now); due.After(now) {
			kept = append(kept, e)
			if next.IsZero() || due.Before(next) {
				next = due
			}
			continue
		}
		e.idleListed = false
		delete(c.hosts, e.host)
	}
	clear(c.idle[len(kept):])
	c.idle, c.nextSweep = kept, next
	if len(c.idle) == 0 {
		c.idle = nil
	}
	if c.hostsPeak >= 1024 && len(c.hosts) <= c.hostsPeak/4 {
		hosts := make(map[string]*entry, len(c.hosts))
		for k, v := range c.hosts {
			hosts[k] = v
		}
		c.hosts, c.hostsPeak = hosts, len(hosts)
	}
}
