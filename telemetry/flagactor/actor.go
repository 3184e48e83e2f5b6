package flagactor

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/benbjohnson/clock"

	"github.com/flagactor/flagactor/telemetry/messages"
)

// Actor caches feature flags per host. One goroutine, started by New and
// stopped by Close, owns every host entry; callers reach it through one
// mailbox, so the calls one goroutine makes take effect in the order it made
// them. An Actor is safe for use by any number of goroutines. Make one with
// New: on a zero Actor every call fails at once with an error matching
// ErrClosed (Close returns nil). Its times (TTLs, backoffs, timeouts) are on
// the clock of WithClock, and saturate rather than overflow.
type Actor struct {
	cfg   config
	epoch time.Time // the clock's reading at New; the loop's times count from epochLead before it

	mailbox mailbox               // callers and fetch goroutines -> loop
	quit    chan struct{}         // closed by Close
	done    chan struct{}         // closed by the loop as it exits
	closed  atomic.Bool           // set before the loop stops; read on the warm path
	failure atomic.Pointer[error] // why the loop stopped, when it was not Close

	goroutines goroutineGroup // the loop until it exits, the fetch goroutines and the logging one

	recent *recentEntries // entries a lease not yet bound reads its answer from; the loop writes it

	logs chan logEvent // loop -> logging goroutine, closed as the loop exits; nil when not logging
}

// New starts an actor. Call Close when done with it.
func New(opts ...Option) *Actor {
	cfg := newConfig(opts)
	a := &Actor{
		cfg:     cfg,
		epoch:   cfg.clock.Now(),
		mailbox: newMailbox(cfg.mailboxSize),
		quit:    make(chan struct{}),
		done:    make(chan struct{}),
		recent:  new(recentEntries),
	}
	a.goroutines.init()
	a.startLogging()
	go a.run(newLoopState(a))
	return a
}

// Acquire takes a lease on host for one connection; f is the connection's own
// Fetcher, used when one of its queries has to fetch. Acquire normalizes host
// (see NormalizeHost) and never fetches. The lease keeps the values of ctx,
// never its deadline or cancellation, for the fetches it starts without a
// caller's context (Peek's). When the actor is behind (its mailbox full),
// Acquire waits for room while ctx allows, but a full mailbox never costs
// the lease: once ctx has ended the lease is returned all the same, and the
// actor applies it in its turn. Release the lease when the connection
// closes. A lease is one allocation: its Acquire and Release travel in it.
func (a *Actor) Acquire(ctx context.Context, host string, f Fetcher) (*Lease, error) {
	return a.AcquireIn(ctx, "", host, f)
}

// AcquireIn is Acquire for the entry of host in namespace. An answer depends
// on what its entry is filed under: entries of one host in two namespaces
// share no value, fetch or backoff, as if they were two hosts. A caller whose
// Fetchers ask differently (another path, another scheme) gives each way a
// namespace of its own; Acquire is AcquireIn with the namespace "".
func (a *Actor) AcquireIn(ctx context.Context, namespace, host string, f Fetcher) (*Lease, error) {
	key, err := NormalizeHost(host)
	if err != nil {
		return nil, err
	}
	if f == nil {
		return nil, errNoFetcher
	}
	if err := a.usable(); err != nil {
		return nil, err
	}
	l := &Lease{actor: a, ticket: ticket{Host: key, Namespace: namespace, Fetcher: f, ctx: ctx}}
	l.ticket.env.msg = acquireRequest{Ticket: &l.ticket}
	err = a.mailbox.reserve(ctx, a.done)
	if err == ErrClosed {
		return nil, err
	}
	// Once ctx has ended the Acquire goes uncounted: it is bounded by the
	// leases, and the caller holds its lease all the same.
	a.mailbox.push(&l.ticket.env, err == nil)
	return l, nil
}

// Stats returns a snapshot of the actor's counters, taken on its goroutine
// after every call this goroutine made before it.
func (a *Actor) Stats(ctx context.Context) (messages.Stats, error) {
	reply := make(chan messages.Stats, 1)
	return roundTrip(ctx, a, loopCall(func(s *loopState) { reply <- s.snapshot() }), reply)
}

// Close stops the actor: waiting queries return ErrClosed, fetches are
// cancelled, and every later call returns ErrClosed. It returns once the loop
// has exited and the fetch goroutines and the logging goroutine (WithLogger)
// have, but waits for these at most the fetch timeout (WithFetchTimeout),
// counted in real time whatever the actor's clock, whatever a Fetcher that
// ignores its context or a log handler that blocks does. A Fetcher or a log
// handler, of this actor or another, may call Close: a Close on one of this
// actor's own goroutines waits for that one too, so it returns after the
// fetch timeout. Close is idempotent. It returns a non-nil error only when
// the loop had already stopped after an internal fault.
func (a *Actor) Close() error {
	if a.done == nil {
		return nil // not started with New: nothing to stop
	}
	if a.closed.CompareAndSwap(false, true) {
		close(a.quit) // else a Close before this one, or the loop's fault, stopped it
	}
	<-a.done
	a.waitForGoroutines()
	if f := a.failure.Load(); f != nil {
		return *f
	}
	return nil
}

// Clock returns the clock the actor runs on (WithClock), so that a caller
// can time its own waits on the actor's time: telemetry.Gate's open wait.
func (a *Actor) Clock() clock.Clock { return a.cfg.clock }

// usable returns why calls on a cannot be served, or nil: errNotStarted for
// an Actor not made by New (its channels are nil, and would block forever),
// ErrClosed once closed.
func (a *Actor) usable() error {
	if a.done == nil {
		return errNotStarted
	}
	if a.closed.Load() {
		return ErrClosed
	}
	return nil
}

// sinceEpoch reads the actor's clock as the loop counts time. For the wall
// clock it is a monotonic reading, cheaper than a full time.Now, and the
// default one is read without a call through the Clock interface: the warm
// query pays for this read on every call.
func (a *Actor) sinceEpoch() int64 {
	if a.cfg.wallClock {
		// A monotonic reading since New: as far from the first as the
		// process is old, far from saturating (see loopTime).
		return int64(time.Since(a.epoch) + epochLead)
	}
	return loopTime(a.cfg.clock.Since(a.epoch))
}

// query asks the loop for t's host when no fresh answer is published.
func (a *Actor) query(ctx context.Context, t *ticket) (queryReply, error) {
	q := &queryRequest{Ticket: t, Ctx: ctx, Done: ctx.Done(), Reply: make(chan queryReply, 1)}
	return roundTrip(ctx, a, q, q.Reply)
}

// loopCall is a request that runs on the loop, with the clock as it reads
// when the loop takes it up (Stats, Hosts, Invalidate): it sends its own
// reply, on a channel with a buffer of one, so the loop never blocks on a
// caller that gave up.
type loopCall func(s *loopState)

func (loopCall) isRequest() {}

// roundTrip sends req, counted, once there is room (waiting for room while
// ctx allows), then waits for its answer on reply (buffered, so the loop
// never blocks on a caller that gave up), for ctx, or for the loop's end.
// On an actor that is not usable, it fails at once.
func roundTrip[T any](ctx context.Context, a *Actor, req request, reply <-chan T) (T, error) {
	var zero T
	if err := a.usable(); err != nil {
		return zero, err
	}
	if err := a.mailbox.reserve(ctx, a.done); err != nil {
		return zero, err
	}
	a.mailbox.push(&envelope{msg: req}, true)
	select {
	case r := <-reply:
		return r, nil
	case <-ctx.Done():
		return zero, ctx.Err()
	case <-a.done:
		return zero, ErrClosed
	}
}

// closedDone is a Done channel that is already closed: the mark of a query
// whose caller does not wait for the answer.
var closedDone = func() <-chan struct{} {
	ch := make(chan struct{})
	close(ch)
	return ch
}()

// nudge asks the loop to fetch t's host if its rules allow, without waiting
// and without blocking: when the mailbox has no room the nudge is dropped.
func (a *Actor) nudge(t *ticket) {
	if a.mailbox.tryReserve() {
		q := &queryRequest{Ticket: t, Done: closedDone, Reply: make(chan queryReply, 1)}
		a.mailbox.push(&envelope{msg: q}, true)
	}
}
