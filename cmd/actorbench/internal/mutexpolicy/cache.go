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
	mu        sync.RWMutex // read-held to find an entry, write-held to change the map
	hosts     map[string]*entry
	hostsPeak int      // most hosts held since the map was last built; guarded by mu
	idle      []*entry // entries whose last lease went, not yet evicted; guarded by mu
	// nextSweep is when the first idle entry may be due, on the cache's
	// clock (since epoch); 0 when none. Written under mu, read without it.
	nextSweep atomic.Int64

	clock        clock.Clock
	epoch        time.Time     // every time is read as clock.Since(epoch): one monotonic read
	phase        time.Duration // this cache's offset on the expiry grid
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
	leases     atomic.Int64 // raised only under Cache.mu (read or write), so eviction sees it settled
	idleListed bool         // in Cache.idle; guarded by Cache.mu

	// answer is the value readers use without a lock, with the expiry that
	// makes it true; nil before the first value. Written under mu.
	answer atomic.Pointer[answer]

	mu       sync.Mutex    // guards the fields below: the fetch side of the policy
	call     *fetchCall    // the fetch in flight; nil when none
	failures int           // consecutive failed fetches
	retryAt  time.Duration // no fetch starts before this (since epoch)
	lastErr  error         // why the last fetch failed
}

// answer is one published value and when it turns stale.
type answer struct {
	values    *values
	expiresAt time.Duration // since the cache's epoch
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
	ttl := defaultTTL
	return &Cache{
		hosts:        map[string]*entry{},
		clock:        clk,
		epoch:        clk.Now(),
		phase:        time.Duration(rand.Int64N(int64(ttl / 10))),
		ttl:          ttl,
		fetchTimeout: defaultFetchTimeout,
		base:         base,
		stop:         stop,
	}
}

// now is the cache's time: one monotonic clock read.
func (c *Cache) now() time.Duration { return c.clock.Since(c.epoch) }

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
// It never fetches. A host already held costs a read lock and an atomic add;
// only a new host takes the write lock.
func (c *Cache) Acquire(host string, f Fetcher) (*Lease, error) {
	key, err := flagactor.NormalizeHost(host)
	if err != nil {
		return nil, err
	}
	c.sweepIfDue()
	c.mu.RLock()
	e := c.hosts[key]
	if e != nil {
		e.leases.Add(1)
	}
	c.mu.RUnlock()
	if e == nil {
		c.mu.Lock()
		if e = c.hosts[key]; e == nil {
			e = &entry{host: key}
			c.hosts[key] = e
			c.hostsPeak = max(c.hostsPeak, len(c.hosts))
		}
		e.leases.Add(1)
		c.mu.Unlock()
	}
	return &Lease{cache: c, entry: e, fetcher: f}, nil
}

// Release gives the lease back; the host's last lease starts its lingering,
// under the write lock. It is idempotent.
func (l *Lease) Release() {
	if !l.released.CompareAndSwap(false, true) {
		return
	}
	c, e := l.cache, l.entry
	if e.leases.Add(-1) == 0 {
		c.mu.Lock()
		if e.leases.Load() == 0 && !e.idleListed {
			e.idleListed = true
			c.idle = append(c.idle, e)
			due := e.lingerUntil(c.now())
			if next := c.nextSweep.Load(); next == 0 || int64(due) < next {
				c.nextSweep.Store(max(int64(due), 1))
			}
		}
		c.mu.Unlock()
	}
	c.sweepIfDue()
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
	c.sweep(c.now())
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

// sweepIfDue sweeps when the first idle entry may be due: one atomic load
// while none is idle.
func (c *Cache) sweepIfDue() {
	next := c.nextSweep.Load()
	if next == 0 || int64(c.now()) < next {
		return
	}
	c.mu.Lock()
	c.sweep(c.now())
	c.mu.Unlock()
}

// sweep evicts the idle entries whose lingering is over, keeps the others
// listed, and rebuilds the map once it is mostly empty (a Go map never
// shrinks). c.mu must be held for writing: no lease count rises meanwhile.
func (c *Cache) sweep(now time.Duration) {
	kept := c.idle[:0]
	var next time.Duration
	for _, e := range c.idle {
		if e.leases.Load() > 0 {
			e.idleListed = false
			continue
		}
		if due := e.lingerUntil(now); due > now {
			kept = append(kept, e)
			if next == 0 || due < next {
				next = due
			}
			continue
		}
		e.idleListed = false
		delete(c.hosts, e.host)
	}
	clear(c.idle[len(kept):])
	c.idle = kept
	if len(c.idle) == 0 {
		c.idle, next = nil, 0
	}
	c.nextSweep.Store(int64(next))
	if c.hostsPeak >= 1024 && len(c.hosts) <= c.hostsPeak/4 {
		hosts := make(map[string]*entry, len(c.hosts))
		for k, v := range c.hosts {
			hosts[k] = v
		}
		c.hosts, c.hostsPeak = hosts, len(hosts)
	}
}
