package flagactor

import (
	"sync"
	"sync/atomic"
)

// releaseOverflow holds the releases that found the mailbox full, so that
// Release never waits for the loop. The loop takes them up before the next
// request it handles (a call made after a Release sees it) and, when it is
// idle, on a wake-up of their own.
type releaseOverflow struct {
	mu      sync.Mutex
	tickets []*ticket
	// pending is set while tickets is not empty (changed under mu): the
	// loop reads it before each request, without taking the lock.
	pending atomic.Bool
	// ready wakes an idle loop; a buffer of one, and a send that never
	// blocks, is enough for any number of releases.
	ready chan struct{}
}

// add queues t's release.
func (o *releaseOverflow) add(t *ticket) {
	o.mu.Lock()
	o.tickets = append(o.tickets, t)
	o.pending.Store(true)
	o.mu.Unlock()
	select {
	case o.ready <- struct{}{}:
	default:
	}
}

// take returns the queued releases, in the order they were queued, and
// empties the queue. Only the loop calls it.
func (o *releaseOverflow) take() []*ticket {
	if !o.pending.Load() {
		return nil
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	t := o.tickets
	o.tickets = nil
	o.pending.Store(false)
	return t
}

// applyOverflow applies the releases that found the mailbox full.
func (s *loopState) applyOverflow() {
	for _, t := range s.a.overflow.take() {
		s.release(t)
	}
}
