package main

import (
	"context"
	"fmt"
	"runtime"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/flagactor/flagactor/cmd/actorbench/internal/baseline"
	"github.com/flagactor/flagactor/cmd/actorbench/internal/mutexpolicy"
	"github.com/flagactor/flagactor/telemetry"
	"github.com/flagactor/flagactor/telemetry/flagactor"
)

// population is an implementation holding many connections, driven by slot
// number without a per-connection wrapper, so that the heap the memory
// scenarios measure holds only what the implementation itself keeps.
type population interface {
	acquire(ctx context.Context, slot int, host string) error
	query(ctx context.Context, slot int, host string) (bool, error)
	// release closes the slot's connection and drops the bench's hold on it.
	release(slot int, host string)
	// entries is the number of hosts the implementation holds, once every
	// earlier call has taken effect.
	entries(ctx context.Context) (int, error)
	close() error
}

// newPopulation starts impl with room for n connections (the leases a
// driver holds anyway); the caller makes it before measuring.
func newPopulation(impl string, clk clock.Clock, f flagactor.Fetcher, n int) population {
	switch impl {
	case implActor:
		return &actorPopulation{actor: flagactor.New(flagactor.WithClock(clk)), fetcher: f, leases: make([]*flagactor.Lease, n)}
	case implBaseline:
		return &baselinePopulation{cache: baseline.New(clk), fetcher: f}
	case implMutexPolicy:
		return &peerPopulation{cache: mutexpolicy.New(clk), fetcher: f, leases: make([]*mutexpolicy.Lease, n)}
	}
	panic(fmt.Sprintf("actorbench: unknown implementation %q", impl))
}

type actorPopulation struct {
	actor   *flagactor.Actor
	fetcher flagactor.Fetcher
	leases  []*flagactor.Lease
}

func (p *actorPopulation) acquire(ctx context.Context, slot int, host string) error {
	l, err := p.actor.Acquire(ctx, host, p.fetcher)
	p.leases[slot] = l
	return err
}

func (p *actorPopulation) query(ctx context.Context, slot int, _ string) (bool, error) {
	return p.leases[slot].Enabled(ctx, telemetry.TelemetryFlag)
}

func (p *actorPopulation) release(slot int, _ string) {
	p.leases[slot].Release()
	p.leases[slot] = nil
}

func (p *actorPopulation) entries(ctx context.Context) (int, error) {
	st, err := p.actor.Stats(ctx)
	return st.Hosts, err
}

func (p *actorPopulation) close() error { return p.actor.Close() }

// baselinePopulation has no per-connection state: the driver's design keeps
// a reference count per host and nothing per connection.
type baselinePopulation struct {
	cache   *baseline.Cache
	fetcher flagactor.Fetcher
}

func (p *baselinePopulation) acquire(_ context.Context, _ int, host string) error {
	p.cache.Acquire(host)
	return nil
}

func (p *baselinePopulation) query(ctx context.Context, _ int, host string) (bool, error) {
	return p.cache.Enabled(ctx, host, p.fetcher, telemetry.TelemetryFlag)
}

func (p *baselinePopulation) release(_ int, host string) { p.cache.Release(host) }

func (p *baselinePopulation) entries(context.Context) (int, error) { return p.cache.Len(), nil }

func (p *baselinePopulation) close() error { return nil }

type peerPopulation struct {
	cache   *mutexpolicy.Cache
	fetcher flagactor.Fetcher
	leases  []*mutexpolicy.Lease
}

func (p *peerPopulation) acquire(_ context.Context, slot int, host string) error {
	l, err := p.cache.Acquire(host, p.fetcher)
	p.leases[slot] = l
	return err
}

func (p *peerPopulation) query(ctx context.Context, slot int, _ string) (bool, error) {
	return p.leases[slot].Enabled(ctx, telemetry.TelemetryFlag)
}

func (p *peerPopulation) release(slot int, _ string) {
	p.leases[slot].Release()
	p.leases[slot] = nil
}

// entries sweeps first: the cache evicts lazily, as the actor's loop
// applies its deadlines when a message comes.
func (p *peerPopulation) entries(context.Context) (int, error) {
	p.cache.Sweep()
	return p.cache.Len(), nil
}

func (p *peerPopulation) close() error {
	p.cache.Close()
	return nil
}

// liveHeap is the heap still reachable: HeapAlloc after two collections (the
// second frees what the first only finalized).
func liveHeap() int64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}

// evictAll moves clk past every value's lifetime and waits, in real time and
// bounded, until pop holds no host. With the simclock nothing fires: the
// Stats round trip of entries is what makes the actor apply the expiries.
func evictAll(ctx context.Context, pop population, clk simulated) error {
	clk.Add(flagTTL + time.Minute)
	deadline := time.Now().Add(maxFetchWait)
	for {
		n, err := pop.entries(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d hosts still held %v after every value expired", n, maxFetchWait)
		}
		time.Sleep(time.Millisecond)
	}
}
