package baseline

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/benbjohnson/clock"
)

// CacheDuration is how long a fetched value is fresh, whatever the server's
// TTL says.
const CacheDuration = 15 * time.Minute

// FetchTimeout bounds a fetch whose context has no deadline.
const FetchTimeout = 10 * time.Second

// Cache is the driver's feature-flag cache: a mutex-guarded map of
// reference-counted host contexts. Its methods are safe for concurrent use.
type Cache struct {
	mu    sync.RWMutex
	hosts map[string]*hostContext // raw host string -> context

	// NB: every query writes the lock (RLock counts readers) and reads the
	// clock. On one cache line, a query on another CPU would miss the line
	// for the clock it only reads; the published design calls time.Now,
	// which shares nothing. The padding keeps the clock's read as cheap.
	_     [cacheLine]byte
	clock clock.Clock

	// Counters for Stats, touched only off the warm path so that they do not
	// slow the design being measured.
	fetches      atomic.Uint64
	fetchErrors  atomic.Uint64
	busyAnswers  atomic.Uint64
	busyFalse    atomic.Uint64
	unknownHosts atomic.Uint64
	deletions    atomic.Uint64
}

// hostContext is one host's cached flag.
type hostContext struct {
	refCount int // guarded by Cache.mu

	mu          sync.RWMutex // guards the fields below
	value       bool
	hasValue    bool
	lastFetched time.Time
	fetching    bool // a query is fetching now; others must not wait for it
}

// cacheLine is the size of a CPU cache line, with room to spare.
const cacheLine = 128

// New returns an empty cache that reads time from c.
func New(c clock.Clock) *Cache {
	return &Cache{clock: c, hosts: map[string]*hostContext{}}
}

// Acquire adds a reference to host's context, creating it, when a connection
// opens. It never fetches.
func (c *Cache) Acquire(host string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	hc := c.hosts[host]
	if hc == nil {
		hc = &hostContext{}
		c.hosts[host] = hc
	}
	hc.refCount++
}

// Release drops a reference to host's context when a connection closes, and
// deletes the context, value and all, when none is left. It does not know
// which connection releases: calling it twice for one connection drops
// another's reference. Releasing a host with no context does nothing.
func (c *Cache) Release(host string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	hc := c.hosts[host]
	if hc == nil {
		return
	}
	hc.refCount--
	if hc.refCount <= 0 {
		delete(c.hosts, host)
		c.deletions.Add(1)
	}
}

// Len is the number of host contexts held.
func (c *Cache) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.hosts)
}
