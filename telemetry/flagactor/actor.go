package flagactor

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

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

	mailbox chan request                // callers -> loop; bounded, so callers feel backpressure (see overflow)
	results chan fetchResult            // fetch goroutines -> loop
	quit    chan struct{}               // closed by Close
	done    chan struct{}               // closed by the loop as it exits
	closed  atomic.Bool                 // set before the loop stops; read on the warm path
	failure atomic.Pointer[loopFailure] // why the loop stopped, when it was not Close

	closeOnce sync.Once
	fetches   fetchGroup // fetch goroutines

	// fetchCtx parents every fetch's context; the loop cancels it as it exits.
	fetchCtx    context.Context
	stopFetches context.CancelFunc

	overflow overflow // requests that found the mailbox full, and those sent after them

	logs      chan logEvent // loop -> logging goroutine; nil when not logging
	logsEnded atomic.Bool   // set as the first Close closes logs
	logged    chan struct{} // closed when the logging goroutine has exited
}

// New starts an actor. Call Close when done with it.
func New(opts ...Option) *Actor {
	cfg := newConfig(opts)
	a := &Actor{
		cfg:     cfg,
		epoch:   cfg.clock.Now(),
		mailbox: make(chan request, cfg.mailboxSize),
		results: make(chan fetchResult, cfg.mailboxSize),
		quit:    make(chan struct{}),
		done:    make(chan struct{}),
	}
	a.overflow.ready = make(chan struct{}, 1)
	a.fetchCtx, a.stopFetches = context.WithCancel(context.Background())
	a.startLogging()
	go a.run(newLoopState(a))
	return a
}

// Acquire takes a lease on host for one connection; f is the connection's own
// Fetcher, used when one of its queries has to fetch. Acquire normalizes host
// (see NormalizeHost) and never fetches. The lease keeps the values of ctx,
// never its deadline or cancellation, for the fetches it starts without a
// caller's context (Peek's). When the actor is behind, Acquire waits for it
// while ctx allows, but a full mailbox never costs the lease: once ctx has
// ended the lease is returned all the same, and the actor applies it in its
// turn. Release the lease when the connection closes.
func (a *Actor) Acquire(ctx context.Context, host string, f Fetcher) (*Lease, error) {
	key, err := NormalizeHost(host)
	if err != nil {
		return nil, err
	}
	if f == nil {
		return nil, ErrNoFetcher
	}
	if err := a.usable(); err != nil {
		return nil, err
	}
	l := &Lease{actor: a, ticket: ticket{Host: key, Fetcher: f, ctx: ctx}}
	if err := a.sendAcquire(ctx, acquireRequest{Ticket: &l.ticket}); err != nil {
		return nil, err
	}
	return l, nil
}

// Stats returns a snapshot of the actor's counters, taken on its goroutine
// after every call this goroutine made before it.
func (a *Actor) Stats(ctx context.Context) (messages.Stats, error) {
	if err := a.usable(); err != nil {
		return messages.Stats{}, err
	}
	req := statsRequest{Reply: make(chan messages.Stats, 1)}
	return roundTrip(ctx, a, req, req.Reply)
}

// Close stops the actor: waiting queries return ErrClosed, fetches are
// cancelled, and every later call returns ErrClosed. It returns once the loop
// has exited and the fetch goroutines and the logging goroutine (WithLogger)
// have, but waits for these at most the fetch timeout (WithFetchTimeout), on
// the actor's clock, whatever a Fetcher that ignores its context or a log
// handler that blocks does. A Fetcher or the log handler may call Close: that
// Close does not wait for the goroutine it runs on. Close is idempotent. It
// returns a non-nil error only when the loop had already stopped after an
// internal fault.
func (a *Actor) Close() error {
	if a.done == nil {
		return nil // not started with New: nothing to stop
	}
	a.closeOnce.Do(func() {
		a.closed.Store(true)
		close(a.quit)
	})
	<-a.done
	a.endLogs()
	a.waitForGoroutines()
	if f := a.failure.Load(); f != nil {
		return f
	}
	return nil
}

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

// post hands req to the loop without waiting: into the mailbox when it has
// room and nothing waits on the overflow, else onto the overflow. It returns
// nil, or the channel closed once the loop has taken the pushed req up.
func (a *Actor) post(req request) <-chan struct{} {
	if !a.overflow.queued() {
		select {
		case a.mailbox <- req:
			return nil
		default:
		}
	}
	return a.overflow.push(req)
}

// send puts req in the mailbox, waiting while it is full; a caller whose ctx
// has ended by then sends nothing. Behind a non-empty overflow req is
// pushed there, and the caller waits for its reply rather than for room.
func (a *Actor) send(ctx context.Context, req request) error {
	if a.overflow.queued() {
		if err := ctx.Err(); err != nil {
			return err // nobody waits for the reply: not worth a place in the queue
		}
		a.overflow.push(req)
		return nil
	}
	return a.sendToMailbox(ctx, req)
}

// sendToMailbox puts req in the mailbox, waiting while it is full: nil once
// it is in, else why not (ctx ended, or the loop did).
func (a *Actor) sendToMailbox(ctx context.Context, req request) error {
	select {
	case a.mailbox <- req:
		return nil
	default:
	}
	select {
	case a.mailbox <- req:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-a.done:
		return ErrClosed
	}
}

// sendAcquire delivers an Acquire, and is never refused. One that finds the
// mailbox full waits for room while ctx allows, as send does, so a flood of
// connections feels backpressure; once ctx has ended it goes on the
// overflow, and the caller goes on with its lease all the same. Behind a
// non-empty overflow it is pushed there at once, and waits, while ctx
// allows, for the loop to take it up. (Waiting on the mailbox itself keeps
// the overflow, whose nodes are allocated, for what cannot wait.)
func (a *Actor) sendAcquire(ctx context.Context, req acquireRequest) error {
	if !a.overflow.queued() {
		err := a.sendToMailbox(ctx, req)
		if err == nil || err == ErrClosed {
			return err
		}
	}
	select {
	case <-a.overflow.push(req):
	case <-ctx.Done():
	case <-a.done:
		return ErrClosed
	}
	return nil
}

// query asks the loop for t's host when no fresh answer is published.
func (a *Actor) query(ctx context.Context, t *ticket) (queryReply, error) {
	q := &queryRequest{Ticket: t, Ctx: ctx, Done: ctx.Done(), Reply: make(chan queryReply, 1)}
	return roundTrip(ctx, a, q, q.Reply)
}

// roundTrip sends req and waits for its answer on reply (buffered, so the
// loop never blocks on a caller that gave up), for ctx, or for the loop's end.
func roundTrip[T any](ctx context.Context, a *Actor, req request, reply <-chan T) (T, error) {
	var zero T
	if err := a.send(ctx, req); err != nil {
		return zero, err
	}
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
// and without blocking: when the mailbox is full the nudge is dropped.
func (a *Actor) nudge(t *ticket) {
	if a.overflow.queued() {
		return // the loop is behind: a nudge is only worth sending to an idle one
	}
	q := &queryRequest{Ticket: t, Done: closedDone, Reply: make(chan queryReply, 1)}
	select {
	case a.mailbox <- q:
	default:
	}
}
