package main

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flagactor/flagactor/internal/flagserver"
	"github.com/flagactor/flagactor/telemetry/flagactor"
	"github.com/flagactor/flagactor/telemetry/messages"
)

// fleetWarmup is how many simulated seconds of the fleet's start
// peak_per_second leaves out: every process fetches at its first query.
const fleetWarmup = 60

// fleetQuiet is how long after a request a process's value surely stays
// fresh: the contract lets an answer come at most 10% of its TTL early.
const fleetQuiet = flagTTL - flagTTL/10

// runFleet: many processes, each with its own cache and one connection on
// the same host, start at the same instant and query once a simulated
// second for a simulated day. The server's ttl_seconds is 15 minutes; the
// baseline refreshes all at exactly 15 minutes, the actor spreads them.
func runFleet(ctx context.Context, b *bench) (Result, error) {
	n, seconds := b.sizes.fleetActors, b.sizes.fleetSeconds
	res := Result{
		Scenario: "fleet",
		Title: fmt.Sprintf("%d processes (one actor or cache each) start together on one host and query once a simulated second each, for %s; server ttl_seconds %d",
			n, simSpan(seconds), int(flagTTL.Seconds())),
		Notes: []string{
			"simulated clock (simclock) shared by the processes, one step per simulated second",
			fmt.Sprintf("a process queries in every second in which its value may expire: from %v after its last request (90%% of the TTL: the contract lets no value expire sooner) until it has refetched; the seconds between are skipped, which changes no count",
				fleetQuiet),
			"before each of its queries the actor's loop is settled with a Stats round trip, which applies every deadline its timer would have (simclock fires no timers); after it, another tells how many fetches the actor has started, and the step waits until each has reached the fetcher, so every request falls in the second that made it",
			fmt.Sprintf("peak_per_second leaves out the first %d simulated seconds", fleetWarmup),
			"requests_per_process_hour: the steady rate of refreshes: each process's requests after its first refresh, per hour from its first refresh to its last request (the cold fetch and the one-time spread of the first refresh left out)",
			"requests_per_process_hour_all: every request, per process per hour of the run. Over a run of a whole number of TTLs, a refresh schedule moved earlier once (the spread) fits one more refresh before the end than the lockstep one, at the same rate",
			"the processes share one HTTP client that keeps up to 256 idle connections, so refreshes do not pay TLS handshakes",
		},
	}
	return forEachImpl(b, res, seconds, func(impl string, t *task) (Row, error) {
		return fleetOnce(ctx, impl, n, seconds, t)
	})
}

// fleetProcess is one process of the fleet: its cache, its connection, and
// what its requests were.
type fleetProcess struct {
	subject subject
	conn    conn
	fetcher *recordingFetcher
}

// step is one simulated second of a process whose value may expire: it
// queries once, and returns when any fetch that started has reached the
// fetcher.
func (p *fleetProcess) step(ctx context.Context, got *answers) error {
	if _, err := p.subject.settle(ctx); err != nil {
		return err
	}
	got.add(p.conn.enabled(ctx))
	// A refresh runs on a goroutine of the actor's own, which may not have
	// reached the fetcher yet: the clock must not move before it has.
	started, err := p.subject.settle(ctx)
	if err != nil {
		return err
	}
	return p.fetcher.waitEntered(int64(started))
}

// inParallel calls do for every process, on one goroutine per P, and
// returns the first error.
func inParallel(procs []*fleetProcess, do func(*fleetProcess) error) error {
	workers := min(runtime.GOMAXPROCS(0), len(procs)/8) // a few processes are not worth a goroutine
	if workers <= 1 {
		for _, p := range procs {
			if err := do(p); err != nil {
				return err
			}
		}
		return nil
	}
	var wg sync.WaitGroup
	errs := make([]error, workers)
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(procs); i += workers {
				if errs[w] = do(procs[i]); errs[w] != nil {
					return
				}
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

func fleetOnce(ctx context.Context, impl string, n, seconds int, t *task) (Row, error) {
	clk := newSimClock()
	start := clk.Now()
	fs := newFlagService(flagserver.Config{TTL: flagTTL, Clock: clk})
	defer fs.close()

	procs := make([]*fleetProcess, n)
	for i := range procs {
		p := &fleetProcess{fetcher: &recordingFetcher{next: fs.fetcher, clk: clk, start: start}}
		p.subject = newSubject(impl, clk, p.fetcher)
		defer p.subject.close()
		c, err := p.subject.open(ctx, benchHost)
		if err != nil {
			return Row{}, err
		}
		defer c.close()
		p.conn = c
		procs[i] = p
	}

	st := newStepper(ctx, clk, fs.fetcher)
	defer st.stop()
	var got answers
	queries := 0
	quiet := int64(fleetQuiet / time.Second)
	var due []*fleetProcess
	for sec := range int64(seconds) {
		due = due[:0]
		for _, p := range procs {
			if p.fetcher.count.Load() > 0 && sec < p.fetcher.last.Load()+quiet {
				continue // fresh by the contract: this query could change nothing
			}
			due = append(due, p)
		}
		// The processes are independent and every request of the step lands
		// in the same simulated second, so they query side by side.
		if err := inParallel(due, func(p *fleetProcess) error { return p.step(st.ctx, &got) }); err != nil {
			return Row{}, err
		}
		queries += len(due)
		if err := st.next(); err != nil {
			return Row{}, err
		}
		if sec%60 == 59 {
			t.add(60)
		}
	}
	series := perSecondSeries(fs.server.PerSecond(), start, seconds)
	peak := 0.0
	if len(series) > fleetWarmup {
		peak = slices.Max(series[fleetWarmup:])
	}
	var after, span int64 // requests after each process's first refresh; seconds from it to the last
	for _, p := range procs {
		if n := p.fetcher.count.Load(); n >= 3 {
			after += n - 2
			span += p.fetcher.last.Load() - p.fetcher.refresh.Load()
		}
	}
	perHour := 0.0
	if span > 0 {
		perHour = float64(after) / float64(span) * 3600
	}
	perHourAll := float64(fs.fetches()) / float64(n) / (float64(seconds) / 3600)
	return Row{
		Impl:  impl,
		Hosts: 1,
		Fields: []Field{
			{Name: "fetches", Value: float64(fs.fetches()), Kind: kindCount},
			{Name: "peak_per_second", Value: peak, Kind: kindCount},
			{Name: "requests_per_process_hour", Value: perHour, Kind: kindMeasure},
			{Name: "requests_per_process_hour_all", Value: perHourAll, Kind: kindMeasure},
			{Name: "queries", Value: float64(queries), Kind: kindCount},
			{Name: "wrong", Value: float64(got.wrong), Kind: kindCount},
		},
		Series: series,
	}, nil
}

// recordingFetcher passes every Fetch on and records, in simulated seconds
// since start, when a process made its first refresh (its second request)
// and its last request, and how many it made.
// A process makes one request at a time, but the bench reads the record from
// another goroutine, hence the atomics.
type recordingFetcher struct {
	next  flagactor.Fetcher
	clk   simulated
	start time.Time

	count, refresh, last atomic.Int64
}

// waitEntered returns once n fetches have entered Fetch, bounded by
// maxFetchWait of real time.
func (f *recordingFetcher) waitEntered(n int64) error {
	if f.count.Load() >= n {
		return nil // nearly always: no clock needed
	}
	deadline := time.Now().Add(maxFetchWait)
	for f.count.Load() < n {
		if time.Now().After(deadline) {
			return fmt.Errorf("%d fetches started, %d reached the fetcher after %v", n, f.count.Load(), maxFetchWait)
		}
		runtime.Gosched()
	}
	return nil
}

func (f *recordingFetcher) Fetch(ctx context.Context, host string) (messages.Flags, error) {
	at := int64(f.clk.Now().Sub(f.start) / time.Second)
	if f.count.Add(1) == 2 {
		f.refresh.Store(at)
	}
	f.last.Store(at)
	return f.next.Fetch(ctx, host)
}
