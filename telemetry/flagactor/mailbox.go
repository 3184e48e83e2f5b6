package flagactor

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/flagactor/flagactor/telemetry/messages"
)

// mailbox is the actor's one queue: every message to the loop (callers'
// requests and fetch results) goes through it, so the calls one goroutine
// makes take effect in the order it made them. It is a lock-free stack that
// the loop takes whole and reads from the bottom.
//
// The bound counts the messages that may wait for room (counted: queries,
// Stats, Hosts, Invalidate, an Acquire whose context is live): a caller waits
// for room while its context allows, so a message whose caller has gone
// never waits in the queue beyond the bound. A Release, an Acquire whose
// context has ended and a fetch result never wait: they are bounded by live
// leases and fetches.
type mailbox struct {
	head    atomic.Pointer[envelope]
	counted atomic.Int64 // counted messages on the stack
	bound   int64
	// parked is set while the loop waits, or is about to, on ring: only a
	// push that finds it set rings, so a busy loop costs its senders no
	// channel operation.
	parked atomic.Bool
	ring   chan struct{} // buffer of one
	// room, when set, is closed as the loop next takes counted messages off
	// the stack: callers waiting for room wait on it.
	room atomic.Pointer[chan struct{}]
}

// envelope is a message on the stack. A lease's ticket holds one for its
// Acquire and then its Release, so a connection's open and close allocate
// nothing here; the loop takes the Acquire up before the Release can push
// the same envelope again.
type envelope struct {
	next    *envelope
	msg     request
	counted bool
}

func newMailbox(bound int) mailbox {
	return mailbox{bound: int64(bound), ring: make(chan struct{}, 1)}
}

// push queues e, ringing the loop when it is parked.
func (m *mailbox) push(e *envelope, counted bool) {
	e.counted = counted
	for {
		h := m.head.Load()
		e.next = h
		if m.head.CompareAndSwap(h, e) {
			break
		}
	}
	// The loop sets parked before it looks at head a last time: either it
	// sees e, or this sees parked (sync/atomic is sequentially consistent).
	if m.parked.Load() && m.parked.CompareAndSwap(true, false) {
		select {
		case m.ring <- struct{}{}:
		default:
		}
	}
}

// reserve takes a place under the bound, waiting for one while ctx allows:
// nil once it has, ctx.Err() or ErrClosed (done) otherwise.
func (m *mailbox) reserve(ctx context.Context, done <-chan struct{}) error {
	for {
		if m.tryReserve() {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		room := m.roomFreed()
		if m.counted.Load() < m.bound {
			continue // freed between the two looks
		}
		select {
		case <-room:
		case <-ctx.Done():
			return ctx.Err()
		case <-done:
			return ErrClosed
		}
	}
}

// tryReserve takes a place under the bound if there is one. (A compare and
// swap, not an add undone on failure: a waiter must never see the count
// over the bound while there is room, or it could wait for a take that
// never comes.)
func (m *mailbox) tryReserve() bool {
	for {
		n := m.counted.Load()
		if n >= m.bound {
			return false
		}
		if m.counted.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

// roomFreed returns the channel closed as the loop next frees room. Take it
// before looking at counted: a take after that look closes it.
func (m *mailbox) roomFreed() <-chan struct{} {
	for {
		if ch := m.room.Load(); ch != nil {
			return *ch
		}
		ch := make(chan struct{})
		if m.room.CompareAndSwap(nil, &ch) {
			return ch
		}
	}
}

// take removes every queued message and returns them oldest first, or nil.
// Only the loop calls it.
func (m *mailbox) take() *envelope {
	if m.head.Load() == nil {
		return nil
	}
	var oldest *envelope
	counted := int64(0)
	for e := m.head.Swap(nil); e != nil; {
		next := e.next
		e.next, oldest = oldest, e
		if e.counted {
			counted++
		}
		e = next
	}
	if counted > 0 {
		m.counted.Add(-counted)
		if ch := m.room.Load(); ch != nil && m.room.CompareAndSwap(ch, nil) {
			close(*ch)
		}
	}
	return oldest
}

// park waits for a push, the timer or quit, after a last look at the stack.
// It reports which fired: the ring (or a push seen before waiting) is
// ringing, the timer timerFired, quit neither. Only the loop calls it.
func (m *mailbox) park(timer <-chan time.Time, quit <-chan struct{}) (ringing, timerFired bool) {
	m.parked.Store(true)
	defer m.parked.Store(false)
	if m.head.Load() != nil {
		return true, false
	}
	select {
	case <-m.ring:
		return true, false
	case <-timer:
		return false, true
	case <-quit:
		return false, false
	}
}

// request is a message to the loop.
type request interface {
	isRequest()
}

// ticket is the part of a lease that travels to the loop: the host key, the
// fetcher its connection brought, and the host's slot once the loop has
// applied the lease's Acquire.
type ticket struct {
	env       envelope // carries the lease's Acquire, then its Release
	Host      string
	Namespace string // with Host, the key of the lease's entry (AcquireIn)
	Fetcher   Fetcher
	// bound is the host's entry once the loop has applied the lease's
	// Acquire: leases read its published answer, and the loop finds the
	// entry of a Release without a lookup.
	bound atomic.Pointer[hostEntry]
	// released is set by the lease's Release, and read by the loop too: a
	// query the loop takes up after it starts no fetch with Fetcher.
	released atomic.Bool
	// step is the host's own-backoff step count when the loop bound the
	// ticket (see failpolicy.go); written before bind, read once bound is seen.
	step uint32 // (beside released: together they fill one word)

	// cred is the lease's own backoff, after a failure of its own (its
	// Fetcher's client or credentials); nil until one, and after the lease's
	// next good fetch. Only the loop stores it; Peek loads it, to send
	// nothing while the backoff holds.
	cred atomic.Pointer[leaseBackoff]
	// ctx is the context the lease was acquired with, whose values (never
	// its deadline or cancellation: startFetch cuts them off) the fetches
	// the lease starts without a caller's context (Peek's) carry; nil for
	// none. It is kept as given, so that Acquire pays no allocation for it.
	ctx context.Context
}

// key returns what the ticket's entry is filed under.
func (t *ticket) key() entryKey { return entryKey{t.Namespace, t.Host} }

// withdrawnEntry marks a ticket whose lease was released before the loop
// applied its Acquire. Its slot stays empty.
var withdrawnEntry hostEntry

// bind points the ticket at its host's entry, as the loop applies its
// Acquire. It reports false when the lease was released first (withdraw):
// the loop then drops the Acquire, and no Release follows.
func (t *ticket) bind(e *hostEntry) bool { return t.bound.CompareAndSwap(nil, e) }

// withdraw is a Release that needs no message: it succeeds when the loop has
// not yet bound the ticket, whose Acquire the loop will then drop. A
// connection that closes before the actor saw it open costs one message, not
// two.
func (t *ticket) withdraw() bool { return t.bound.CompareAndSwap(nil, &withdrawnEntry) }

// acquireRequest adds one lease on Ticket.Host, creating the host's entry if
// needed. It has no reply: the caller made the lease and goes on.
type acquireRequest struct {
	Ticket *ticket
}

// releaseRequest drops one lease of Ticket's entry. It has no reply; the
// caller makes it at most once per lease, after the loop bound the ticket.
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

// fetchResult is what a fetch goroutine reports back to the loop, through
// the mailbox, uncounted: there is at most one fetch goroutine per host.
// Fetch is the loop's own record of the fetch it answers, which names its
// entry, handed back as it was given (the fetch goroutine never reads it): a
// result is applied only while that fetch is its entry's.
//
// It carries plain values only: whatever the loop needs from a failed fetch
// was worked out on the fetch goroutine (runFetch), so the loop never calls
// a method of a value a Fetcher returned.
type fetchResult struct {
	Fetch *inflight
	Flags messages.Flags
	// Err is nil after a good fetch: its text is computed, and it may be
	// handed to callers and logged.
	Err *fetchError
	// RetryAfter is what the error's RetryAfter method asked for; 0 if none.
	RetryAfter time.Duration
}

func (acquireRequest) isRequest() {}
func (releaseRequest) isRequest() {}
func (*queryRequest) isRequest()  {}
func (*fetchResult) isRequest()   {}

// isNudge reports whether q is Peek's: nobody waits for its answer.
func (q *queryRequest) isNudge() bool { return q.Done == closedDone }
