package main

import (
	"context"
	"fmt"
	"runtime"
	"time"

	"github.com/flagactor/flagactor/telemetry/flagactor"
)

// runScale opens, queries, closes and evicts many connections on many hosts,
// timing the whole and measuring the heap at its peak.
func runScale(ctx context.Context, b *bench) (Result, error) {
	hosts, conns := b.sizes.scaleHosts, b.sizes.scaleConns
	res := Result{
		Scenario: "scale",
		Title: fmt.Sprintf("%d hosts x %d connections (%d leases): open all, query all, close all, evict all",
			hosts, conns, hosts*conns),
		Notes: []string{
			"fetcher: in-memory, counting (one HTTPS request per host would spend the time budget on TLS, not on the cache)",
			"seconds: the four phases on one goroutine, each ending when the implementation has applied it; heap measurements are not timed",
			"peak_heap_bytes: live heap with every connection open, beyond the heap before; bytes_per_lease: that peak beyond the heap with one connection per host, per extra connection",
		},
	}
	return forEachImpl(b, res, 3*hosts*conns, func(impl string, t *task) (Row, error) {
		return scaleOnce(ctx, impl, hosts, conns, t)
	})
}

func scaleOnce(ctx context.Context, impl string, hosts, conns int, t *task) (Row, error) {
	names := hostNames(hosts)
	slots := make([]*flagactor.Lease, hosts*conns)
	f := &memoryFetcher{}
	clk := newSimClock()

	before := liveHeap()
	pop := newPopulation(impl, clk, f, slots)
	defer pop.close()
	var opened, queried, closed, evicted time.Duration
	// phase runs one timed step over connections [from, to) of every host,
	// then waits until the implementation has applied it.
	phase := func(took *time.Duration, from, to int, step func(slot int, host string) error) error {
		began := time.Now()
		for c := from; c < to; c++ {
			for h, name := range names {
				if err := step(h*conns+c, name); err != nil {
					return err
				}
			}
			t.add(hosts)
		}
		_, err := pop.entries(ctx)
		*took += time.Since(began)
		return err
	}
	open := func(slot int, host string) error { return pop.acquire(ctx, slot, host) }
	query := func(slot int, host string) error {
		if on, err := pop.query(ctx, slot, host); !on || err != nil {
			return fmt.Errorf("query of %s got (%v, %v), want (true, <nil>)", host, on, err)
		}
		return nil
	}
	closeConn := func(slot int, host string) error {
		pop.release(slot, host)
		return nil
	}

	// Open and query one connection per host (each host fetches once)...
	if err := phase(&opened, 0, 1, open); err != nil {
		return Row{}, err
	}
	if err := phase(&queried, 0, 1, query); err != nil {
		return Row{}, err
	}
	withHosts := liveHeap()
	// ...then the other connections, whose queries find the value warm.
	if err := phase(&opened, 1, conns, open); err != nil {
		return Row{}, err
	}
	if err := phase(&queried, 1, conns, query); err != nil {
		return Row{}, err
	}
	peak := liveHeap()
	if err := phase(&closed, 0, conns, closeConn); err != nil {
		return Row{}, err
	}
	began := time.Now()
	if err := evictAll(ctx, pop, clk); err != nil {
		return Row{}, err
	}
	evicted = time.Since(began)
	runtime.KeepAlive(names)
	runtime.KeepAlive(slots)

	extra := hosts * (conns - 1)
	return Row{Impl: impl, Hosts: hosts, Fields: []Field{
		{"seconds", (opened + queried + closed + evicted).Seconds(), kindMeasure},
		{"open_seconds", opened.Seconds(), kindMeasure},
		{"query_seconds", queried.Seconds(), kindMeasure},
		{"close_seconds", closed.Seconds(), kindMeasure},
		{"evict_seconds", evicted.Seconds(), kindMeasure},
		{"peak_heap_bytes", float64(peak - before), kindCount},
		{"bytes_per_lease", float64(peak-withHosts) / float64(max(extra, 1)), kindMeasure},
		{"fetches", float64(f.calls.Load()), kindCount},
	}}, nil
}
