package main

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/flagactor/flagactor/internal/flagserver"
	"github.com/flagactor/flagactor/telemetry"
	"github.com/flagactor/flagactor/telemetry/flagactor"
	"github.com/flagactor/flagactor/telemetry/messages"
)

// benchHost is the workspace every single-host scenario asks. It is already
// normal, so the actor and the baseline (which keys raw strings) file it
// under the same key; ClientForAnyHost sends it to the in-process server.
const benchHost = "workspace.bench.example"

// driverVersion is the version segment of the flag URL.
const driverVersion = "1.0.0-actorbench"

// flagsOn is what the server serves: the telemetry flag on. Any false answer
// a scenario gets is therefore wrong.
var flagsOn = map[string]string{telemetry.TelemetryFlag: "true"}

// flagService is one scenario run's in-process flag server and the fetcher
// every implementation uses against it. Each run gets its own, so the
// server's counters belong to one implementation.
type flagService struct {
	server  *flagserver.Server
	fetcher *gaugedFetcher
}

// newFlagService starts a TLS flag server on loopback with cfg (flags on
// unless cfg says otherwise) and a telemetry.HTTPFetcher whose client sends
// any host name to it.
func newFlagService(cfg flagserver.Config) *flagService {
	if cfg.Flags == nil {
		cfg.Flags = flagsOn
	}
	s := flagserver.New(cfg)
	client := s.ClientForAnyHost()
	if t, ok := client.Transport.(*http.Transport); ok {
		// The fleet's processes would each keep a connection of their own;
		// sharing one pool, they must not lose it to the default of two idle
		// connections per host and pay a TLS handshake per refresh.
		t.MaxIdleConnsPerHost = 256
	}
	return &flagService{
		server: s,
		fetcher: newGaugedFetcher(&telemetry.HTTPFetcher{
			Client:        client,
			DriverVersion: driverVersion,
		}),
	}
}

// fetches is the number of requests the server received: the one count
// every fetch-counting scenario reports.
func (fs *flagService) fetches() int64 { return fs.server.Requests() }

func (fs *flagService) close() { fs.server.Close() }

// gaugedFetcher passes every Fetch to next and knows how many are running,
// so a simulation can wait for them before it moves its clock on.
type gaugedFetcher struct {
	next     flagactor.Fetcher
	inflight atomic.Int64
	idle     chan struct{} // gets a token whenever inflight drops to zero
}

func newGaugedFetcher(next flagactor.Fetcher) *gaugedFetcher {
	return &gaugedFetcher{next: next, idle: make(chan struct{}, 1)}
}

func (g *gaugedFetcher) Fetch(ctx context.Context, host string) (messages.Flags, error) {
	g.inflight.Add(1)
	defer func() {
		if g.inflight.Add(-1) == 0 {
			select {
			case g.idle <- struct{}{}:
			default: // a token is already waiting
			}
		}
	}()
	return g.next.Fetch(ctx, host)
}

// maxFetchWait bounds, in real time, how long a simulation waits for its
// fetches before it gives up with an error instead of hanging.
const maxFetchWait = 30 * time.Second

// waitIdle returns once no Fetch is running.
func (g *gaugedFetcher) waitIdle() error {
	if g.inflight.Load() == 0 {
		return nil // most steps: no timer needed
	}
	timeout := time.NewTimer(maxFetchWait)
	defer timeout.Stop()
	for g.inflight.Load() != 0 {
		select {
		case <-g.idle: // a token may be stale: the loop checks the count again
		case <-timeout.C:
			return fmt.Errorf("%d fetches still running after %v", g.inflight.Load(), maxFetchWait)
		}
	}
	return nil
}

// memoryFetcher answers every host at once from memory, with flagsOn and a
// 15-minute TTL, and counts its calls. The memory and scale scenarios use it
// so the heap they measure holds only what the implementation keeps, not
// connections and TLS state.
type memoryFetcher struct {
	calls atomic.Int64
}

func (m *memoryFetcher) Fetch(context.Context, string) (messages.Flags, error) {
	m.calls.Add(1)
	return messages.Flags{Values: flagsOn, TTL: 15 * time.Minute}, nil
}

// perSecondSeries turns the server's per-second counts into one value per
// simulated second from start, zeros included.
func perSecondSeries(counts []flagserver.SecondCount, start time.Time, seconds int) []float64 {
	series := make([]float64, seconds)
	for _, c := range counts {
		if i := c.Unix - start.Unix(); i >= 0 && i < int64(seconds) {
			series[i] += float64(c.Requests)
		}
	}
	return series
}
