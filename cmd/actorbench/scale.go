package main

import (
	"context"
	"fmt"
	"runtime"
	"time"
)

// scaleSmallHosts is the host count the scale run's growth is measured
// from: the time per host at the full size over the time per host here.
const scaleSmallHosts = 1000

// runScale opens, queries, closes and evicts many connections on many hosts,
// timing the whole and measuring the heap at its peak, in b.rounds rounds
// with the implementations interleaved; and the same at scaleSmallHosts, so
// that the growth of the time per host shows.
func runScale(ctx context.Context, b *bench) (Result, error) {
	hosts, conns := b.sizes.scaleHosts, b.sizes.scaleConns
	sizes := []int{hosts}
	if hosts != scaleSmallHosts {
		sizes = append(sizes, scaleSmallHosts)
	}
	res := Result{
		Scenario: "scale",
		Title: fmt.Sprintf("%d hosts x %d connections (%d leases): open all, query all, close all, evict all; %d rounds",
			hosts, conns, hosts*conns, b.rounds),
		Notes: []string{
			"fetcher: in-memory, counting (one HTTPS request per host would spend the time budget on TLS, not on the cache)",
			"seconds: the four phases on one goroutine, each ending when the implementation has applied it, on the wall clock; cpu_seconds: the process's CPU time over them (0 where it cannot be read), which the growth target divides; heap measurements are not timed",
			"every figure is the median of the rounds (the implementations alternate, round by round), timed ones with the min-max of the rounds in brackets",
			"peak_heap_bytes: live heap with every connection open, beyond the heap before; bytes_per_lease: that peak beyond the heap with one connection per host, per extra connection",
			fmt.Sprintf("the %d-host rows: the same at %d hosts, in the same rounds; the growth target divides the time per host", scaleSmallHosts, scaleSmallHosts),
		},
	}
	type key struct {
		impl  string
		hosts int
	}
	perImpl := map[key][]Row{}
	for round := range b.rounds {
		for _, n := range sizes {
			for _, impl := range impls {
				t := b.progress.start(fmt.Sprintf("scale/%s %d hosts %d/%d", impl, n, round+1, b.rounds), 3*n*conns)
				row, err := scaleOnce(ctx, impl, n, conns, t)
				t.done()
				if err != nil {
					return res, fmt.Errorf("%s: %w", impl, err)
				}
				perImpl[key{impl, n}] = append(perImpl[key{impl, n}], row)
			}
		}
	}
	for _, n := range sizes {
		for _, impl := range impls {
			res.Rows = append(res.Rows, medianRow(perImpl[key{impl, n}]))
		}
	}
	return res, nil
}

// medianRow folds the rounds of one implementation into one row: every
// figure the median of its rounds, measured ones with their range, and each
// figure round by round in PerRound.
func medianRow(rounds []Row) Row {
	out := Row{Impl: rounds[0].Impl, Hosts: rounds[0].Hosts, PerRound: map[string][]float64{}}
	for i, f := range rounds[0].Fields {
		values := make([]float64, len(rounds))
		for r, row := range rounds {
			values[r] = row.Fields[i].Value
		}
		out.PerRound[f.Name] = values
		folded := timedField(f.Name, values)
		if f.Kind != kindMeasure {
			folded = Field{Name: f.Name, Value: folded.Value, Kind: f.Kind}
		}
		out.Fields = append(out.Fields, folded)
	}
	return out
}

// scaleSecondsField is the scale figure the growth target divides: CPU
// seconds where they can be read (see costFigure), else wall seconds.
func scaleSecondsField() string {
	if cost.field == cpuCost.field {
		return "cpu_seconds"
	}
	return "seconds"
}

// scaleRoundSeconds is a scale row's judged seconds round by round.
func scaleRoundSeconds(r Row) []float64 { return r.PerRound[scaleSecondsField()] }

func scaleOnce(ctx context.Context, impl string, hosts, conns int, t *task) (Row, error) {
	names := hostNames(hosts)
	f := &memoryFetcher{}
	clk := newSimClock()

	pop := newPopulation(impl, clk, f, hosts*conns)
	defer pop.close()
	before := liveHeap()
	var opened, queried, closed, evicted time.Duration
	var cpu time.Duration // the process's CPU time over the four phases
	cpuSince := func(began time.Duration) {
		if now, ok := processCPU(); ok {
			cpu += now - began
		}
	}
	// phase runs one timed step over connections [from, to) of every host,
	// then waits until the implementation has applied it.
	phase := func(took *time.Duration, from, to int, step func(slot int, host string) error) error {
		cpuBegan, _ := processCPU()
		defer cpuSince(cpuBegan)
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
	cpuBegan, _ := processCPU()
	began := time.Now()
	if err := evictAll(ctx, pop, clk); err != nil {
		return Row{}, err
	}
	evicted = time.Since(began)
	cpuSince(cpuBegan)
	runtime.KeepAlive(names)

	extra := hosts * (conns - 1)
	return Row{Impl: impl, Hosts: hosts, Fields: []Field{
		{Name: "seconds", Value: (opened + queried + closed + evicted).Seconds(), Kind: kindMeasure},
		{Name: "cpu_seconds", Value: cpu.Seconds(), Kind: kindMeasure},
		{Name: "open_seconds", Value: opened.Seconds(), Kind: kindMeasure},
		{Name: "query_seconds", Value: queried.Seconds(), Kind: kindMeasure},
		{Name: "close_seconds", Value: closed.Seconds(), Kind: kindMeasure},
		{Name: "evict_seconds", Value: evicted.Seconds(), Kind: kindMeasure},
		{Name: "peak_heap_bytes", Value: float64(peak - before), Kind: kindCount},
		{Name: "bytes_per_lease", Value: float64(peak-withHosts) / float64(max(extra, 1)), Kind: kindMeasure},
		{Name: "fetches", Value: float64(f.calls.Load()), Kind: kindCount},
		{Name: "leases", Value: float64(hosts * conns), Kind: kindCount},
	}}, nil
}
