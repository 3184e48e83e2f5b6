package flagactor

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/flagactor/flagactor/telemetry/messages"
)

// request is a message in the actor's mailbox. The mailbox is the only way a
// caller changes the actor's state, so one goroutine's calls take effect in
// the order it made them.
type request interface {
	isRequest()
}

// ticket is the part of a lease that travels to the loop: the host key, the
// fetcher its connection brought, and the host's slot once the loop has
// applied the lease's Acquire.
type ticket struct {
	Host    string
	Fetcher Fetcher
	slot    atomic.Pointer[answerSlot]
	// released is set by the lease's Release, and read by the loop too: a
	// query the loop takes up after it starts no fetch with Fetcher.
	released atomic.Bool
	// step is the host's own-backoff step count when the loop bound the
	// ticket (see failpolicy.go); written before bind, read after boundSlot.
	step uint32 // (beside released: together they fill one word)

	// cred is the lease's own backoff, after a failure of its own (its
	// Fetcher's client or credentials); nil until one, and after the lease's
	// next good fetch. Only the loop stores it; Peek loads it, to send
	// nothing while the backoff holds.
	cred atomic.Pointer[leaseBackoff]
	// ctx is the context the lease was acquired with, whose values (never
	// its deadline or cancellation: fetchContext cuts them off on the fetch
	// goroutine) the fetches the lease starts without a caller's context
	// (Peek's) carry; nil for none. It is kept as given, so that Acquire
	// pays no allocation for it.
	ctx context.Context
}

// boundSlot returns the host's published-answer slot, or nil until the loop
// has applied the Acquire that carried this ticket. (A withdrawn ticket has
// an empty slot: its load is nil.)
func (t *ticket) boundSlot() *answerSlot { return t.slot.Load() }

// withdrawnSlot marks the slot of a ticket whose lease was released before
// the loop applied its Acquire.
var withdrawnSlot answerSlot

// bind points the ticket at its host's slot, as the loop applies its
// Acquire. It reports false when the lease was released first (withdraw):
// the loop then drops the Acquire, and no Release follows.
func (t *ticket) bind(s *answerSlot) bool { return t.slot.CompareAndSwap(nil, s) }

// withdrawn reports whether withdraw has succeeded.
func (t *ticket) withdrawn() bool { return t.slot.Load() == &withdrawnSlot }

// withdraw is a Release that needs no message: it succeeds when the loop has
// not yet bound the ticket, whose Acquire the loop will then drop. A
// connection that closes before the actor saw it open costs one message, not
// two.
func (t *ticket) withdraw() bool { return t.slot.CompareAndSwap(nil, &withdrawnSlot) }

// acquireRequest adds one lease on Ticket.Host, creating the host's entry if
// needed. It has no reply: the caller made the lease and goes on.
type acquireRequest struct {
	Ticket *ticket
}

// releaseRequest drops one lease on Ticket.Host. It has no reply; the caller
// makes it at most once per lease.
type releaseRequest struct {
	Ticket *ticket
}

// queryRequest asks for Ticket.Host's flags when the published answer is
// missing or stale. Reply has a buffer of one so the loop never blocks on a
// caller that gave up; Done is the caller's context's Done, so the loop can
// forget waiters that have left. Ctx is the caller's context, whose values a
// fetch the query starts carries; nil for Peek's nudge.
type queryRequest struct {
	Ticket *ticket
	Ctx    context.Context
	Done   <-chan struct{}
	Reply  chan queryReply
}

// queryReply answers a queryRequest: the host's flags, or the error that left
// it without any.
type queryReply struct {
	Flags messages.Flags
	Err   error
}

// statsRequest asks the loop for a snapshot of its counters. Reply has a
// buffer of one.
type statsRequest struct {
	Reply chan messages.Stats
}

// fetchResult is what a fetch goroutine reports back to the loop. Attempt
// tells the loop which fetch of the host it answers, so a late answer to a
// fetch the loop already timed out is ignored. It travels on a channel of its
// own, not through the mailbox.
//
// It carries plain values only: whatever the loop needs from a failed fetch
// was worked out on the fetch goroutine (runFetch), so the loop never calls
// a method of a value a Fetcher returned.
type fetchResult struct {
	Host    string
	Attempt uint64
	Flags   messages.Flags
	// Err is nil after a good fetch: its text is computed, and it may be
	// handed to callers and logged.
	Err *fetchError
	// RetryAfter is what the error's RetryAfter method asked for; 0 if none.
	RetryAfter time.Duration
}

func (acquireRequest) isRequest() {}
func (releaseRequest) isRequest() {}
func (*queryRequest) isRequest()  {}

// isNudge reports whether q is Peek's: nobody waits for its answer.
func (q *queryRequest) isNudge() bool { return q.Done == closedDone }
func (statsRequest) isRequest()       {}
