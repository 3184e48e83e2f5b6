package main

import (
	"context"
	"fmt"

	"github.com/flagactor/flagactor/internal/flagserver"
)

// runChurn: a pool that opens a connection, queries and closes it, over and
// over on one host, all inside one TTL. The baseline drops its cached value
// with the last reference and refetches every cycle; the actor keeps the
// entry until the value expires.
func runChurn(ctx context.Context, b *bench) (Result, error) {
	n := b.sizes.churnCycles
	res := Result{
		Scenario: "churn",
		Title:    fmt.Sprintf("%d cycles of open, query, close on one host inside one TTL", n),
		Notes:    []string{"simulated clock, never advanced: every cycle is inside the first TTL"},
	}
	return forEachImpl(b, res, n, func(impl string, t *task) (Row, error) {
		return churnOnce(ctx, impl, n, t)
	})
}

func churnOnce(ctx context.Context, impl string, cycles int, t *task) (Row, error) {
	clk := newSimClock()
	fs := newFlagService(flagserver.Config{TTL: flagTTL, Clock: clk})
	defer fs.close()
	s := newSubject(impl, clk, fs.fetcher)
	defer s.close()

	var got answers
	for i := range cycles {
		c, err := s.open(ctx, benchHost)
		if err != nil {
			return Row{}, err
		}
		got.add(queryBounded(ctx, c))
		c.close()
		if i%100 == 99 {
			t.add(100)
		}
	}
	return Row{Impl: impl, Fields: []Field{
		{Name: "fetches", Value: float64(fs.fetches()), Kind: kindCount},
		{Name: "wrong", Value: float64(got.wrong), Kind: kindCount},
		{Name: "errors", Value: float64(got.errors), Kind: kindCount},
	}}, nil
}
