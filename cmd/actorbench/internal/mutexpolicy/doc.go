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
//   - the server's TTL clamped to [1m, 1h] (the default TTL when it sends
//     none), the expiry moved to the cache's grid of tenths of the TTL as the
//     actor does;
//   - an entry with no lease left lingers until its value expires and its
//     backoff ends, then is evicted (lazily: by the next Acquire or Release
//     once one is due, or by Sweep), and the map is rebuilt once mostly empty.
//
// The policy is written once, as a table, in policy.go, so that it follows
// the actor's as that changes.
//
// The structure is what a good Go engineer writes with locks: time is one
// monotonic clock read (clock.Since on the cache's epoch); a fresh value is
// published through an atomic.Pointer with its expiry, so a warm query takes
// no lock; a host already held is opened under the map's read lock with an
// atomic lease count, and the write lock is taken only where the map changes
// (a new host, a last release, an eviction). A Lease holds its entry, so a
// query needs no map lookup. Each entry's mutex guards the fetch side of the
// policy (fetch in flight, failures, backoff); coalescing is a done channel
// created under it, since that lock already decides whether a fetch may
// start, and a singleflight.Group would add a second lock and map for the
// same decision.
package mutexpolicy
