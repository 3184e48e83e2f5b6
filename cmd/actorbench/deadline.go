package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/flagactor/flagactor/internal/flagserver"
)

// Deadlines of the short-deadline callers.
const (
	shortDeadline = 10 * time.Millisecond
	longDeadline  = time.Second
)

// runShortDeadline: callers whose deadline ends before the server answers
// leave, then one caller with time to spare asks. The actor's fetch runs on
// its own context, so it lives on and fills the cache for that caller; the
// baseline's fetch runs on the first caller's context and dies with it.
func runShortDeadline(ctx context.Context, b *bench) (Result, error) {
	n := b.sizes.deadlineCallers
	res := Result{
		Scenario: "short-deadline",
		Title: fmt.Sprintf("the server answers after %v; %d callers with %v deadlines at once, then one with %v",
			stampedeLatency, n, shortDeadline, longDeadline),
		Notes: []string{"wall clock; hurried_* count the short-deadline callers' answers (hurried_told_false: every false, (false, error) included); filled is whether the last caller got the server's value"},
	}
	return forEachImpl(b, res, n+1, func(impl string, t *task) (Row, error) {
		return shortDeadlineOnce(ctx, impl, n, t)
	})
}

func shortDeadlineOnce(ctx context.Context, impl string, n int, t *task) (Row, error) {
	fs := newFlagService(flagserver.Config{Latency: flagserver.Latency{Min: stampedeLatency}})
	defer fs.close()
	s := newSubject(impl, clock.New(), fs.fetcher)
	defer s.close()

	conns := make([]conn, n+1)
	for i := range conns {
		c, err := s.open(ctx, benchHost)
		if err != nil {
			return Row{}, err
		}
		conns[i] = c
		defer c.close()
	}
	var (
		hurried answers
		wg      sync.WaitGroup
		start   = make(chan struct{})
	)
	for _, c := range conns[:n] {
		wg.Go(func() {
			<-start
			qctx, cancel := context.WithTimeout(ctx, shortDeadline)
			defer cancel()
			hurried.add(c.enabled(qctx))
		})
	}
	close(start)
	wg.Wait()
	t.add(n)

	qctx, cancel := context.WithTimeout(ctx, longDeadline)
	defer cancel()
	on, err := conns[n].enabled(qctx)
	t.add(1)
	return Row{Impl: impl, Fields: []Field{
		{Name: "fetches", Value: float64(fs.fetches()), Kind: kindCount},
		{Name: "filled", Value: boolValue(on && err == nil), Kind: kindBool},
		{Name: "hurried_errors", Value: float64(hurried.errors), Kind: kindCount},
		{Name: "hurried_wrong", Value: float64(hurried.wrong), Kind: kindCount},
		{Name: "hurried_told_false", Value: float64(hurried.toldFalse), Kind: kindCount},
	}}, nil
}
