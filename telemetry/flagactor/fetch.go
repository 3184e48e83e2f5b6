package flagactor

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/flagactor/flagactor/telemetry/messages"
)

// Fetcher loads every flag of one host. It runs on its own goroutine, never on
// the actor's, with a context that carries the values of the context of the
// query that started it (for a fetch Peek started, those of the context its
// lease was acquired with) and ends at the fetch timeout or when the actor
// closes, not when that caller leaves. A Fetcher that panics or ends its
// goroutine without returning (runtime.Goexit) has failed its fetch; it may
// call the actor's Close. Each connection brings its own (its authenticated
// client); a fetch uses the Fetcher of the lease whose query started it.
//
// At most one fetch of a host runs at a time, counting one that timed out
// and has not returned: a Fetcher that ignores its context holds its host,
// and no new fetch of that host starts until it returns (queries get the
// last value, or the timeout error, meanwhile). So fetch goroutines stay
// bounded by the number of hosts.
type Fetcher interface {
	Fetch(ctx context.Context, host string) (messages.Flags, error)
}

// FetcherFunc adapts an ordinary function to a Fetcher, as http.HandlerFunc
// does for handlers.
type FetcherFunc func(ctx context.Context, host string) (messages.Flags, error)

// Fetch calls f(ctx, host).
func (f FetcherFunc) Fetch(ctx context.Context, host string) (messages.Flags, error) {
	return f(ctx, host)
}

// startFetch starts one fetch of e for query q, through its lease's Fetcher,
// on a goroutine of its own. The fetch's context carries the values of the
// query's context (for a query without one, Peek's nudge, those of the
// context the lease was acquired with), so what a driver puts there (a
// tracing span, a mark for its retry layer) reaches its Fetcher; never that
// context's deadline or cancellation: the caller leaving does not end the
// fetch, which goes on for the other waiters and the cache. It ends at the
// actor's fetch timeout, or when the loop cancels it (see inflight.cancel).
func (s *loopState) startFetch(e *hostEntry, q *queryRequest) *inflight {
	caller := cmp.Or(q.Ctx, q.Ticket.ctx, context.Background())
	ctx, cancel := s.a.cfg.clock.WithTimeout(context.WithoutCancel(caller), s.a.cfg.fetchTimeout)
	e.inflight = &inflight{entry: e, by: q.Ticket, deadline: addSat(s.now, s.a.cfg.fetchTimeout), cancel: cancel}
	e.admitting = false // a step admits one fetch
	s.stats.Fetches++
	s.a.goroutines.start()
	go s.a.fetch(ctx, e.host, e.inflight, q.Ticket.Fetcher)
	s.wakeups.set(e, e.nextWake())
	s.publishUnfresh(e)
	return e.inflight
}

// errFetcherExited is the cause recorded when a Fetcher ends its goroutine
// without returning (runtime.Goexit: what t.FailNow does in a test's
// Fetcher), or panics with a value recover cannot see (panic(nil) under
// GODEBUG=panicnil=1).
var errFetcherExited = fmt.Errorf("%w: it ended its goroutine without returning (runtime.Goexit, or panic(nil))", errFetcherPanic)

// fetch runs one Fetcher call and reports it to the loop, however the
// Fetcher leaves: the report is deferred, so that a Fetcher that panics or
// calls runtime.Goexit is a failed fetch too, not one the loop waits on for
// good. The report never blocks; once the loop has exited nobody reads it.
func (a *Actor) fetch(ctx context.Context, host string, token *inflight, f Fetcher) {
	var r *fetchResult // set once runFetch has returned
	defer func() {
		if r == nil {
			// Only a call that got to its end is a result. recover stops a
			// panic; runtime.Goexit goes on unwinding after this.
			cause := errFetcherExited
			if p := recover(); p != nil {
				cause = fmt.Errorf("%w: %s", errFetcherPanic, describePanic(p))
			}
			r = &fetchResult{Err: newFetchError(host, cause)}
		}
		r.Fetch = token
		a.mailbox.push(&envelope{msg: r}, false)
		a.goroutines.done()
	}()
	r = runFetch(ctx, f, host)
}

// runFetch calls f and works out, here on the fetch goroutine and under
// fetch's recover, everything the loop needs from its error: its text, its
// Retry-After, whether it is the lease's own failure. A Fetcher's error is
// the Fetcher's code (a typed nil, a method that panics); the loop and the
// logger get plain values only. A panic anywhere in it is a failed fetch.
func runFetch(ctx context.Context, f Fetcher, host string) *fetchResult {
	flags, err := f.Fetch(ctx, host)
	if err == nil {
		return &fetchResult{Flags: flags}
	}
	r := &fetchResult{Err: newFetchError(host, err)}
	var ra interface{ RetryAfter() time.Duration }
	if errors.As(err, &ra) {
		r.RetryAfter = ra.RetryAfter()
	}
	r.Err.own = errors.Is(err, ErrCredentialRejected) || errors.Is(err, ErrClientFailed)
	return r
}

// describePanic formats a panic's value; a value whose formatting panics in
// turn (an error whose Error panics) is described by its type alone.
func describePanic(p any) (text string) {
	defer func() {
		if recover() != nil {
			text = fmt.Sprintf("panic value of type %T", p)
		}
	}()
	if err, ok := p.(error); ok {
		return err.Error()
	}
	return fmt.Sprint(p)
}

// fetchError is a failed fetch as the actor keeps and hands it on. Its text
// was worked out where it was made (on the fetch goroutine, for a Fetcher's
// error), so calling Error never runs a Fetcher's code; Unwrap gives callers
// the cause, for errors.Is and errors.As.
type fetchError struct {
	text  string
	cause error
	// own is set when the cause wraps ErrCredentialRejected or
	// ErrClientFailed: the failure of the lease whose Fetcher made it (its
	// client, its credentials), not of the host.
	own bool
}

// newFetchError names host and cause. It calls cause.Error: for a Fetcher's
// error, call it on the fetch goroutine, under recover.
func newFetchError(host string, cause error) *fetchError {
	return &fetchError{text: "flagactor: fetch " + host + ": " + cause.Error(), cause: cause}
}

// Error returns the text worked out when the error was made.
func (e *fetchError) Error() string { return e.text }

// Unwrap returns the cause.
func (e *fetchError) Unwrap() error { return e.cause }
