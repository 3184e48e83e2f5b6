package flagactor

import (
	"log/slog"
	"sync/atomic"
	"time"
)

// A fetch that failed on its lease's own client (its error wraps
// ErrClientFailed: no answer at all, a dial, TLS or proxy failure) or
// credentials (ErrCredentialRejected) failed for that lease, not for the
// host: one connection's broken client or bad token must not turn the flag
// off for every connection with a good one. That lease backs off on the
// host's schedule; another lease's query fetches at once with its own
// Fetcher.
//
// Yet an outage every connection sees (the network is down, every token was
// revoked) must stay cheap: when the failure in a row before this one was
// another lease's own, the host backs off too. Twenty connections then make
// about the requests of one: two at the start, then one or two per step of
// the host's backoff (two when the first lease to ask after it is the one
// that failed last).

// leaseBackoff is one lease's own backoff, after a failure of its own: the
// lease's, not the host's, so another lease may fetch meanwhile.
type leaseBackoff struct {
	failures int32       // consecutive failures of the lease's own; only the loop reads or writes it
	epoch    uint16      // the entry's leaseEpoch when they were counted; loop only
	err      *fetchError // the last of them; loop only
	// retryAt is when the lease may fetch again. The loop writes it; Peek
	// reads it, to send nothing before then.
	retryAt atomic.Int64
	// seen is the answer the host had published when the loop last found
	// this backoff holding (at the failure, or at a Peek's nudge). Peek is
	// silent while it reads that same answer: any new one (Invalidate, which
	// ends the backoff without visiting the lease, among them) makes it ask
	// once more.
	seen atomic.Pointer[answer]
}

// leaseBackingOff reports whether t, a lease on e, is inside its own
// backoff; when it is, it notes e's published answer as seen (see
// leaseBackoff.seen).
func (s *loopState) leaseBackingOff(e *hostEntry, t *ticket) bool {
	c := t.cred.Load()
	if c == nil || c.failures == 0 || c.epoch != e.leaseEpoch || s.now >= c.retryAt.Load() {
		return false
	}
	c.seen.Store(e.slot.load())
	return true
}

// ownErr is the last failure of t's own (only while leaseBackingOff holds).
func (t *ticket) ownErr() error { return t.cred.Load().err }

// leaseFailed applies a fetch of e that failed on its lease's own client or
// credentials: that lease backs off. When the failure in a row before it was
// another lease's own, the host backs off too, and the fetch's waiters are
// answered as after any failure. Otherwise the waiters of other leases are
// handed to a fetch through the Fetcher of the first of them that may fetch,
// rather than told another connection's error.
func (s *loopState) leaseFailed(e *hostEntry, f *inflight, r fetchResult) {
	t := f.by
	c := t.cred.Load()
	// Another lease's own failure just before this one, with no success nor
	// host failure between: every connection fails, not just this one.
	everyone := e.lastErr != nil && e.lastErr.own && (c == nil || c.err != e.lastErr)
	if c == nil {
		c = &leaseBackoff{}
	}
	if c.epoch != e.leaseEpoch {
		c.failures, c.epoch = 0, e.leaseEpoch
	}
	c.failures++
	c.retryAt.Store(s.backoffUntil(s.retryDelay(c.failures, r.RetryAfter)))
	c.err = r.Err
	t.cred.Store(c)
	if everyone {
		s.fetchFailed(e, f, r) // the host backs off too (and counts the error); e.lastErr = r.Err, still this lease's own
		c.seen.Store(e.slot.load())
		return
	}
	s.stats.FetchErrors++
	e.lastErr = r.Err
	if s.logging() {
		s.log(logEvent{level: slog.LevelWarn, msg: "flagactor: the lease's own fetch failed, the lease backs off", host: e.host,
			errText: r.Err.text, delay: time.Duration(c.retryAt.Load() - s.now)})
	}
	if e.flags != nil {
		f.answer(queryReply{Flags: e.flags.values.Flags})
		s.publishUnfresh(e)
		c.seen.Store(e.slot.load())
		return
	}
	var next *inflight
	for _, w := range f.waiters {
		switch {
		case isDone(w.Done):
			// left already
		case w.Ticket.released.Load():
			w.Reply <- queryReply{Err: ErrReleased}
		case s.leaseBackingOff(e, w.Ticket):
			w.Reply <- queryReply{Err: w.Ticket.ownErr()} // the failed lease's own waiters among them
		case next == nil:
			next = s.startFetch(e, w)
			next.addWaiter(w)
		default:
			next.addWaiter(w)
		}
	}
	f.waiters = nil
	if next == nil {
		s.publishUnfresh(e)
	}
	c.seen.Store(e.slot.load())
}

// ownFetchSucceeded ends the own backoff of t, whose Fetcher just fetched.
func (t *ticket) ownFetchSucceeded() {
	if t.cred.Load() != nil {
		t.cred.Store(nil)
	}
}
