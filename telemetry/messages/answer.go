package messages

import "sync/atomic"

// Answer is what the actor's loop last published for one host. It is immutable
// once published, so any number of leases may read it at once.
type Answer struct {
	Flags Flags
	// Fresh is false once the value's time-to-live has passed. A reader that
	// finds a stale answer must ask the loop, which serves it and refreshes it.
	Fresh bool
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
