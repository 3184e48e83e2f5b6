// Package baseline is the mutex design of the Databricks SQL Go driver's
// feature-flag cache, rewritten from its description so actorbench can
// measure the flag actor against it with the same clock and fetcher.
//
// The design, flaws included (the tests pin them):
//   - One sync.RWMutex guards a map from the raw host string (never
//     normalized) to a host context; each context has its own mutex for its
//     value, lastFetched and fetching fields, and a reference count the map's
//     mutex guards.
//   - Acquire adds a reference, creating the context; Release drops one and
//     deletes the context at zero. Nothing ties a release to its acquire, so a
//     second release of one connection takes another connection's reference
//     and can delete a context still in use, with its cached value.
//   - A value is fresh for a fixed 15 minutes; the server's TTL is ignored.
//   - With no fresh value, the first query sets fetching and fetches on its
//     own goroutine; every query that meanwhile finds fetching set returns at
//     once with the cached value, or false when there is none: a cold stampede
//     answers false to all but one caller.
//   - A failed fetch returns the cached value (with no error) or the error; it
//     caches nothing and sets no backoff, so during an outage every query
//     fetches again.
//   - A query for a host with no context (never acquired, or released away)
//     returns false with no error and no fetch, as the driver's cache does.
//   - A fetch whose context has no deadline gets one of FetchTimeout, as the
//     driver's fetch function does; here it is on the injected clock.
//   - A panicking fetcher panics the query and leaves fetching set, so the
//     host answers from its cache (or false) and never fetches again.
//
// It caches one boolean per host: that of the flag the fetching query asked
// for, read with messages.Flags.Bool. The driver asks one flag only.
package baseline
