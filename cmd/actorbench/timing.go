package main

import (
	"flag"
	"fmt"
	"runtime"
	"testing"
	"time"
)

// loop is what a benchmark body iterates with: a *testing.PB when several
// goroutines run it, a countdown when one does.
type loop interface{ Next() bool }

// countdown is a loop of n iterations.
type countdown struct{ n int }

func (c *countdown) Next() bool {
	c.n--
	return c.n >= 0
}

// runSetup is one prepared benchmark run (testing.Benchmark calls its
// function several times, with growing b.N).
type runSetup struct {
	body    func(l loop) // run by each goroutine
	drain   func()       // timed: waits for work the bodies left to another goroutine
	cleanup func()       // untimed
}

// goroutinesAt is how many goroutines run a timed body at GOMAXPROCS cpu,
// as go test -cpu does: RunParallel's one per P, and at one P the
// benchmark's own goroutine in a plain loop.
func goroutinesAt(cpu int) int { return cpu }

// timed returns a benchmark that runs the body setup makes on goroutinesAt
// of the GOMAXPROCS it runs under: at one P a plain loop on the benchmark's
// own goroutine, as a non-parallel go test benchmark; above, RunParallel.
// runRounds sets GOMAXPROCS around it.
func timed(setup func() runSetup) func(*testing.B) {
	return func(b *testing.B) {
		b.ReportAllocs()
		run := setup()
		if run.cleanup != nil {
			defer run.cleanup()
		}
		b.ResetTimer()
		if runtime.GOMAXPROCS(0) == 1 {
			run.body(&countdown{n: b.N})
		} else {
			b.RunParallel(func(pb *testing.PB) { run.body(pb) })
		}
		if run.drain != nil {
			run.drain()
		}
		b.StopTimer()
	}
}

// timingCase is one row of a timing scenario.
type timingCase struct {
	impl    string
	floor   string // the floor's kind, for implFloor
	variant string // a second way of timing impl, named for what it does; "" for the main one
	cpu     int    // GOMAXPROCS while it runs
	hosts   int
	bench   func(*testing.B)
	extra   []Field // figures the case fixes, not measures (lease_lifetime_pairs)
}

// runRounds runs every case b.rounds times, the cases interleaved within a
// round so that a noisy moment spreads over all of them, each under its own
// GOMAXPROCS, and returns one row per case with the median ns/op and
// allocs/op and their ranges over the rounds.
func runRounds(b *bench, label string, cases []timingCase) ([]Row, error) {
	t := b.progress.start(label, len(cases)*b.rounds)
	defer t.done()
	samples := make([][]Sample, len(cases))
	for range b.rounds {
		for i, c := range cases {
			prev := runtime.GOMAXPROCS(c.cpu)
			r := testing.Benchmark(c.bench)
			runtime.GOMAXPROCS(prev)
			if r.N == 0 {
				return nil, fmt.Errorf("%s/%s cpu=%d: the benchmark failed", label, c.impl, c.cpu)
			}
			samples[i] = append(samples[i], Sample{
				N:       r.N,
				NsPerOp: float64(r.T.Nanoseconds()) / float64(r.N),
				Allocs:  float64(r.AllocsPerOp()), // whole allocations, as go test reports them
			})
			t.add(1)
		}
	}
	rows := make([]Row, len(cases))
	for i, c := range cases {
		ns := make([]float64, len(samples[i]))
		allocs := make([]float64, len(samples[i]))
		for j, s := range samples[i] {
			ns[j], allocs[j] = s.NsPerOp, s.Allocs
		}
		rows[i] = Row{
			Impl:       c.impl,
			Floor:      c.floor,
			Variant:    c.variant,
			GOMAXPROCS: c.cpu,
			Goroutines: goroutinesAt(c.cpu),
			Hosts:      c.hosts,
			Fields:     append([]Field{timedField("ns_per_op", ns), timedField("allocs_per_op", allocs)}, c.extra...),
			Samples:    samples[i],
		}
	}
	return rows, nil
}

// setBenchtime sets how long testing.Benchmark runs each benchmark, through
// the testing package's own flag (it has no other knob outside go test).
func setBenchtime(d time.Duration) error {
	testing.Init()
	return flag.Set("test.benchtime", d.String())
}

// roundsNote says how a timing table's figures were reduced.
func roundsNote(b *bench) string {
	return fmt.Sprintf("median of %d rounds of testing.Benchmark (%v each), cases interleaved, min-max of the rounds in brackets; cpu is GOMAXPROCS for the row (as go test -cpu), one goroutine per P (a plain loop at cpu=1); the machine has %d CPUs",
		b.rounds, b.sizes.benchtime, runtime.NumCPU())
}
