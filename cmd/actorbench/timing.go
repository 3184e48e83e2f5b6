package main

import (
	"flag"
	"fmt"
	"runtime"
	"slices"
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

// timed returns a benchmark that runs the body setup makes from p
// goroutines in total. At p=1 the body runs on the benchmark's own goroutine:
// RunParallel never starts fewer than GOMAXPROCS goroutines. Otherwise
// SetParallelism(ceil(p/GOMAXPROCS)) starts p of them when GOMAXPROCS divides
// p (it does for 2 and 8 on this machine's 2 cores).
func timed(p int, setup func() runSetup) func(*testing.B) {
	return func(b *testing.B) {
		b.ReportAllocs()
		run := setup()
		if run.cleanup != nil {
			defer run.cleanup()
		}
		b.ResetTimer()
		if p == 1 {
			run.body(&countdown{n: b.N})
		} else {
			procs := runtime.GOMAXPROCS(0)
			b.SetParallelism((p + procs - 1) / procs)
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
	impl  string
	floor string // the floor's kind, for implFloor
	p     int
	hosts int
	bench func(*testing.B)
}

// runRounds runs every case b.rounds times, the cases interleaved within a
// round so that a noisy moment spreads over all of them, and returns one row
// per case with the median ns/op and allocs/op.
func runRounds(b *bench, label string, cases []timingCase) ([]Row, error) {
	t := b.progress.start(label, len(cases)*b.rounds)
	defer t.done()
	samples := make([][]Sample, len(cases))
	for range b.rounds {
		for i, c := range cases {
			r := testing.Benchmark(c.bench)
			if r.N == 0 {
				return nil, fmt.Errorf("%s/%s p=%d: the benchmark failed", label, c.impl, c.p)
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
		rows[i] = Row{
			Impl:        c.impl,
			Floor:       c.floor,
			Parallelism: c.p,
			Hosts:       c.hosts,
			Fields: []Field{
				{"ns_per_op", median(samples[i], func(s Sample) float64 { return s.NsPerOp }), kindMeasure},
				{"allocs_per_op", median(samples[i], func(s Sample) float64 { return s.Allocs }), kindMeasure},
			},
			Samples: samples[i],
		}
	}
	return rows, nil
}

func median(samples []Sample, of func(Sample) float64) float64 {
	v := make([]float64, len(samples))
	for i, s := range samples {
		v[i] = of(s)
	}
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

// setBenchtime sets how long testing.Benchmark runs each benchmark, through
// the testing package's own flag (it has no other knob outside go test).
func setBenchtime(d time.Duration) error {
	testing.Init()
	return flag.Set("test.benchtime", d.String())
}

// roundsNote says how a timing table's figures were reduced.
func roundsNote(b *bench) string {
	return fmt.Sprintf("median of %d rounds of testing.Benchmark (%v each), cases interleaved; GOMAXPROCS=%d",
		b.rounds, b.sizes.benchtime, runtime.GOMAXPROCS(0))
}
