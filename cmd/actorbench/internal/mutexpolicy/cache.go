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
	coalesced   atomic.Uint64
	fetching    atomic.Int64 // fetches started whose result is not applied yet
}

// entry is one host's state.
type entry struct {
	host       string
	leases     atomic.Int64 // raised only under Cache.mu (read or write), so eviction sees it settled
	idleListed bool         // in Cache.idle; guarded by Cache.mu

	// answer is the value readers use without a lock, with the expiry that
	// makes it true; nil before the first value. Written under mu.
	answer atomic.Pointer[answer]

	mu sync.Mutex // guards the fields below: the fetch side of the policy (policy.go)
	// steps counts the backoff steps leases' own failures started; written
	// under mu, read by Acquire without it.
	steps     atomic.Uint32
	call      *fetchCall    // the fetch in flight; nil when none
	failures  int           // consecutive failures that backed the host off
	retryAt   time.Duration // the host's backoff: no fetch before this (since epoch), but an admitted one
	admitting bool          // the own backoff's current step still admits one fetch
	lastOwn   *Lease        // the lease whose own failure was the last failure, if it was one
	ownUntil  time.Duration // the latest end of a lease's own backoff, for lingering
	expiresAt time.Duration // the value's expiry, kept through Invalidate for lingering
	epoch     uint32        // Invalidates so far: a lease's own backoff of an earlier one is over
	lastErr   error         // why the last fetch failed
}

// answer is one published value and when it turns stale.
type answer struct {
	values    *values
	expiresAt time.Duration // since the cache's epoch
}

// fetchCall is one fetch in flight; done closes when its result is set.
type fetchCall struct {
	done        chan struct{}
	by          *Lease    // whose Fetcher runs it
	invalidated bool      // Invalidate came while it ran; guarded by entry.mu
	waiters     []*waiter // queries of a host with no value waiting on it; guarded by entry.mu
	pruneAt     int       // waiter count at which departed waiters are dropped; guarded by entry.mu
	values      *values   // the value to answer: the new one, or the stale one after a failure
}

// waiter is one query waiting on a fetch. Its fields are set before the
// fetch's done closes.
type waiter struct {
	ctx   context.Context
	lease *Lease
	next  *fetchCall // the fetch it waits on now, after the one it waited on failed
	err   error      // its answer when the fetch failed and there was no value
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
	step     uint32 // the entry's steps when it was acquired
	released atomic.Bool
	own      *ownBackoff // its own failures; guarded by entry.mu
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
	return &Lease{cache: c, entry: e, fetcher: f, step: e.steps.Load()}, nil
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
		if e.leases.Load() == 0 {
			if !e.idleListed {
				e.idleListed = true
				c.idle = append(c.idle, e)
			}
			// Listed already (reopened since, no sweep between), its
			// lingering may have shortened: a good answer ends the backoffs.
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
	Coalesced   uint64 // queries that waited on a fetch another query started
	Fetching    int64  // fetches whose result is not applied yet
}

// Stats returns the cache's counters.
func (c *Cache) Stats() Stats {
	return Stats{Hosts: c.Len(), Fetches: c.fetches.Load(), FetchErrors: c.fetchErrors.Load(),
		Coalesced: c.coalesced.Load(), Fetching: c.fetching.Load()}
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

// Invalidate makes the cache forget that host's value is current, as the
// actor's Invalidate does (policy.go): the value turns stale, every backoff
// of the host and of its leases ends, and a fetch in flight is marked so
// that its failure starts no backoff and its value is kept stale. A host
// with no lease whose lingering it ends is evicted now.
func (c *Cache) Invalidate(host string) error {
	key, err := flagactor.NormalizeHost(host)
	if err != nil {
		return err
	}
	c.mu.RLock()
	e := c.hosts[key]
	c.mu.RUnlock()
	if e == nil {
		return nil
	}
	e.mu.Lock()
	e.invalidate()
	e.mu.Unlock()
	if e.leases.Load() == 0 {
		c.Sweep()
	}
	return nil
}
