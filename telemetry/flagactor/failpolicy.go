package flagactor

// The failure policy of one host, as one table: every rule about who may
// fetch, and what a fetch's end, Invalidate or the clock changes, is here.
// The code below follows it row by row; the rest of the package asks
// mayFetch (the loop's queries and Peek alike). A mutex-guarded port needs
// only this comment.
//
// The host's state (hostEntry):
//
//	value     none | fresh (now < expiresAt) | stale
//	fetch     none | in flight by lease F (deadline; marked invalidated when
//	          Invalidate came while it ran) | timed out, its goroutine not back
//	backoff   none | server: until retryAt, admits no fetch
//	               | own, step n: until retryAt, admits one fetch (admitting)
//	failures  consecutive failures that backed the host off, since the last
//	          good answer or Invalidate
//	lastOwn   the lease whose own failure was the host's last failure, if it was one
//	ownUntil  the latest end of a lease's own backoff, since then
//	lastErr   the last failure (HostStatus.LastError), kept through Invalidate
//
// Each lease L's state: its own failures (k, counted since its last good
// fetch and the host's last Invalidate) and its own backoff, until
// L.retryAt; and the host's step count when it was acquired (L.step).
//
// Who may fetch. L's query or Peek starts a fetch through L's Fetcher when
// the value is not fresh, no fetch is in flight (nor a timed-out one), and
// either no backoff holds (now >= retryAt) and neither does L's own, or the
// host is in an own backoff whose step n still admits one fetch, L has no
// failure of its own (k = 0), and L was acquired before step n began
// (L.step < n). So a backoff the server caused admits nothing; one that
// leases' own failures caused lets one lease with no failure of its own
// fetch per step. A lease whose client has failed is not admitted again
// before its next good fetch or an Invalidate, and a new connection not
// before the next step: a good lease is answered after at most one step
// per held lease that has not been tried yet (one step, behind a pool that
// opens a connection per statement), however often the others fail, and a
// pool whose every client fails costs at most three times one connection
// (one fetch at each step's end, plus at most one admitted per step). The
// loop and Peek read the answer to this question off the same published
// answer (nextFetch, admitStep) and the slot's lease epoch, so Peek sends a
// request exactly when the loop would start a fetch for it.
//
// What a query gets. Fresh or stale value: the value at once (stale: and a
// refresh, if L may fetch). No value: it waits on the fetch in flight, or on
// the one it starts; else, at once, false and L's own last error while its
// own backoff holds, else the host's last error.
//
// Events. Every failure counts in Stats.FetchErrors and becomes lastErr.
// delay(n) is 1s doubling per failure, capped at WithTTL, up to 20% longer,
// never shorter than the error's Retry-After (up to maxRetryAfter).
//
//	event                          the host                                   the lease F whose Fetcher ran
//	-----------------------------  -----------------------------------------  -----------------------------
//	good answer                    value fresh (stale, if invalidated);       own backoff ends (k = 0)
//	                               failures 0, backoff none, lastOwn none,
//	                               ownUntil none, lastErr none
//	server failure: error status,  failures++, backoff server until           -
//	Retry-After, timeout, panic,   now+delay(failures), lastOwn none
//	Goexit
//	F's own failure                ownUntil covers F.retryAt; when lastOwn    k++, own backoff until
//	(ErrClientFailed,              is another lease and no backoff holds:     now+delay(k)
//	ErrCredentialRejected)         failures++, backoff own, step n+1, until
//	                               now+delay(failures); lastOwn = F
//	any failure of a fetch that    no change (but lastErr)                    -
//	Invalidate marked
//	a fetch starts                 the step admits no other                   -
//	Invalidate                     value stale (lingering as before);         every lease's own backoff
//	                               failures 0, backoff none, lastOwn none,    ends
//	                               ownUntil none; a fetch in flight is
//	                               marked invalidated
//	the clock passes expiresAt     value stale                                -
//	the clock passes the fetch's   the fetch fails (timeout, above); it       -
//	deadline                       holds the host till its goroutine returns
//	the clock passes retryAt       backoff none                               -
//	the last release               the entry lingers until the value's        -
//	                               expiry, retryAt and ownUntil have passed
//	                               and no fetch is in flight; then evicted
//
// The waiters of a fetch (queries of a host with no value) get its value;
// when it failed, the error as a query would (above), or ErrReleased when
// their lease was released meanwhile; except after a lease's own failure of
// a fetch Invalidate did not mark: then the first of them that may fetch
// starts one through its own Fetcher, and the others with no own backoff
// wait on it, rather than be told another connection's error.
//
// Times saturate: a clock reading is kept within the loop's range however far
// it is from the reading at New (see loopTime), and deadlines past that range
// never come.

import (
	"log/slog"
	"time"

	"github.com/flagactor/flagactor/telemetry/messages"
)

// leaseBackoff is one lease's own backoff, after k failures of its own. It is
// immutable once stored in ticket.cred: the loop stores a new one.
type leaseBackoff struct {
	failures int32       // k
	epoch    uint32      // the slot's lease epoch when it began: a later one ends it
	retryAt  int64       // until when it holds
	err      *fetchError // the last of the lease's own failures
}

// ownFailures is t's own backoff when it was counted in lease epoch epoch
// (k > 0), else nil: the lease has no failure of its own.
func (t *ticket) ownFailures(epoch uint32) *leaseBackoff {
	if c := t.cred.Load(); c != nil && c.epoch == epoch {
		return c
	}
	return nil
}

// ownHolds reports whether t's own backoff holds at now, in lease epoch epoch.
func (t *ticket) ownHolds(epoch uint32, now int64) bool {
	c := t.ownFailures(epoch)
	return c != nil && now < c.retryAt
}

// mayFetch is the table's "who may fetch", read off the answer published in
// slot: the loop publishes every change of the host's fetch and backoff, so
// Peek, which reads and allocates nothing else, sends a request exactly when
// the loop, asking the same, would start a fetch.
func (t *ticket) mayFetch(slot *answerSlot, now int64) bool {
	ans, epoch := slot.Load(), slot.leaseEpoch.Load()
	switch {
	case ans == nil: // a new host: nothing published, nothing holds
		return true
	case ans.freshAt(now):
		return false
	case now >= ans.nextFetch: // noWake while a fetch is in flight
		return !t.ownHolds(epoch, now)
	}
	// A ticket not bound yet (Peek through the recent entries) will be filed
	// at the current step or later, which does not admit it; and its step
	// is read only once its binding is seen, after the loop wrote it.
	return ans.admitStep != 0 && t.bound.Load() != nil && t.step < ans.admitStep && t.ownFailures(epoch) == nil
}

// refusal is what a query that may not fetch, of a host with no value, gets.
func (s *loopState) refusal(e *hostEntry, t *ticket) error {
	if t.ownHolds(e.slot.leaseEpoch.Load(), s.now) {
		return t.cred.Load().err
	}
	if e.lastErr == nil {
		return nil // not a nil *fetchError (an interface holding one is not nil)
	}
	return e.lastErr
}

// fetchDone applies what a fetch goroutine reported.
func (s *loopState) fetchDone(r fetchResult) {
	f, e := r.Fetch, r.Fetch.entry
	if e.inflight != f {
		return // not this entry's fetch
	}
	e.inflight = nil
	f.cancel()
	switch {
	case f.timedOut:
		// Failed at its deadline already; now the host is free. The answer
		// itself is too late.
		s.publishUnfresh(e)
	case r.Err != nil:
		s.fetchFailed(e, f, r.Err, r.RetryAfter)
	default:
		s.fetchSucceeded(e, f, r.Flags)
	}
	s.settle(e)
}

// fetchSucceeded is the table's "good answer" row.
func (s *loopState) fetchSucceeded(e *hostEntry, f *inflight, flags messages.Flags) {
	f.by.cred.Store(nil)
	set := s.flagSets.intern(flags.Values)
	s.logValues(e.host, e.flags, set)
	s.flagSets.release(e.flags)
	e.flags = set
	e.fetchedAt, e.expiresAt = s.now, s.expiryFor(s.answerTTL(flags.TTL))
	s.endBackoff(e)
	e.lastErr = nil
	if f.invalidated { // not fresh: it was fetching
		s.publishUnfresh(e)
	} else {
		e.fresh = true
		e.slot.Store(set.freshUntil(e.expiresAt))
	}
	f.answer(queryReply{Flags: set.values.Flags})
}

// endBackoff clears the host's backoff state (a good answer, Invalidate).
func (s *loopState) endBackoff(e *hostEntry) {
	e.failures, e.retryAt, e.admitting, e.lastOwn, e.ownUntil = 0, 0, false, nil, 0
}

// fetchFailed is the table's failure rows: a server failure, a lease's own,
// or either of a fetch Invalidate marked. It answers the waiters.
func (s *loopState) fetchFailed(e *hostEntry, f *inflight, err *fetchError, retryAfter time.Duration) {
	s.stats.FetchErrors++
	e.lastErr = err
	own := err.own && !f.invalidated
	switch {
	case f.invalidated:
		// May predate the fix the caller of Invalidate made: no backoff.
	case err.own:
		t := f.by
		c := &leaseBackoff{failures: 1, epoch: e.slot.leaseEpoch.Load(), err: err}
		if old := t.ownFailures(c.epoch); old != nil {
			c.failures = old.failures + 1
		}
		c.retryAt = s.backoffUntil(s.retryDelay(c.failures, retryAfter))
		t.cred.Store(c)
		e.ownUntil = max(e.ownUntil, c.retryAt)
		if e.lastOwn != nil && e.lastOwn != t && s.now >= e.retryAt {
			e.failures++
			e.retryAt = s.backoffUntil(s.retryDelay(e.failures, retryAfter))
			e.steps++
			e.admitting = true
		}
		e.lastOwn = t
		s.logFailure(e, "flagactor: the lease's own fetch failed, the lease backs off", c.retryAt)
	default:
		e.failures++
		e.retryAt = s.backoffUntil(s.retryDelay(e.failures, retryAfter))
		e.admitting, e.lastOwn = false, nil
		s.logFailure(e, "flagactor: fetch failed, backing off", e.retryAt)
	}
	s.publishUnfresh(e) // before mayFetch reads it
	// Only a host with no value has waiters: a query of one with a value is
	// answered at once, and a value comes only with a good answer, which
	// answers them.
	var next *inflight
	for _, w := range f.waiters {
		switch {
		case isDone(w.Done):
			// left already
		case w.Ticket.released.Load():
			w.Reply <- queryReply{Err: ErrReleased}
		case own && next == nil && w.Ticket.mayFetch(&e.slot, s.now):
			next = s.startFetch(e, w)
			next.addWaiter(w)
		case next != nil && !w.Ticket.ownHolds(e.slot.leaseEpoch.Load(), s.now):
			next.addWaiter(w)
		default:
			w.Reply <- queryReply{Err: s.refusal(e, w.Ticket)}
		}
	}
	f.waiters = nil
}

// logFailure logs a failed fetch and until when it holds a backoff.
func (s *loopState) logFailure(e *hostEntry, msg string, until int64) {
	s.log(logEvent{level: slog.LevelWarn, msg: msg, host: e.host, attrs: []slog.Attr{
		slog.String("error", e.lastErr.Error()), slog.Duration("retry_in", time.Duration(until-s.now))}})
}

// invalidate is the table's Invalidate row. The value's expiry is kept, so
// a host without leases lingers as long as before and a connection that
// reopens is still answered from it; a host without a value lingered only
// for its backoffs, so settle evicts it now.
func (s *loopState) invalidate(e *hostEntry) {
	s.endBackoff(e)
	e.slot.leaseEpoch.Add(1) // ends every lease's own backoff
	if e.inflight != nil && !e.inflight.timedOut {
		e.inflight.invalidated = true
	}
	e.fresh = false
	s.publishUnfresh(e)
	s.log(logEvent{level: slog.LevelDebug, msg: "flagactor: host invalidated", host: e.host})
	s.settle(e)
}

// lingerUntil is the table's "last release" row: how long an entry without
// leases is kept. (expiresAt is zero until the host's first value.)
func (e *hostEntry) lingerUntil() int64 { return max(e.expiresAt, e.retryAt, e.ownUntil) }
