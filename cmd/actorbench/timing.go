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
		cpu0, _ := processCPU()
		if runtime.GOMAXPROCS(0) == 1 {
			run.body(&countdown{n: b.N})
		} else {
			b.RunParallel(func(pb *testing.PB) { run.body(pb) })
		}
		if run.drain != nil {
			run.drain()
		}
		if cpu1, ok := processCPU(); ok {
			b.ReportMetric(float64(cpu1-cpu0)/float64(b.N), cpuMetric)
		}
		b.StopTimer()
	}
}

// cpuMetric is the unit timed reports the process's CPU time per op in.
const cpuMetric = "cpu-ns/op"

// costFigure is what timing targets judge, tables show and ratios divide:
// the process's CPU time per op where the platform reads it, else the wall
// time per op.
//
// Why CPU time: on a machine shared with other work, the wall clock of a
// round counts the time other processes took the CPU, which varies 2-20x
// from round to round; the CPU time the process itself spent varies a few
// percent (docs/profiles.md). It counts every thread of the process (the
// actor's loop on another core, the GC, a spinning scheduler), so a design
// that burns a second core pays for it.
type costFigure struct {
	field string // the row's field
	label string // its unit in tables
	of    func(Sample) float64
}

var (
	wallCost = costFigure{field: "ns_per_op", label: "ns/op", of: func(s Sample) float64 { return s.NsPerOp }}
	cpuCost  = costFigure{field: "cpu_ns_per_op", label: "cpu ns/op", of: func(s Sample) float64 { return s.CPUNsPerOp }}
)

// cost is this platform's costFigure.
var cost = func() costFigure {
	if _, ok := processCPU(); ok {
		return cpuCost
	}
	return wallCost
}()

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
				N:          r.N,
				NsPerOp:    float64(r.T.Nanoseconds()) / float64(r.N),
				CPUNsPerOp: r.Extra[cpuMetric],
				Allocs:     float64(r.AllocsPerOp()), // whole allocations, as go test reports them
			})
			t.add(1)
		}
	}
	rows := make([]Row, len(cases))
	for i, c := range cases {
		ns := make([]float64, len(samples[i]))
		cpu := make([]float64, len(samples[i]))
		allocs := make([]float64, len(samples[i]))
		for j, s := range samples[i] {
			ns[j], cpu[j], allocs[j] = s.NsPerOp, s.CPUNsPerOp, s.Allocs
		}
		fields := []Field{timedField("ns_per_op", ns)}
		if cost.field == cpuCost.field {
			fields = append(fields, timedField("cpu_ns_per_op", cpu))
		}
		rows[i] = Row{
			Impl:       c.impl,
			Floor:      c.floor,
			Variant:    c.variant,
			GOMAXPROCS: c.cpu,
			Goroutines: goroutinesAt(c.cpu),
			Hosts:      c.hosts,
			Fields:     append(append(fields, timedField("allocs_per_op", allocs)), c.extra...),
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
	return fmt.Sprintf("median of %d rounds of testing.Benchmark (%v each), cases interleaved, min-max of the rounds in brackets; %s; cpu is GOMAXPROCS for the row (as go test -cpu), one goroutine per P (a plain loop at cpu=1); the machine has %d CPUs",
		b.rounds, b.sizes.benchtime, costNote(), runtime.NumCPU())
}

// costNote says what the timing figures are.
func costNote() string {
	if cost.field == cpuCost.field {
		return "cpu ns/op is the CPU time of the whole process per op (every thread: callers, the actor's loop, the GC), judged and shown in tables; the wall clock's ns_per_op is in -json and -bench"
	}
	return "ns/op is wall-clock time (this platform gives no process CPU clock)"
}
