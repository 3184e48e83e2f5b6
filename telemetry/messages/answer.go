package messages

import (
	"sync/atomic"
	"time"
)

// Answer is what the actor's loop last published for one host. It is immutable
// once published, so any number of leases may read it at once.
type Answer struct {
	Flags Flags
	// Fresh is false once the value's time-to-live has passed. A reader that
	// finds a stale answer must ask the loop, which serves it and refreshes it.
	Fresh bool
	// Known is true when Flags hold a value the server served, false before
	// the host's first good fetch.
	Known bool
	// NextFetch, for an answer that is not fresh, is the earliest time the
	// loop would start a fetch of the host: in the far future while one is in
	// flight, the end of the backoff after a failure, zero when one can start
	// now. A reader that only looks (Lease.Peek) uses it so as not to ask the
	// loop for nothing.
	NextFetch time.Time
}

// Slot holds one host's published Answer. Only the actor's loop stores into it;
// leases load it without a message, which is what makes a warm query cheap.
type Slot struct {
	answer atomic.Pointer[Answer]
}

// Load returns the published answer, or nil before the host has a value.
func (s *Slot) Load() *Answer { return s.answer.Load() }

// Publish replaces the published answer. Only the actor's loop calls it.
func (s *Slot) Publish(a *Answer) { s.answer.Store(a) }
