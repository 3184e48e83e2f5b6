package flagactor

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// startFetch starts one fetch of e for query q, through its lease's Fetcher
// and with its caller's context values, on a goroutine of its own.
func (s *loopState) startFetch(e *hostEntry, q *queryRequest) *inflight {
	s.attempts++
	e.inflight = &inflight{attempt: s.attempts, by: q.Ticket, deadline: s.now + int64(s.a.cfg.fetchTimeout)}
	s.stats.Fetches++
	s.a.fetches.Add(1)
	go s.a.fetch(q.Ctx, e.host, s.attempts, q.Ticket.Fetcher)
	s.wakeups.set(e, e.nextWake())
	s.publishUnfresh(e)
	return e.inflight
}

// fetch runs one Fetcher call and reports it to the loop.
func (a *Actor) fetch(caller context.Context, host string, attempt uint64, f Fetcher) {
	defer a.fetches.Done()
	ctx, cancel := a.fetchContext(caller)
	r := runFetch(ctx, f, host)
	cancel()
	r.Host, r.Attempt = host, attempt
	select {
	case a.results <- r:
	case <-a.done:
	}
}

// fetchContext is the context of one fetch: the values of the context of
// the query that started it (nil for none), so what a driver puts there (a
// tracing span, a mark for its retry layer) reaches its Fetcher; and the
// actor's own cancellation and fetch timeout. The caller leaving does not end
// it: the fetch goes on for the other waiters and the cache.
func (a *Actor) fetchContext(caller context.Context) (context.Context, context.CancelFunc) {
	if caller == nil {
		return a.cfg.clock.WithTimeout(a.fetchCtx, a.cfg.fetchTimeout)
	}
	values, cancelValues := context.WithCancel(context.WithoutCancel(caller))
	stopWatching := context.AfterFunc(a.fetchCtx, cancelValues) // Close cancels it
	ctx, cancelTimeout := a.cfg.clock.WithTimeout(values, a.cfg.fetchTimeout)
	return ctx, func() {
		cancelTimeout()
		stopWatching()
		cancelValues()
	}
}

// runFetch calls f and works out, here on the fetch goroutine and under the
// same recover, everything the loop needs from its error: its text, its
// Retry-After, whether it rejects the credentials. A Fetcher's error is the
// Fetcher's code (a typed nil, a method that panics); the loop and the logger
// get plain values only. A panic anywhere in it is a failed fetch.
func runFetch(ctx context.Context, f Fetcher, host string) (r fetchResult) {
	defer func() {
		if p := recover(); p != nil {
			r = fetchResult{Err: newFetchError(host, fmt.Errorf("%w: %s", ErrFetcherPanic, describePanic(p)))}
		}
	}()
	flags, err := f.Fetch(ctx, host)
	if err == nil {
		return fetchResult{Flags: flags}
	}
	r.Err = newFetchError(host, err)
	var ra interface{ RetryAfter() time.Duration }
	if errors.As(err, &ra) {
		r.RetryAfter = ra.RetryAfter()
	}
	r.CredentialRejected = errors.Is(err, ErrCredentialRejected)
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

// waitForFetches waits for every fetch goroutine, but for one whose Fetcher
// ignores its cancelled context at most the fetch timeout.
func (a *Actor) waitForFetches() {
	finished := make(chan struct{})
	go func() {
		a.fetches.Wait()
		close(finished)
	}()
	select {
	case <-finished:
		return
	default:
	}
	t := a.cfg.clock.Timer(a.cfg.fetchTimeout)
	defer t.Stop()
	select {
	case <-finished:
	case <-t.C:
	}
}
