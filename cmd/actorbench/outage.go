package main

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/flagactor/flagactor/internal/flagserver"
)

// retryAfter is what the retry-after scenario's server asks for.
const retryAfter = time.Minute

// runOutage: the server answers 500 for the whole run; one connection asks
// once per simulated second. The baseline fetches on every query; the actor
// backs off.
func runOutage(ctx context.Context, b *bench) (Result, error) {
	return runFailing(ctx, b, "outage", flagserver.Mode{Status: http.StatusInternalServerError},
		fmt.Sprintf("the server answers 500 for %s; one query per simulated second", simSpan(b.sizes.failingSeconds)))
}

// runRetryAfter: the server answers 429 with Retry-After: 60. The actor
// waits at least that long between fetches; the baseline ignores it.
func runRetryAfter(ctx context.Context, b *bench) (Result, error) {
	return runFailing(ctx, b, "retry-after", flagserver.Mode{Status: http.StatusTooManyRequests, RetryAfter: retryAfter},
		fmt.Sprintf("the server answers 429 with Retry-After: %d for %s; one query per simulated second",
			int(retryAfter.Seconds()), simSpan(b.sizes.failingSeconds)))
}

func runFailing(ctx context.Context, b *bench, name string, mode flagserver.Mode, title string) (Result, error) {
	seconds := b.sizes.failingSeconds
	res := Result{
		Scenario: name,
		Title:    title,
		Notes:    []string{"simulated clock (simclock), one step per simulated second; the host starts cold"},
	}
	return forEachImpl(b, res, seconds, func(impl string, t *task) (Row, error) {
		return failingOnce(ctx, impl, mode, seconds, t)
	})
}

func failingOnce(ctx context.Context, impl string, mode flagserver.Mode, seconds int, t *task) (Row, error) {
	clk := newSimClock()
	start := clk.Now()
	fs := newFlagService(flagserver.Config{Mode: mode, Clock: clk})
	defer fs.close()
	s := newSubject(impl, clk, fs.fetcher)
	defer s.close()
	c, err := s.open(ctx, benchHost)
	if err != nil {
		return Row{}, err
	}
	defer c.close()

	st := newStepper(ctx, clk, fs.fetcher)
	defer st.stop()
	var got answers
	for range seconds {
		got.add(c.enabled(st.ctx))
		if err := st.next(); err != nil {
			return Row{}, err
		}
		t.add(1)
	}
	if got.right > 0 {
		return Row{}, fmt.Errorf("%d queries got true from a server that never answered 200", got.right)
	}
	return Row{
		Impl:   impl,
		Fields: []Field{{Name: "fetches", Value: float64(fs.fetches()), Kind: kindCount}},
		Series: perSecondSeries(fs.server.PerSecond(), start, seconds),
	}, nil
}

// simSpan names a number of simulated seconds the way a person would.
func simSpan(seconds int) string {
	d := time.Duration(seconds) * time.Second
	switch {
	case d == time.Hour:
		return "one simulated hour"
	case d%time.Hour == 0:
		return fmt.Sprintf("%d simulated hours", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%d simulated minutes", d/time.Minute)
	}
	return fmt.Sprintf("%d simulated seconds", seconds)
}
