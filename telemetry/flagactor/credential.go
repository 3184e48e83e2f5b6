package flagactor

import (
	"log/slog"
	"time"
)

// A fetch whose credentials the server rejected (its error wraps
// ErrCredentialRejected) failed for the lease whose Fetcher made it, not for
// the host: one connection's bad token must not turn the flag off for every
// connection with a good one. That lease backs off on the host's schedule;
// the host does not, and another lease's query fetches at once with its own
// Fetcher. Every lease still fetches at most once per step of its backoff,
// so a pool whose every token is bad makes at most one request per
// connection per step.

// leaseBackoff is one lease's own backoff, after the server rejected its
// Fetcher's credentials (an error wrapping ErrCredentialRejected): the
// lease's, not the host's, so another lease may fetch meanwhile. Only the
// loop reads or writes it.
type leaseBackoff struct {
	failures int32  // consecutive rejections
	epoch    uint16 // the entry's leaseEpoch when they were counted
	retryAt  int64  // no fetch with the lease's Fetcher before this
	err      error  // the last rejection (a *fetchError, never nil once counted)
}

// leaseBackingOff reports whether t, a lease on e, is inside its own backoff.
func (s *loopState) leaseBackingOff(e *hostEntry, t *ticket) bool {
	c := t.cred
	return c != nil && c.failures > 0 && c.epoch == e.leaseEpoch && s.now < c.retryAt
}

// credentialRejected applies a fetch of e that failed on its lease's
// credentials: that lease backs off, and the fetch's waiters of other leases
// are handed to a fetch through the Fetcher of the first of them that may
// fetch, rather than told another connection's error.
func (s *loopState) credentialRejected(e *hostEntry, f *inflight, r fetchResult) {
	s.stats.FetchErrors++
	c := f.by.cred
	if c == nil {
		c = &leaseBackoff{}
		f.by.cred = c
	}
	if c.epoch != e.leaseEpoch {
		c.failures, c.epoch = 0, e.leaseEpoch
	}
	c.failures++
	c.retryAt = s.now + int64(min(s.retryDelay(c.failures, r.RetryAfter), time.Duration(noWake-1-s.now)))
	c.err = r.Err
	e.lastErr = r.Err
	if s.logging() {
		s.log(logEvent{level: slog.LevelWarn, msg: "flagactor: fetch credentials rejected, the lease backs off", host: e.host,
			errText: r.Err.text, delay: time.Duration(c.retryAt - s.now)})
	}
	if e.flags != nil {
		f.answer(queryReply{Flags: e.flags.values.Flags})
		s.publishUnfresh(e)
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
			w.Reply <- queryReply{Err: w.Ticket.cred.err} // the rejected lease's own waiters among them
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
}

// credentialAccepted ends the own backoff of t, whose Fetcher just fetched.
func (t *ticket) credentialAccepted() { t.cred = nil }
