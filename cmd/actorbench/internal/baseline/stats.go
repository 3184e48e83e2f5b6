package baseline

// Stats is a snapshot of the cache's size and counters.
type Stats struct {
	Hosts       int    // host contexts held now
	Leases      int    // references held now, all hosts
	Fetches     uint64 // fetches started
	FetchErrors uint64 // fetches that failed
	// BusyAnswers counts queries answered without waiting because another
	// query was fetching; BusyFalse counts those that got false for want of
	// any cached value.
	BusyAnswers  uint64
	BusyFalse    uint64
	UnknownHosts uint64 // queries for a host with no context, answered false
	Deletions    uint64 // contexts deleted by a release to zero
}

// Stats returns the cache's size and counters.
func (c *Cache) Stats() Stats {
	c.mu.RLock()
	s := Stats{Hosts: len(c.hosts)}
	for _, hc := range c.hosts {
		s.Leases += hc.refCount
	}
	c.mu.RUnlock()
	s.Fetches = c.fetches.Load()
	s.FetchErrors = c.fetchErrors.Load()
	s.BusyAnswers = c.busyAnswers.Load()
	s.BusyFalse = c.busyFalse.Load()
	s.UnknownHosts = c.unknownHosts.Load()
	s.Deletions = c.deletions.Load()
	return s
}
