package main

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/benbjohnson/clock"
	"github.com/flagactor/flagactor/cmd/actorbench/internal/baseline"
	"github.com/flagactor/flagactor/cmd/actorbench/internal/mutexpolicy"
	"github.com/flagactor/flagactor/internal/flagserver"
	"github.com/flagactor/flagactor/telemetry"
	"github.com/flagactor/flagactor/telemetry/flagactor"
)

// runWarmQuery times a query of a fresh value, the path every statement of
// every connection takes, at each -cpu.
func runWarmQuery(ctx context.Context, b *bench) (Result, error) {
	res := Result{
		Scenario: "warm-query",
		Title:    fmt.Sprintf("a query of a fresh value (one host, one connection), at GOMAXPROCS %s", cpuList(b.cpus)),
		Notes: []string{roundsNote(b), "the value was fetched once over HTTPS before timing",
			"floor rows: the atomic-clock floor (one atomic load and a monotonic clock read), measured in the same interleaved rounds"},
	}
	fs := newFlagService(flagserver.Config{TTL: flagTTL})
	defer fs.close()

	a := flagactor.New()
	defer a.Close()
	lease, err := a.Acquire(ctx, benchHost, fs.fetcher)
	if err != nil {
		return res, err
	}
	defer lease.Release()
	cache := baseline.New(clock.New())
	cache.Acquire(benchHost)
	defer cache.Release(benchHost)
	peer := mutexpolicy.New(clock.New())
	defer peer.Close()
	peerLease, err := peer.Acquire(benchHost, fs.fetcher)
	if err != nil {
		return res, err
	}
	defer peerLease.Release()
	for impl, warm := range map[string]func() (bool, error){
		implActor:       func() (bool, error) { return lease.Enabled(ctx, telemetry.TelemetryFlag) },
		implBaseline:    func() (bool, error) { return cache.Enabled(ctx, benchHost, fs.fetcher, telemetry.TelemetryFlag) },
		implMutexPolicy: func() (bool, error) { return peerLease.Enabled(ctx, telemetry.TelemetryFlag) },
	} {
		if on, err := warm(); !on || err != nil {
			return res, fmt.Errorf("%s: warm-up query got (%v, %v), want (true, <nil>)", impl, on, err)
		}
	}

	var wrong atomic.Int64 // a false answer means the benchmark measured something else
	actorSetup := func() runSetup {
		return runSetup{body: func(l loop) {
			for l.Next() {
				if on, _ := lease.Enabled(ctx, telemetry.TelemetryFlag); !on {
					wrong.Add(1)
				}
			}
		}}
	}
	baselineSetup := func() runSetup {
		return runSetup{body: func(l loop) {
			for l.Next() {
				if on, _ := cache.Enabled(ctx, benchHost, fs.fetcher, telemetry.TelemetryFlag); !on {
					wrong.Add(1)
				}
			}
		}}
	}
	peerSetup := func() runSetup {
		return runSetup{body: func(l loop) {
			for l.Next() {
				if on, _ := peerLease.Enabled(ctx, telemetry.TelemetryFlag); !on {
					wrong.Add(1)
				}
			}
		}}
	}
	var cases []timingCase
	for _, cpu := range b.cpus {
		cases = append(cases,
			timingCase{impl: implBaseline, cpu: cpu, bench: timed(baselineSetup)},
			timingCase{impl: implMutexPolicy, cpu: cpu, bench: timed(peerSetup)},
			timingCase{impl: implActor, cpu: cpu, bench: timed(actorSetup)},
			timingCase{impl: implFloor, floor: floorAtomicClock, cpu: cpu, bench: timed(atomicClockFloor)},
		)
	}
	rows, err := runRounds(b, "warm-query", cases)
	if err != nil {
		return res, err
	}
	if n := wrong.Load(); n > 0 {
		return res, errors.New("warm queries answered false; the value was not warm")
	}
	res.Rows = rows
	return res, nil
}
