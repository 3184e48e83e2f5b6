// Package mutexpolicy is the flag actor's policy behind locks: the peer
// actorbench sets between the published mutex design (internal/baseline) and
// the actor, so that what the policy wins and what the structure costs show
// apart.
//
// The policy is the actor's (telemetry/flagactor):
//   - one fetch per host in flight, every concurrent query without a value
//     waiting on it (a query whose context ends first leaves with its error;
//     the fetch runs on a context of its own, with the caller's values, and
//     goes on for the cache);
//   - stale-while-revalidate: a stale value is answered at once while a
//     refresh runs;
//   - after a failure, a backoff doubling from 1s, capped at the default TTL,
//     up to 20% longer for jitter, and at least the server's Retry-After (up
//     to 24 hours); inside it a host with no value answers the last error;
//   - a lease's own failure (its Fetcher's error wraps ErrClientFailed or
//     ErrCredentialRejected) backs off that lease alone, the host only when
//     a second lease fails on its own in a row, and each step of such a
//     backoff admits one fetch by a lease with no failure of its own that
//     was acquired before the step; a backoff the server caused admits none;
//     when such a failure leaves no value, the first waiting query that may
//     fetch starts a fetch through its own Fetcher and the others wait on it;
//   - Invalidate makes the value stale and ends every backoff, the host's and
//     its leases' own; a fetch in flight then starts no backoff when it
//     fails, and its value is kept stale;
//   - the server's TTL clamped to [1m, 1h] (the default TTL when it sends
//     none), the expiry moved to the cache's grid of tenths of the TTL as the
//     actor does;
//   - an entry with no lease left lingers until its value expires, its
//     backoff and its leases' own backoffs end, then is evicted (lazily: by
//     the next Acquire or Release once one is due, or by Sweep, or at once by
//     Invalidate), and the map is rebuilt once mostly empty.
//
// The policy is the actor's failure table (the doc comment of
// telemetry/flagactor/failpolicy.go), written once in policy.go, which names
// the rows it follows and the few it does not (a panicking Fetcher; a fetch
// past its deadline answers its waiters when its Fetcher returns, not at the
// deadline; Peek and HostStatus, which the peer does not have).
//
// The structure is what a good Go engineer writes with locks: time is one
// monotonic clock read (clock.Since on the cache's epoch); a fresh value is
// published through an atomic.Pointer with its expiry, so a warm query takes
// no lock; a host already held is opened under the map's read lock with an
// atomic lease count (and one atomic load of its backoff step, which the
// lease keeps), and the write lock is taken only where the map changes
// (a new host, a last release, an eviction). A Lease holds its entry, so a
// query needs no map lookup. Each entry's mutex guards the fetch side of the
// policy (the fetch in flight and its waiters, failures, the host's backoff,
// each lease's own), taken only by a query without a fresh value, a fetch's
// end and Invalidate; coalescing is a done channel
// created under it, since that lock already decides whether a fetch may
// start, and a singleflight.Group would add a second lock and map for the
// same decision.
package mutexpolicy
