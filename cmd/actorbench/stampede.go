package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/flagactor/flagactor/internal/flagserver"
)

// stampedeLatency is how long the server takes to answer in stampede and
// short-deadline: long enough that every caller arrives while the one fetch
// is still out.
const stampedeLatency = 50 * time.Millisecond

// answers tallies what callers got back.
type answers struct {
	mu        sync.Mutex
	wrong     int // false with no error, while the server serves true
	errors    int // any error
	right     int
	toldFalse int // false, with an error or without: the caller goes on without the flag
}

func (a *answers) add(on bool, err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !on {
		a.toldFalse++
	}
	switch {
	case err != nil:
		a.errors++
	case !on:
		a.wrong++
	default:
		a.right++
	}
}

// runStampede: many goroutines open a connection to one cold host at the
// same instant and query it. The baseline lets one fetch and answers false
// to the rest; the actor makes them all wait for that one fetch.
func runStampede(ctx context.Context, b *bench) (Result, error) {
	n := b.sizes.stampedeCallers
	res := Result{
		Scenario: "stampede",
		Title: fmt.Sprintf("%d goroutines open a connection to one cold host at once and query; the server answers after %v",
			n, stampedeLatency),
		Notes: []string{"wall clock; fetches are requests the server received; wrong is false (with no error) while the server says true; told_false counts every false, with an error or without"},
	}
	return forEachImpl(b, res, n, func(impl string, t *task) (Row, error) {
		return stampedeOnce(ctx, impl, n, t)
	})
}

func stampedeOnce(ctx context.Context, impl string, n int, t *task) (Row, error) {
	fs := newFlagService(flagserver.Config{Latency: flagserver.Latency{Min: stampedeLatency}})
	defer fs.close()
	s := newSubject(impl, clock.New(), fs.fetcher)
	defer s.close()

	var (
		got   answers
		wg    sync.WaitGroup
		start = make(chan struct{})
		conns = make([]conn, n)
		errs  = make([]error, n)
	)
	for i := range n {
		wg.Go(func() {
			<-start
			c, err := s.open(ctx, benchHost)
			if err != nil {
				errs[i] = err
				return
			}
			conns[i] = c
			qctx, cancel := context.WithTimeout(ctx, maxFetchWait)
			defer cancel()
			got.add(c.enabled(qctx))
		})
	}
	close(start) // NB: released together, so they all find the host cold
	wg.Wait()
	t.add(n)
	for _, c := range conns {
		if c != nil {
			c.close()
		}
	}
	if err := errors.Join(errs...); err != nil {
		return Row{}, err
	}
	return Row{Impl: impl, Fields: []Field{
		{Name: "fetches", Value: float64(fs.fetches()), Kind: kindCount},
		{Name: "wrong", Value: float64(got.wrong), Kind: kindCount},
		{Name: "errors", Value: float64(got.errors), Kind: kindCount},
		{Name: "told_false", Value: float64(got.toldFalse), Kind: kindCount},
	}}, nil
}
