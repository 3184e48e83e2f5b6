package flagactor

import "context"

// Invalidate makes the actor forget that host's value is current: it ends the
// host's failure backoff (and its leases' own backoffs) and marks a
// fresh value stale, so the next query starts a fetch and is answered from
// the stale value meanwhile. Leases stay. It returns once the actor has
// applied it, so a query made after it returns sees the value as stale.
// Invalidate normalizes host (see NormalizeHost); an invalid one is
// ErrInvalidHost, and a host the actor does not hold is no error.
//
// It reaches the host's entry in every namespace (see AcquireIn).
//
// An operator calls it after fixing a credential, a test to reset a host, a
// driver that learned a flag changed. A fetch already in flight is not
// restarted: its answer, when it comes, serves the queries waiting on it but
// is kept as stale, since it may predate what the caller learned, so the
// next query fetches again; its failure starts no backoff, of the host or of
// its lease.
func (a *Actor) Invalidate(ctx context.Context, host string) error {
	key, err := NormalizeHost(host)
	if err != nil {
		return err
	}
	applied := make(chan struct{}, 1)
	_, err = roundTrip(ctx, a, loopCall(func(s *loopState) {
		s.invalidateEntries(key)
		applied <- struct{}{}
	}), applied)
	return err
}

// invalidateEntries invalidates every entry of host (normalized), in every
// namespace. It walks the entries: an operator's call, not a connection's.
func (s *loopState) invalidateEntries(host string) {
	for key, e := range s.hosts {
		if key.host == host {
			s.invalidate(e) // may evict e: deleting while ranging is allowed
		}
	}
}
