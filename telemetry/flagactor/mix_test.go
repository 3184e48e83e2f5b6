package flagactor_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/flagactor/flagactor/telemetry/flagactor"
	"github.com/flagactor/flagactor/telemetry/messages"
)

// Many goroutines acquire, query and release at random across hosts, some of
// them failing, while the clock moves on. Every answer is what the host
// serves, the lease count matches what the goroutines hold, and once all is
// released and the clock has moved past every TTL and backoff, no host is left.
func TestRandomMix(t *testing.T) {
	const (
		workers      = 32
		opsPerWorker = 250
		hosts        = 20
		maxAdvances  = 150
		maxStep      = 20 * time.Second // maxAdvances*maxStep < fetch timeout: no fetch times out
	)
	ttl := time.Minute
	a, mock := newTestActor(t, flagactor.WithTTL(ttl), flagactor.WithFetchTimeout(time.Hour))
	good, bad := answers("true"), newFakeFetcher(always(call{err: errBoom}))
	isBad := func(h int) bool { return h%5 == 0 }
	spellings := []string{"h%d.example.com", "https://H%d.Example.com/", "h%d.example.com.:443"}
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)

	// One goroutine moves the clock, when a worker asks it to.
	advanceReq := make(chan struct{}, 1)
	stopClock := make(chan struct{})
	clockDone := make(chan struct{})
	go func() {
		defer close(clockDone)
		rng := rand.New(rand.NewPCG(seed, 0))
		for advances := 0; ; {
			select {
			case <-advanceReq:
				if advances < maxAdvances {
					mock.Add(time.Duration(rng.Int64N(int64(maxStep))))
					advances++
				}
			case <-stopClock:
				return
			}
		}
	}()

	type held struct {
		lease *flagactor.Lease
		bad   bool
	}
	var (
		wg         sync.WaitGroup
		violations = make(chan string, workers)
		leftMu     sync.Mutex
		left       []held
		ops        atomic.Int64
	)
	for w := range workers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(seed, uint64(w)+1))
			var mine []held
			defer func() {
				leftMu.Lock()
				left = append(left, mine...)
				leftMu.Unlock()
			}()
			for range opsPerWorker {
				ops.Add(1)
				switch x := rng.IntN(10); {
				case x < 3 || len(mine) == 0:
					h := rng.IntN(hosts)
					f := good
					if isBad(h) {
						f = bad
					}
					raw := fmt.Sprintf(spellings[rng.IntN(len(spellings))], h)
					l, err := a.Acquire(t.Context(), raw, f.fetcher())
					if err != nil {
						violations <- fmt.Sprintf("Acquire(%q): %v", raw, err)
						return
					}
					mine = append(mine, held{l, isBad(h)})
				case x < 7:
					h := mine[rng.IntN(len(mine))]
					got := enabled(h.lease)
					switch {
					case h.bad && (got.on || !errors.Is(got.err, errBoom)):
						violations <- fmt.Sprintf("failing host %s: got %+v, want false and %v", h.lease.Host(), got, errBoom)
						return
					case !h.bad && (!got.on || got.err != nil):
						violations <- fmt.Sprintf("good host %s: got %+v, want true", h.lease.Host(), got)
						return
					}
				default:
					i := rng.IntN(len(mine))
					mine[i].lease.Release()
					mine[i] = mine[len(mine)-1]
					mine = mine[:len(mine)-1]
				}
				if rng.IntN(30) == 0 {
					select {
					case advanceReq <- struct{}{}:
					default:
					}
				}
			}
		})
	}
	wg.Wait()
	close(stopClock)
	<-clockDone
	close(violations)
	for v := range violations {
		t.Error(v)
	}
	require.False(t, t.Failed(), "invariants broken")

	st := stats(t, a)
	t.Logf("%d ops; %+v", ops.Load(), st)
	require.Equal(t, len(left), st.Leases, "leases the actor counts vs leases the workers hold")

	for _, h := range left {
		h.lease.Release()
	}
	require.Equal(t, 0, stats(t, a).Leases, "leases after releasing all")
	// Past every TTL (≤ 1m) and every backoff (≤ 1.2 × 1m): no host is left.
	// A refresh may still be finishing, so move on until it has.
	var last messages.Stats
	ok := waitFor(func() bool {
		last = advance(t, mock, a, 2*ttl)
		return last.Hosts == 0
	})
	require.True(t, ok, "hosts left after every lease was released and the clock moved on: %+v", last)
	require.Equal(t, 0, last.Leases, "leases at the end")
	require.NotZero(t, last.Evictions, "evictions")
}
