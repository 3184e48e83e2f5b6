package flagactor

import "fmt"

// acquire adds a lease on t's host, filing the host if it is new. It reads
// the clock only for an entry without leases: whether its lingering has run
// out depends on the time. A new entry has no deadline yet, and nothing
// about one with leases depends on the time, so neither needs it.
func (s *loopState) acquire(t *ticket) {
	key := t.key()
	e := s.hosts[key]
	if e != nil && e.leases == 0 {
		s.tick() // may evict e
		e = s.hosts[key]
	}
	created := e == nil
	if created {
		e = &hostEntry{host: t.Host, namespace: t.Namespace, wakeIndex: -1}
	}
	t.step = e.steps // before bind, which publishes it to Peek
	if !t.bind(e) {
		// Released before the loop got here (withdrawn), and no Release
		// follows: drop the Acquire; an entry made for it is not filed.
		return
	}
	if created {
		s.hosts[key] = e
		s.a.recent.note(e)
		s.hostsPeak = max(s.hostsPeak, len(s.hosts))
	}
	e.leases++
	s.leases++
	if e.leases == 1 {
		s.settle(e) // no longer lingering (a new entry has nothing to settle)
	}
}

// release drops a lease of the entry its ticket was bound to; the host's
// last one starts its lingering, which is when it reads the clock. Dropping
// any other lease depends on no time.
func (s *loopState) release(t *ticket) {
	e := t.bound.Load()
	if e == nil || e.leases == 0 {
		panic(fmt.Sprintf("flagactor: release of %q without a lease", t.Host))
	}
	if e.leases == 1 {
		s.tick() // while e still has its lease: it cannot be evicted under us
	}
	e.leases--
	s.leases--
	if e.leases == 0 {
		s.settle(e)
	}
}

// query answers a query that found no fresh answer published (see the
// table in failpolicy.go): with the value, starting a refresh if the lease may
// fetch; with no value, by waiting on the fetch in flight or a new one, or
// with the error that keeps it from fetching.
func (s *loopState) query(q *queryRequest) {
	e := s.hosts[q.Ticket.key()]
	switch {
	case e == nil || q.Ticket.released.Load():
		// Released while its query was queued: its connection may have torn
		// down the credentials its Fetcher uses, so nothing is fetched.
		q.Reply <- queryReply{Err: ErrReleased}
	case e.fresh:
		q.Reply <- queryReply{Flags: e.flags.values.Flags}
	case e.flags != nil:
		if !q.isNudge() {
			s.stats.StaleServed++ // a query answered stale, not Peek's nudge
		}
		q.Reply <- queryReply{Flags: e.flags.values.Flags}
		if q.Ticket.mayFetch(&e.slot, s.now) {
			s.startFetch(e, q)
		}
	case e.inflight != nil && !e.inflight.timedOut: // a fetch queries may wait on
		if e.inflight.addWaiter(q) {
			s.stats.Coalesced++
		}
	case q.Ticket.mayFetch(&e.slot, s.now):
		s.startFetch(e, q).addWaiter(q)
	default:
		q.Reply <- queryReply{Err: s.refusal(e, q.Ticket)}
	}
}
