package messages

import "sync/atomic"

// Request is a message in the actor's mailbox. The mailbox is the only way a
// caller changes the actor's state, so one goroutine's calls take effect in the
// order it made them.
type Request interface {
	request()
}

// Ticket is the part of a lease that travels to the loop: the host key, the
// fetcher its connection brought, and the host's Slot once the loop has applied
// the lease's Acquire.
type Ticket struct {
	Host    string
	Fetcher Fetcher
	slot    atomic.Pointer[Slot]
}

// Slot returns the host's published-answer slot, or nil until the loop has
// applied the Acquire that carried this ticket. (A withdrawn ticket has an
// empty slot: its Load is nil.)
func (t *Ticket) Slot() *Slot { return t.slot.Load() }

// withdrawn marks the slot of a ticket whose lease was released before the
// loop applied its Acquire.
var withdrawn Slot

// Bind points the ticket at its host's slot, as the loop applies its
// Acquire. It reports false when the lease was released first (Withdraw):
// the loop then drops the Acquire, and no Release follows. Only the actor's
// loop calls it.
func (t *Ticket) Bind(s *Slot) bool { return t.slot.CompareAndSwap(nil, s) }

// Withdrawn reports whether Withdraw has succeeded.
func (t *Ticket) Withdrawn() bool { return t.slot.Load() == &withdrawn }

// Withdraw is a Release that needs no message: it succeeds when the loop
// has not yet bound the ticket, whose Acquire the loop will then drop. A
// connection that closes before the actor saw it open costs one message,
// not two.
func (t *Ticket) Withdraw() bool { return t.slot.CompareAndSwap(nil, &withdrawn) }

// Acquire adds one lease on Ticket.Host, creating the host's entry if needed.
// It has no reply: the caller made the lease and goes on.
type Acquire struct {
	Ticket *Ticket
}

// Release drops one lease on Ticket.Host. It has no reply; the caller makes it
// at most once per lease.
type Release struct {
	Ticket *Ticket
}

// Query asks for Ticket.Host's flags when the published answer is missing or
// stale. Reply has a buffer of one so the loop never blocks on a caller that
// gave up; Done is the caller's context's Done, so the loop can forget waiters
// that have left.
type Query struct {
	Ticket *Ticket
	Done   <-chan struct{}
	Reply  chan QueryReply
}

// QueryReply answers a Query: the host's flags, or the error that left it
// without any.
type QueryReply struct {
	Flags Flags
	Err   error
}

// StatsRequest asks the loop for a snapshot of its counters. Reply has a
// buffer of one.
type StatsRequest struct {
	Reply chan Stats
}

// FetchResult is what a fetch goroutine reports back to the loop. Attempt
// tells the loop which fetch of the host it answers, so a late answer to a
// fetch the loop already timed out is ignored.
type FetchResult struct {
	Host    string
	Attempt uint64
	Flags   Flags
	Err     error
}

func (Acquire) request()      {}
func (Release) request()      {}
func (*Query) request()       {}
func (StatsRequest) request() {}
