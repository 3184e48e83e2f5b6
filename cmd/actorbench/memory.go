package main

import (
	"context"
	"fmt"
	"runtime"
)

// runMemory measures what one host costs while open and fetched, and what is
// left once every host has been released and evicted.
func runMemory(ctx context.Context, b *bench) (Result, error) {
	n := b.sizes.memoryHosts
	res := Result{
		Scenario: "memory",
		Title:    fmt.Sprintf("%d hosts opened (one connection each) and fetched; then all released; then the clock moved past every TTL", n),
		Notes: []string{
			"live heap after two GCs, minus the heap before; host names and the lease slice are made before, so neither side is charged for them",
			"fetcher: in-memory (no connections or TLS state in the heap); Acquire + Enabled as a driver calls them",
			"bytes_per_host_released: right after every release has been applied (the actor keeps each entry until its value expires, by design: a pool that reopens does not refetch)",
			"bytes_per_host_after: once the simulated clock has moved past every TTL and each implementation holds no host",
		},
	}
	return forEachImpl(b, res, 2*n, func(impl string, t *task) (Row, error) {
		return memoryOnce(ctx, impl, n, t)
	})
}

func memoryOnce(ctx context.Context, impl string, n int, t *task) (Row, error) {
	names := hostNames(n)
	f := &memoryFetcher{}
	clk := newSimClock()

	pop := newPopulation(impl, clk, f, n)
	defer pop.close()
	before := liveHeap()
	for i, h := range names {
		if err := pop.acquire(ctx, i, h); err != nil {
			return Row{}, err
		}
		if on, err := pop.query(ctx, i, h); !on || err != nil {
			return Row{}, fmt.Errorf("query of %s got (%v, %v), want (true, <nil>)", h, on, err)
		}
		if i%1000 == 999 {
			t.add(1000)
		}
	}
	if held, err := pop.entries(ctx); err != nil || held != n {
		return Row{}, fmt.Errorf("holds %d hosts (%v), want %d", held, err, n)
	}
	live := liveHeap() - before

	for i, h := range names {
		pop.release(i, h)
		if i%1000 == 999 {
			t.add(1000)
		}
	}
	if _, err := pop.entries(ctx); err != nil { // every release applied
		return Row{}, err
	}
	released := liveHeap() - before
	if err := evictAll(ctx, pop, clk); err != nil {
		return Row{}, err
	}
	after := liveHeap() - before
	runtime.KeepAlive(names)
	return Row{Impl: impl, Hosts: n, Fields: []Field{
		{Name: "bytes_per_host", Value: float64(live) / float64(n), Kind: kindMeasure},
		{Name: "bytes_per_host_released", Value: float64(released) / float64(n), Kind: kindMeasure},
		{Name: "bytes_per_host_after", Value: float64(after) / float64(n), Kind: kindMeasure},
	}}, nil
}
