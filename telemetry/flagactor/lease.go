package flagactor

import (
	"context"
	"errors"
)

// Lease is one connection's hold on a host entry. While any lease on a host is
// live the actor keeps the host's flags. It keeps the values of the context it
// was acquired with, for the fetches it starts without a caller's context
// (Peek's), and its own backoff after a failure of its own Fetcher's client or
// credentials (see Enabled). A Lease is safe for concurrent use.
type Lease struct {
	actor  *Actor
	ticket ticket
}

// Host returns the normalized host key the lease is filed under.
func (l *Lease) Host() string { return l.ticket.Host }

// Enabled reports whether flag is on for the lease's host. A fresh answer is
// returned without a message to the actor. With no value yet, the first query
// fetches through the lease's Fetcher, with the values of ctx, and every
// concurrent query waits for that fetch; a query whose ctx ends first returns
// ctx.Err(). A stale value is returned at once while a refresh runs. When the
// host has never been fetched successfully and the fetch failed, Enabled
// returns false and an error wrapping the fetch's.
//
// A failure wrapping ErrClientFailed or ErrCredentialRejected is the lease's
// own (its connection's client or credentials): the lease backs off, on the
// host's schedule (its later queries get that error, or the host's value once
// another lease has fetched one), and the host does not, so another lease's
// query fetches at once with its own Fetcher. When two leases fail so in a
// row the host backs off too, admitting one fetch per step by a lease with no
// failure of its own; the table in failpolicy.go gives every rule.
//
// A caller with a bound on its wait may give up on a fetch for every lease of
// the entry, so that later callers do not spend their bound on a fetch known
// to be slow: when ctx ends (see context.WithCancelCause) with a cause that
// has a method GiveUpFetch() bool returning true, while the host, with no
// value, waits for a fetch, later queries of the entry do not wait for that
// fetch, nor through the backoff after it if it failed: they return false and
// that cause at once. A fetch that can start (or has started) since ends this.
// The telemetry Gate's open wait ends so.
func (l *Lease) Enabled(ctx context.Context, flag string) (bool, error) {
	if l.actor == nil {
		return false, errNotStarted // a Lease not made by Acquire
	}
	if l.actor.closed.Load() {
		return false, ErrClosed
	}
	if l.ticket.released.Load() {
		return false, ErrReleased
	}
	// The expiry is checked here, on the caller's clock read, not left to
	// the loop: a busy loop or a late timer must not stretch a value's life.
	ans, now := l.slot().Load(), l.actor.sinceEpoch()
	if ans != nil && ans.freshAt(now) {
		return ans.Bool(flag), nil
	}
	if cause := givenUp(ans, now); cause != nil {
		return false, cause
	}
	reply, err := l.actor.query(ctx, &l.ticket)
	if err != nil {
		if cause := context.Cause(ctx); ctx.Err() != nil && givesUp(cause) {
			l.giveUp(cause)
		}
		return false, err
	}
	return reply.Flags.Bool(flag), reply.Err
}

// Peek reports flag as the actor last published it for the lease's host,
// without waiting: known is false while the host has no value. When the value
// is missing or stale and a fetch could start, Peek also asks the actor,
// without waiting for it, to fetch it, so a later Peek can see it; while a
// fetch is in flight, or inside the host's backoff or the lease's own, it
// sends nothing and allocates nothing. A fetch Peek starts carries the values
// of the context the lease was acquired with. A driver uses it for a cheap
// re-check on a connection that opened before the flag was known. Peek asks
// exactly when its query would start a fetch (see failpolicy.go): in a step
// of an own-failure backoff that admits this lease, it sends that request.
func (l *Lease) Peek(flag string) (enabled, known bool) {
	if l.actor == nil || l.ticket.released.Load() || l.actor.closed.Load() {
		return false, false
	}
	slot := l.slot()
	ans, now := slot.Load(), l.actor.sinceEpoch()
	if ans != nil && ans.freshAt(now) {
		return ans.Bool(flag), true // the common case: a load and a clock read
	}
	if l.ticket.mayFetch(slot, now) { // with nothing published, the loop decides
		l.actor.nudge(&l.ticket)
	}
	if ans == nil || !ans.known {
		return false, false
	}
	return ans.Bool(flag), true
}

// giveUp marks the host's fetch in flight, as the actor last published it,
// as given up on with cause (see Enabled). With no such fetch it does nothing.
func (l *Lease) giveUp(cause error) {
	if ans := l.slot().Load(); ans != nil && ans.fetchPending() {
		ans.givenUp.Store(&cause)
	}
}

// givesUp reports whether a context's cause gives up on the fetch it waited
// for (see Enabled).
func givesUp(cause error) bool {
	var g interface{ GiveUpFetch() bool }
	return errors.As(cause, &g) && g.GiveUpFetch()
}

// givenUp returns the cause a caller gave up on ans's fetch with, while that
// fetch is in flight or the backoff after its failure lasts; else nil.
func givenUp(ans *answer, now int64) error {
	if ans == nil || now >= ans.nextFetch {
		return nil
	}
	if cause := ans.givenUp.Load(); cause != nil {
		return *cause
	}
	return nil
}

// slot returns the slot of the lease's entry: through the lease's own
// binding (the warm query's path), or, before the loop has taken up its
// Acquire, through the entries the loop made last; an empty slot when neither
// has one. (A withdrawn ticket's slot is empty too.)
func (l *Lease) slot() *answerSlot {
	if e := l.ticket.bound.Load(); e != nil {
		return &e.slot
	}
	return l.actor.recent.find(l.ticket.key())
}

// Release gives the lease back. When a host's last lease goes, the actor keeps
// its entry until the value expires (or a failure backoff ends), then forgets
// the host. Release is idempotent; it does not wait for the actor, not even
// while its mailbox is full. A query of the lease that the actor has not
// taken up yet starts no fetch with the lease's Fetcher.
func (l *Lease) Release() {
	if l.actor == nil {
		return // a Lease not made by Acquire holds nothing
	}
	if !l.ticket.released.CompareAndSwap(false, true) {
		return
	}
	// A bound ticket stays bound: a load spares a live lease the failing
	// compare-and-swap on a line the loop wrote.
	if l.ticket.bound.Load() == nil && l.ticket.withdraw() {
		return // the loop has not applied the Acquire yet, and now drops it
	}
	a := l.actor
	if a.closed.Load() {
		return // a closed actor has nothing to release
	}
	// The loop has taken up the Acquire (it bound the ticket), so the
	// ticket's envelope is free to carry the Release; uncounted, it never
	// waits, and keeps its place behind this goroutine's earlier calls.
	l.ticket.env.msg = releaseRequest{Ticket: &l.ticket}
	a.mailbox.push(&l.ticket.env, false)
}
