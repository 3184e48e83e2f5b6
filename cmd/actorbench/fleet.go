package main

import (
	"context"
	"fmt"
	"slices"

	"github.com/flagactor/flagactor/internal/flagserver"
)

// fleetWarmup is how many simulated seconds of the fleet's start
// peak_per_second leaves out: every process fetches at its first query.
const fleetWarmup = 60

// runFleet: many processes, each with its own cache and one connection on
// the same host, start at the same instant and query once per simulated
// second. The server's ttl_seconds is 15 minutes; the baseline refreshes all
// at exactly 15 minutes, the actor's early jitter spreads the refreshes.
func runFleet(ctx context.Context, b *bench) (Result, error) {
	n, seconds := b.sizes.fleetActors, b.sizes.fleetSeconds
	res := Result{
		Scenario: "fleet",
		Title: fmt.Sprintf("%d processes (one actor or cache each) start together on one host, one query per simulated second each, for %s; server ttl_seconds %d",
			n, simSpan(seconds), int(flagTTL.Seconds())),
		Notes: []string{
			"simulated clock (clock.Mock) shared by the processes, one step per simulated second",
			fmt.Sprintf("peak_per_second leaves out the first %d simulated seconds", fleetWarmup),
			"the processes share one HTTP client that keeps up to 256 idle connections, so refreshes do not pay TLS handshakes",
		},
	}
	return forEachImpl(b, res, seconds, func(impl string, t *task) (Row, error) {
		return fleetOnce(ctx, impl, n, seconds, t)
	})
}

func fleetOnce(ctx context.Context, impl string, n, seconds int, t *task) (Row, error) {
	clk := newMockClock()
	start := clk.Now()
	fs := newFlagService(flagserver.Config{TTL: flagTTL, Clock: clk})
	defer fs.close()

	conns := make([]conn, 0, n)
	for range n {
		s := newSubject(impl, clk, fs.fetcher)
		defer s.close()
		c, err := s.open(ctx, benchHost)
		if err != nil {
			return Row{}, err
		}
		defer c.close()
		conns = append(conns, c)
	}

	st := newStepper(ctx, clk, fs.fetcher)
	defer st.stop()
	var got answers
	for range seconds {
		for _, c := range conns {
			got.add(c.enabled(st.ctx))
		}
		if err := st.next(); err != nil {
			return Row{}, err
		}
		t.add(1)
	}
	series := perSecondSeries(fs.server.PerSecond(), start, seconds)
	peak := 0.0
	if len(series) > fleetWarmup {
		peak = slices.Max(series[fleetWarmup:])
	}
	return Row{
		Impl:  impl,
		Hosts: 1,
		Fields: []Field{
			{"fetches", float64(fs.fetches()), kindCount},
			{"peak_per_second", peak, kindCount},
			{"wrong", float64(got.wrong), kindCount},
		},
		Series: series,
	}, nil
}
