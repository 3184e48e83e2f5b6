// Package flagactor caches server-side feature flags per host for a database
// driver, with one owner goroutine (the actor) holding every host's state.
//
// A connection takes a Lease on its host when it opens and releases it when it
// closes; Lease.Enabled answers whether a flag is on. A fresh answer is read
// from a slot the actor publishes, without a message; everything else (the
// first fetch, refreshes, failures and backoff, eviction of hosts nobody uses)
// happens on the actor's goroutine, driven by messages and by an injected clock.
// Fetches run on goroutines of their own and report back as messages.
package flagactor
