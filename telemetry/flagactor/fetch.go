package flagactor

import (
	"context"
	"fmt"

	"github.com/flagactor/flagactor/telemetry/messages"
)

// startFetch starts one fetch of e through f on a goroutine of its own.
func (s *loopState) startFetch(e *hostEntry, f Fetcher) *inflight {
	s.attempts++
	e.inflight = &inflight{attempt: s.attempts, deadline: s.now + int64(s.a.cfg.fetchTimeout)}
	s.stats.Fetches++
	s.a.fetches.Add(1)
	go s.a.fetch(e.host, s.attempts, f)
	s.wakeups.set(e, e.nextWake())
	s.publishUnfresh(e)
	return e.inflight
}

// fetch runs one Fetcher call and reports it to the loop.
func (a *Actor) fetch(host string, attempt uint64, f Fetcher) {
	defer a.fetches.Done()
	ctx, cancel := a.cfg.clock.WithTimeout(a.fetchCtx, a.cfg.fetchTimeout)
	flags, err := callFetcher(ctx, f, host)
	cancel()
	select {
	case a.results <- fetchResult{Host: host, Attempt: attempt, Flags: flags, Err: err}:
	case <-a.done:
	}
}

// callFetcher turns a panicking Fetcher into a failed fetch.
func callFetcher(ctx context.Context, f Fetcher, host string) (flags messages.Flags, err error) {
	defer func() {
		if p := recover(); p != nil {
			flags, err = messages.Flags{}, fmt.Errorf("%w: %v", ErrFetcherPanic, p)
		}
	}()
	return f.Fetch(ctx, host)
}

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
