package main

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"

	"github.com/benbjohnson/clock"
	"github.com/flagactor/flagactor/cmd/actorbench/internal/baseline"
	"github.com/flagactor/flagactor/cmd/actorbench/internal/mutexpolicy"
	"github.com/flagactor/flagactor/telemetry/flagactor"
)

// leaseLifetime is how many pairs a timed lease lives, as a connection's
// does: each pair opens a lease and closes the one its goroutine opened
// leaseLifetime pairs before.
const leaseLifetime = 1024

// variantImmediate is the open+close pair with the close right after the
// open. The actor's Release then mostly withdraws the ticket before its loop
// applied the Acquire: one message instead of two, a path no connection takes.
const variantImmediate = "immediate-close"

// runAcquireRelease times a connection's open and close on hosts that stay
// in use (each host keeps one pinned connection, so nothing is created,
// evicted or fetched), over 1 and 1000 hosts, at each -cpu, with the
// two-sends floor in the same rounds.
func runAcquireRelease(ctx context.Context, b *bench) (Result, error) {
	res := Result{
		Scenario: "acquire-release",
		Title: fmt.Sprintf("an open+close pair on hosts that stay in use, each closing a lease opened %d pairs before, over %s hosts, at GOMAXPROCS %s",
			leaseLifetime, intList(b.sizes.arHosts), cpuList(b.cpus)),
		Notes: []string{roundsNote(b),
			fmt.Sprintf("leases live: each goroutine keeps a ring of %d open leases (filled before timing); a pair opens one and closes the oldest (lease_lifetime_pairs in -json)", leaseLifetime),
			"the actor's time includes a Stats round trip at the end, so every pair has been applied",
			variantImmediate + " rows: the close right after the open, where the actor's Release mostly withdraws the ticket before its loop saw the Acquire (one message, not two); shown for comparison, not judged",
			"floor rows: the two-sends floor, measured in the same interleaved rounds"},
	}
	f := &memoryFetcher{} // never called: nothing is queried
	var failed atomic.Int64
	var cases []timingCase
	for hi, hosts := range b.sizes.arHosts {
		names := hostNames(hosts)
		a := flagactor.New()
		defer a.Close()
		peer := mutexpolicy.New(clock.New())
		defer peer.Close()
		cache := baseline.New(clock.New())
		for _, h := range names {
			pin, err := a.Acquire(ctx, h, f)
			if err != nil {
				return res, err
			}
			defer pin.Release()
			peerPin, err := peer.Acquire(h, f)
			if err != nil {
				return res, err
			}
			defer peerPin.Release()
			cache.Acquire(h)
		}
		actorOpen := func(h string) (*flagactor.Lease, error) { return a.Acquire(ctx, h, f) }
		actorClose := (*flagactor.Lease).Release
		actorSettle := func() error { _, err := a.Stats(ctx); return err }
		peerOpen := func(h string) (*mutexpolicy.Lease, error) { return peer.Acquire(h, f) }
		baseOpen := func(h string) (string, error) { cache.Acquire(h); return h, nil }
		live := []Field{{Name: "lease_lifetime_pairs", Value: leaseLifetime, Kind: kindCount}}
		for _, cpu := range b.cpus {
			cases = append(cases,
				timingCase{impl: implBaseline, cpu: cpu, hosts: hosts, extra: live,
					bench: timed(pairs(names, leaseLifetime, baseOpen, cache.Release, nil, &failed))},
				timingCase{impl: implMutexPolicy, cpu: cpu, hosts: hosts, extra: live,
					bench: timed(pairs(names, leaseLifetime, peerOpen, (*mutexpolicy.Lease).Release, nil, &failed))},
				timingCase{impl: implActor, cpu: cpu, hosts: hosts, extra: live,
					bench: timed(pairs(names, leaseLifetime, actorOpen, actorClose, actorSettle, &failed))},
				timingCase{impl: implBaseline, variant: variantImmediate, cpu: cpu, hosts: hosts,
					bench: timed(pairs(names, 0, baseOpen, cache.Release, nil, &failed))},
				timingCase{impl: implActor, variant: variantImmediate, cpu: cpu, hosts: hosts,
					bench: timed(pairs(names, 0, actorOpen, actorClose, actorSettle, &failed))},
			)
			if hi == 0 { // the floor does not depend on the hosts
				cases = append(cases, timingCase{impl: implFloor, floor: floorTwoSends, cpu: cpu, bench: timed(twoSendsFloor)})
			}
		}
	}
	rows, err := runRounds(b, "acquire-release", cases)
	if err != nil {
		return res, err
	}
	if n := failed.Load(); n > 0 {
		return res, fmt.Errorf("%d Acquires failed", n)
	}
	res.Rows = rows
	return res, nil
}

// nextStart spreads the goroutines of one run over the hosts.
var nextStart atomic.Int64

// pairs times open+close pairs over names: with lifetime 0 each pair closes
// the lease it opened; otherwise each goroutine starts with lifetime leases
// open (opened untimed) and each pair closes the oldest. settle, when set,
// waits until the implementation has applied every call before it; it ends
// the timed part and the untimed setup.
func pairs[L any](names []string, lifetime int, open func(string) (L, error), shut func(L), settle func() error, failed *atomic.Int64) func() runSetup {
	return func() runSetup {
		// One ring per goroutine: RunParallel starts GOMAXPROCS of them, and
		// at one P the body runs once, on the benchmark's goroutine.
		rings := make([][]L, runtime.GOMAXPROCS(0))
		for r := range rings {
			rings[r] = make([]L, lifetime)
			for j := range rings[r] {
				l, err := open(names[(r+j)%len(names)])
				if err != nil {
					failed.Add(1)
					return runSetup{body: func(loop) {}}
				}
				rings[r][j] = l
			}
		}
		run := func() {
			if settle != nil && settle() != nil {
				failed.Add(1)
			}
		}
		run() // the ring's opens are applied before the timer starts
		var taken atomic.Int64
		return runSetup{
			body: func(l loop) {
				var ring []L
				if r := int(taken.Add(1)) - 1; r < len(rings) {
					ring = rings[r]
				}
				i, j := int(nextStart.Add(7919))%len(names), 0
				for l.Next() {
					lease, err := open(names[i])
					if err != nil {
						failed.Add(1)
						return
					}
					if len(ring) == 0 {
						shut(lease)
					} else {
						shut(ring[j])
						ring[j] = lease
						if j++; j == len(ring) {
							j = 0
						}
					}
					if i++; i == len(names) {
						i = 0
					}
				}
			},
			drain: run,
			cleanup: func() {
				for _, ring := range rings {
					for _, l := range ring {
						shut(l)
					}
				}
				run()
			},
		}
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
