package main

import (
	"context"
	"fmt"

	"github.com/benbjohnson/clock"
	"github.com/flagactor/flagactor/cmd/actorbench/internal/baseline"
	"github.com/flagactor/flagactor/cmd/actorbench/internal/mutexpolicy"
	"github.com/flagactor/flagactor/telemetry"
	"github.com/flagactor/flagactor/telemetry/flagactor"
)

// The implementations compared, and the name of the machine's own floor.
const (
	implActor    = "actor"
	implBaseline = "baseline" // the published mutex design
	// implMutexPolicy is our policy behind locks (internal/mutexpolicy): it
	// tells what the policy wins from what the actor's structure costs.
	implMutexPolicy = "mutex-policy"
	implFloor       = "floor"
)

// impls is the order every comparison runs and prints in: the published
// design, the same policy with a mutex, the actor.
var impls = []string{implBaseline, implMutexPolicy, implActor}

// implsOf are the implementations scenario compares: the fleet is about
// the actor's expiry grid against the published design's fixed 15 minutes,
// and a simulated day of a third fleet would add a minute to every run.
func implsOf(scenario string) []string {
	if scenario == "fleet" {
		return []string{implBaseline, implActor}
	}
	return impls
}

// forEachImpl runs once for every implementation of res's scenario, one
// after the other, each under a progress task of steps steps named
// "scenario/impl", and appends their rows to res.
func forEachImpl(b *bench, res Result, steps int, once func(impl string, t *task) (Row, error)) (Result, error) {
	for _, impl := range implsOf(res.Scenario) {
		t := b.progress.start(res.Scenario+"/"+impl, steps)
		row, err := once(impl, t)
		t.done()
		if err != nil {
			return res, fmt.Errorf("%s: %w", impl, err)
		}
		res.Rows = append(res.Rows, row)
	}
	return res, nil
}

// subject is one implementation as a driver sees it: open a connection to a
// host, ask the telemetry flag on it, close it. Scenarios that count requests
// drive every implementation through it, so they do exactly the same work.
type subject interface {
	open(ctx context.Context, host string) (conn, error)
	// settle returns once every call made before it has taken effect (for
	// the actor, a Stats round trip through its one mailbox), with the number
	// of fetches the implementation has started so far.
	settle(ctx context.Context) (fetches uint64, err error)
	close() error
}

// conn is one open connection of a subject.
type conn interface {
	enabled(ctx context.Context) (bool, error)
	close()
}

// newSubject starts impl on clk, fetching through f.
func newSubject(impl string, clk clock.Clock, f flagactor.Fetcher) subject {
	switch impl {
	case implActor:
		return &actorSubject{actor: flagactor.New(flagactor.WithClock(clk)), fetcher: f}
	case implBaseline:
		return &baselineSubject{cache: baseline.New(clk), fetcher: f}
	case implMutexPolicy:
		return &peerSubject{cache: mutexpolicy.New(clk), fetcher: f}
	}
	panic(fmt.Sprintf("actorbench: unknown implementation %q", impl))
}

type actorSubject struct {
	actor   *flagactor.Actor
	fetcher flagactor.Fetcher
}

func (s *actorSubject) open(ctx context.Context, host string) (conn, error) {
	l, err := s.actor.Acquire(ctx, host, s.fetcher)
	if err != nil {
		return nil, err
	}
	return leaseConn{l}, nil
}

func (s *actorSubject) settle(ctx context.Context) (uint64, error) {
	st, err := s.actor.Stats(ctx)
	return st.Fetches, err
}

func (s *actorSubject) close() error { return s.actor.Close() }

// leaseConn is one pointer wide, so holding it in a conn does not allocate.
type leaseConn struct{ lease *flagactor.Lease }

func (c leaseConn) enabled(ctx context.Context) (bool, error) {
	return c.lease.Enabled(ctx, telemetry.TelemetryFlag)
}

func (c leaseConn) close() { c.lease.Release() }

type baselineSubject struct {
	cache   *baseline.Cache
	fetcher flagactor.Fetcher
}

func (s *baselineSubject) open(_ context.Context, host string) (conn, error) {
	s.cache.Acquire(host)
	return &baselineConn{s: s, host: host}, nil
}

// settle has nothing to wait for: every baseline call is done when it returns.
func (s *baselineSubject) settle(context.Context) (uint64, error) {
	return s.cache.Stats().Fetches, nil
}

func (s *baselineSubject) close() error { return nil }

type baselineConn struct {
	s    *baselineSubject
	host string
}

func (c *baselineConn) enabled(ctx context.Context) (bool, error) {
	return c.s.cache.Enabled(ctx, c.host, c.s.fetcher, telemetry.TelemetryFlag)
}

func (c *baselineConn) close() { c.s.cache.Release(c.host) }

type peerSubject struct {
	cache   *mutexpolicy.Cache
	fetcher flagactor.Fetcher
}

func (s *peerSubject) open(_ context.Context, host string) (conn, error) {
	l, err := s.cache.Acquire(host, s.fetcher)
	if err != nil {
		return nil, err
	}
	return peerConn{l}, nil
}

// settle has nothing to wait for: every call is done when it returns, and
// a fetch is counted as it starts.
func (s *peerSubject) settle(context.Context) (uint64, error) {
	return s.cache.Stats().Fetches, nil
}

func (s *peerSubject) close() error {
	s.cache.Close()
	return nil
}

type peerConn struct{ lease *mutexpolicy.Lease }

func (c peerConn) enabled(ctx context.Context) (bool, error) {
	return c.lease.Enabled(ctx, telemetry.TelemetryFlag)
}

func (c peerConn) close() { c.lease.Release() }
