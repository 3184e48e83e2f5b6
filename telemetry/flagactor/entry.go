package flagactor

import (
	"fmt"
	"math"
	"time"

	"github.com/flagactor/flagactor/telemetry/messages"
)

// noWake marks a time that never comes.
const noWake = math.MaxInt64

// hostEntry is the loop's state for one host. Times are nanoseconds since the
// loop's epoch.
type hostEntry struct {
	slot  messages.Slot // what leases read without a message
	host  string
	flags *flagSet // last good value; nil until a fetch succeeds
	fresh bool     // flags is within its time-to-live

	leases    int32
	failures  int32 // consecutive failed fetches
	wakeIndex int32 // position in the wake queue, -1 when not queued

	inflight *inflight // the fetch in flight, nil when none

	expiresAt int64 // when flags turn stale (jitter applied)
	retryAt   int64 // no fetch starts before this
	wakeAt    int64 // when the loop next looks at this entry
	lastErr   error // why the last fetch failed
}

// inflight is the loop's record of one host's fetch in flight. It lives only
// as long as the fetch, which keeps every idle host entry small.
type inflight struct {
	attempt  uint64 // numbers the fetch, to ignore a late result
	deadline int64  // when the loop gives up on it, whatever the Fetcher does

	waiters []*messages.Query // queries of a host with no value, waiting on the fetch
	pruneAt int               // waiter count at which departed waiters are dropped
}

// lingerUntil is how long an entry without leases is kept: until its value
// expires, so a pool that reopens does not refetch, and until its backoff
// ends, so a failing host is not hammered.
func (e *hostEntry) lingerUntil() int64 {
	until := e.retryAt
	if e.flags != nil {
		until = max(until, e.expiresAt)
	}
	return until
}

// nextWake is when something about e changes by itself.
func (e *hostEntry) nextWake() int64 {
	next := int64(noWake)
	if e.fresh {
		next = e.expiresAt
	}
	if e.inflight != nil {
		next = min(next, e.inflight.deadline)
	}
	if e.leases == 0 && e.inflight == nil {
		next = min(next, e.lingerUntil())
	}
	return next
}

// settle applies every deadline of e that has passed, then queues its next
// wake-up. An entry nobody holds is evicted here.
func (s *loopState) settle(e *hostEntry) {
	if e.fresh && s.now >= e.expiresAt {
		e.fresh = false
		e.slot.Publish(e.flags.stale)
	}
	if e.inflight != nil && s.now >= e.inflight.deadline {
		s.fetchFailed(e, s.endFetch(e), ErrFetchTimeout)
	}
	if e.leases == 0 && e.inflight == nil && s.now >= e.lingerUntil() {
		s.evict(e)
		return
	}
	s.wakeups.set(e, e.nextWake())
}

func (s *loopState) acquire(t *messages.Ticket) {
	e := s.hosts[t.Host]
	created := false
	if e == nil {
		if t.Withdrawn() {
			return // released before it got here, and no Release follows
		}
		e = &hostEntry{host: t.Host, wakeIndex: -1}
		s.hosts[t.Host] = e
		s.hostsPeak = max(s.hostsPeak, len(s.hosts))
		created = true
	}
	if !t.Bind(&e.slot) {
		// Withdrawn after all: drop the Acquire, and an entry made for it.
		if created {
			delete(s.hosts, t.Host)
		}
		return
	}
	e.leases++
	s.leases++
	if e.leases == 1 {
		s.settle(e) // no longer lingering
	}
}

func (s *loopState) release(t *messages.Ticket) {
	e := s.hosts[t.Host]
	if e == nil || e.leases == 0 {
		panic(fmt.Sprintf("flagactor: release of %q without a lease", t.Host))
	}
	e.leases--
	s.leases--
	if e.leases == 0 {
		s.settle(e)
	}
}

func (s *loopState) query(q *messages.Query) {
	e := s.hosts[q.Ticket.Host]
	switch {
	case e == nil:
		// Only a lease released while its query was queued finds no entry.
		q.Reply <- messages.QueryReply{Err: ErrReleased}
	case e.fresh:
		q.Reply <- messages.QueryReply{Flags: e.flags.fresh.Flags}
	case e.flags != nil:
		s.stats.StaleServed++
		q.Reply <- messages.QueryReply{Flags: e.flags.stale.Flags}
		if e.inflight == nil && s.now >= e.retryAt {
			s.startFetch(e, q.Ticket.Fetcher)
		}
	case e.inflight != nil:
		if e.inflight.addWaiter(q) {
			s.stats.Coalesced++
		}
	case s.now < e.retryAt:
		q.Reply <- messages.QueryReply{Err: e.lastErr}
	default:
		s.startFetch(e, q.Ticket.Fetcher).addWaiter(q)
	}
}

// addWaiter queues q on the fetch and reports whether it did: a caller that
// has already left is not queued. Waiters whose context ended are dropped
// whenever the list has doubled, so a fetch that hangs cannot make it grow
// without bound.
func (f *inflight) addWaiter(q *messages.Query) bool {
	if isDone(q.Done) {
		return false
	}
	if len(f.waiters) >= f.pruneAt {
		kept := f.waiters[:0]
		for _, w := range f.waiters {
			if !isDone(w.Done) {
				kept = append(kept, w)
			}
		}
		clear(f.waiters[len(kept):])
		f.waiters = kept
		f.pruneAt = max(16, 2*len(kept))
	}
	f.waiters = append(f.waiters, q)
	return true
}

func isDone(done <-chan struct{}) bool {
	select {
	case <-done:
		return true
	default:
		return false
	}
}

// answer replies to every waiter of a finished fetch; each is answered once.
func (f *inflight) answer(r messages.QueryReply) {
	for _, w := range f.waiters {
		w.Reply <- r // buffered
	}
	f.waiters = nil
}

// endFetch forgets e's fetch in flight and returns it, for its waiters.
func (s *loopState) endFetch(e *hostEntry) *inflight {
	f := e.inflight
	e.inflight = nil
	return f
}

func (s *loopState) fetchDone(r messages.FetchResult) {
	e := s.hosts[r.Host]
	if e == nil || e.inflight == nil || e.inflight.attempt != r.Attempt {
		return // the loop already gave up on this fetch
	}
	f := s.endFetch(e)
	if r.Err != nil {
		s.fetchFailed(e, f, r.Err)
	} else {
		s.fetchSucceeded(e, f, r.Flags)
	}
	s.settle(e)
}

func (s *loopState) fetchSucceeded(e *hostEntry, f *inflight, flags messages.Flags) {
	set := s.flagSets.intern(flags.Values)
	s.flagSets.release(e.flags)
	e.flags = set
	ttl := s.answerTTL(flags.TTL)
	e.expiresAt = s.expiryFor(ttl)
	e.fresh = true
	e.slot.Publish(set.fresh)
	e.failures, e.retryAt, e.lastErr = 0, 0, nil
	f.answer(messages.QueryReply{Flags: set.fresh.Flags})
}

func (s *loopState) fetchFailed(e *hostEntry, f *inflight, cause error) {
	s.stats.FetchErrors++
	e.failures++
	e.retryAt = s.now + int64(min(s.retryDelay(e.failures, cause), time.Duration(noWake-1-s.now)))
	e.lastErr = fmt.Errorf("flagactor: fetch %s: %w", e.host, cause)
	s.log(logEvent{msg: "flagactor: fetch failed", host: e.host, err: cause, delay: time.Duration(e.retryAt - s.now)})
	if e.flags != nil {
		f.answer(messages.QueryReply{Flags: e.flags.stale.Flags})
	} else {
		f.answer(messages.QueryReply{Err: e.lastErr})
	}
	s.publishUnfresh(e)
}

// farFuture stands for "not until the fetch in flight is done".
var farFuture = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

// publishUnfresh publishes e's answer while it has no fresh value: the last
// good flags if any, and when the next fetch could start.
func (s *loopState) publishUnfresh(e *hostEntry) {
	var ans *messages.Answer
	if e.flags != nil {
		ans = messages.NewAnswer(e.flags.stale.Flags, false, true)
	} else {
		ans = messages.NewAnswer(messages.Flags{}, false, false)
	}
	ans.NextFetch = farFuture
	if e.inflight == nil {
		ans.NextFetch = s.epoch.Add(time.Duration(e.retryAt))
	}
	e.slot.Publish(ans)
}

func (s *loopState) evict(e *hostEntry) {
	delete(s.hosts, e.host)
	s.wakeups.set(e, noWake)
	s.flagSets.release(e.flags)
	e.flags = nil
	s.stats.Evictions++
	s.log(logEvent{msg: "flagactor: host evicted", host: e.host})
	// A Go map never shrinks: rebuild it once it is mostly empty, so a burst
	// of hosts gives its memory back.
	if s.hostsPeak >= 1024 && len(s.hosts) <= s.hostsPeak/4 {
		hosts := make(map[string]*hostEntry, len(s.hosts))
		for k, v := range s.hosts {
			hosts[k] = v
		}
		s.hosts, s.hostsPeak = hosts, len(hosts)
	}
}
