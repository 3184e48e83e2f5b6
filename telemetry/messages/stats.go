package messages

// Stats is a snapshot of the actor's counters, taken inside the loop.
type Stats struct {
	Hosts       int    // host entries held now (with or without leases)
	Leases      int    // live leases now, all hosts
	Fetches     uint64 // fetches started
	FetchErrors uint64 // fetches that failed (error, panic, timeout)
	Coalesced   uint64 // queries that waited on a fetch another query started
	StaleServed uint64 // queries answered from an expired value
	Evictions   uint64 // host entries removed
}
