package main

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/benbjohnson/clock"
	"github.com/flagactor/flagactor/cmd/actorbench/internal/baseline"
	"github.com/flagactor/flagactor/telemetry/flagactor"
)

// runAcquireRelease times a connection's open and close on hosts that stay
// in use (each host keeps one pinned connection, so nothing is created,
// evicted or fetched), over 1 and 1000 hosts, at each -cpu.
func runAcquireRelease(ctx context.Context, b *bench) (Result, error) {
	res := Result{
		Scenario: "acquire-release",
		Title:    fmt.Sprintf("an open+close pair on hosts that stay in use, over %s hosts, at GOMAXPROCS %s", intList(b.sizes.arHosts), cpuList(b.cpus)),
		Notes: []string{roundsNote(b),
			"wall clock; the actor's time includes a Stats round trip at the end, so every pair has been applied"},
	}
	f := &memoryFetcher{} // never called: nothing is queried
	var failed atomic.Int64
	var cases []timingCase
	for _, hosts := range b.sizes.arHosts {
		names := hostNames(hosts)
		a := flagactor.New()
		defer a.Close()
		cache := baseline.New(clock.New())
		for _, h := range names {
			pin, err := a.Acquire(ctx, h, f)
			if err != nil {
				return res, err
			}
			defer pin.Release()
			cache.Acquire(h)
		}
		for _, cpu := range b.cpus {
			cases = append(cases,
				timingCase{impl: implActor, cpu: cpu, hosts: hosts, bench: timed(actorPairs(ctx, a, names, f, &failed))},
				timingCase{impl: implBaseline, cpu: cpu, hosts: hosts, bench: timed(baselinePairs(cache, names))},
			)
		}
	}
	rows, err := runRounds(b, "acquire-release", cases)
	if err != nil {
		return res, err
	}
	if n := failed.Load(); n > 0 {
		return res, fmt.Errorf("%d actor Acquires failed", n)
	}
	res.Rows = rows
	return res, nil
}

// nextStart spreads the goroutines of one run over the hosts.
var nextStart atomic.Int64

func actorPairs(ctx context.Context, a *flagactor.Actor, names []string, f flagactor.Fetcher, failed *atomic.Int64) func() runSetup {
	return func() runSetup {
		return runSetup{
			body: func(l loop) {
				i := int(nextStart.Add(7919)) % len(names)
				for l.Next() {
					lease, err := a.Acquire(ctx, names[i], f)
					if err != nil {
						failed.Add(1)
						return
					}
					lease.Release()
					if i++; i == len(names) {
						i = 0
					}
				}
			},
			drain: func() {
				if _, err := a.Stats(ctx); err != nil {
					failed.Add(1)
				}
			},
		}
	}
}

func baselinePairs(cache *baseline.Cache, names []string) func() runSetup {
	return func() runSetup {
		return runSetup{body: func(l loop) {
			i := int(nextStart.Add(7919)) % len(names)
			for l.Next() {
				cache.Acquire(names[i])
				cache.Release(names[i])
				if i++; i == len(names) {
					i = 0
				}
			}
		}}
	}
}

// hostNames builds n distinct, already normal host names.
func hostNames(n int) []string {
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("host-%06d.bench.example", i)
	}
	return names
}
