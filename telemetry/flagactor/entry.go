package flagactor

import (
	"log/slog"
	"maps"
	"math"
	"slices"
)

// noWake marks a time that never comes.
const noWake = math.MaxInt64

// hostEntry is the loop's state for one host. Times are nanoseconds since the
// loop's epoch.
type hostEntry struct {
	slot      answerSlot // what leases read without a message
	host      string
	namespace string   // with host, the entry's key (AcquireIn)
	flags     *flagSet // last good value; nil until a fetch succeeds

	leases    int32
	failures  int32 // consecutive failed fetches (see failpolicy.go, as for every field below)
	wakeIndex int32 // position in the wake queue, -1 when not queued
	steps     uint32
	fresh     bool // values is within its time-to-live
	admitting bool // the own backoff's current step still admits one fetch

	inflight *inflight // the fetch in flight, or a timed-out one not yet returned; nil when none

	fetchedAt int64       // when values arrived
	expiresAt int64       // when values turn stale (jitter applied)
	retryAt   int64       // the host's backoff: no fetch starts before this, but an admitted one
	ownUntil  int64       // the latest end of a lease's own backoff, for lingering
	lastOwn   *ticket     // the lease whose own failure was the last failure, if it was one
	wakeAt    int64       // when the loop next looks at this entry
	lastErr   *fetchError // why the last fetch failed; its text is computed, safe to read on the loop
}

// entryKey is what an entry is filed under: a namespace (AcquireIn's, "" for
// Acquire) and the normalized host. Entries of one host in two namespaces
// share nothing: each has its own value, fetches and backoff.
type entryKey struct {
	namespace, host string
}

// key returns what e is filed under.
func (e *hostEntry) key() entryKey { return entryKey{e.namespace, e.host} }

// nextWake is when something about e changes by itself: its fetch's
// deadline, its fresh value's expiry (never both at once), or the end of
// the lingering of an entry without leases (never before that expiry).
func (e *hostEntry) nextWake() int64 {
	switch {
	case e.inflight != nil:
		return e.inflight.deadline
	case e.fresh:
		return e.expiresAt
	case e.leases == 0:
		return e.lingerUntil()
	}
	return noWake
}

// settle applies every deadline of e that has passed, then queues its next
// wake-up. An entry nobody holds is evicted here.
func (s *loopState) settle(e *hostEntry) {
	if e.fresh && s.now >= e.expiresAt {
		e.fresh = false
		s.publishUnfresh(e)
	}
	if f := e.inflight; f != nil && s.now >= f.deadline {
		// The fetch fails now, whatever its Fetcher does; its record stays
		// until its goroutine returns (see inflight.timedOut).
		f.timedOut, f.deadline = true, noWake
		s.fetchFailed(e, f, newFetchError(e.host, errFetchTimeout), 0)
	}
	if e.leases == 0 && e.inflight == nil && s.now >= e.lingerUntil() {
		s.evict(e)
		return
	}
	s.wakeups.set(e, e.nextWake())
}

// publishUnfresh publishes e's answer while it has no fresh value: the last
// good flags if any, and when the next fetch could start.
func (s *loopState) publishUnfresh(e *hostEntry) {
	ans := &answer{flagValues: noValues, nextFetch: noWake}
	if e.flags != nil {
		ans.flagValues, ans.known = e.flags.values, true
	}
	if e.inflight == nil {
		ans.nextFetch = e.retryAt
		if e.admitting {
			ans.admitStep = e.steps
		}
	}
	if prev := e.slot.Load(); prev != nil && prev.givenUp.Load() != nil && (e.inflight == nil || e.inflight.timedOut || e.inflight.invalidated) {
		// The fetch a caller gave up on has failed, or is still the one in
		// flight (Invalidate marked it, it did not end it): the mark stays
		// (see Lease.Enabled), through the backoff after a failure too,
		// until a fetch can start. A fetch that starts is a new one.
		ans.givenUp.Store(prev.givenUp.Load())
	}
	e.slot.Store(ans)
}

// evict forgets e, and gives memory back once the host map is mostly empty.
func (s *loopState) evict(e *hostEntry) {
	delete(s.hosts, e.key())
	s.a.recent.forget(e)
	s.wakeups.set(e, noWake)
	s.flagSets.release(e.flags)
	e.flags = nil
	s.stats.Evictions++
	s.log(logEvent{level: slog.LevelDebug, msg: "flagactor: host evicted", host: e.host})
	// A Go map or slice never shrinks: rebuild the host map once it is down
	// to a quarter of its peak, so a burst of hosts gives its memory back,
	// and with it the wake queue and the flag sets, which never hold more
	// than one item per entry.
	if s.hostsPeak >= 1024 && len(s.hosts) <= s.hostsPeak/4 {
		s.hosts, s.hostsPeak = maps.Collect(maps.All(s.hosts)), len(s.hosts)
		s.wakeups = slices.Clone(s.wakeups)
		s.flagSets = maps.Collect(maps.All(s.flagSets))
	}
}
