package telemetry_test

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/http"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/flagactor/flagactor/internal/flagserver"
	"github.com/flagactor/flagactor/telemetry"
	"github.com/flagactor/flagactor/telemetry/flagactor"
	"github.com/flagactor/flagactor/telemetry/messages"
)

var (
	soakDuration = flag.Duration("soak", 10*time.Second, "how long TestSoak churns connections against the fault-injecting flag server")
	soakSeed     = flag.Uint64("soak.seed", 0, "seed of TestSoak's server faults and workers; 0 picks one from the time")
)

// The soak's shape. The clock is the real one: the flag server models the
// network in real time (latency, drips, resets, TLS handshakes), and the
// actor's fetch timeout has to cut a real drip off. A mock clock would put the
// fetch timeout and the network on two clocks, and a goroutine advancing the
// mock in step with real time would only be the real clock with more races.
// A TTL of 2s has every host refreshed about every two seconds, five times in
// the default 10s soak, and bounds the wait for eviction at the end. Nothing
// in the test sleeps for a TTL: workers pause a few milliseconds to model a
// connection's life, and the end waits for eviction with require.Eventually.
const (
	soakHosts        = 50
	soakWorkers      = 64
	soakTTL          = 2 * time.Second
	soakFetchTimeout = time.Second
	soakDripLasts    = 2 * soakFetchTimeout // every drip outlives the fetch timeout
	soakRetryAfter   = 2 * time.Second      // above the first backoff, so Retry-After is what holds a host off
	soakDriver       = "soak"

	// soakFirstBackoff is the least time the actor waits after a failed
	// fetch before the next (the contract: doubling from 1s, jitter only
	// lengthens it, Retry-After only lengthens it).
	soakFirstBackoff = time.Second
	// soakMinFetchGap is the least time between the starts of two fetches of
	// one host whose entry lives on: after a success the value is fresh for
	// at least 0.9*TTL (jitter shortens by at most 10%), after a failure no
	// fetch starts before the first backoff.
	soakMinFetchGap = min(soakTTL*9/10, soakFirstBackoff)
	// soakLingerMax is the longest an entry without leases may linger after
	// its last fetch ended: its value lives at most TTL, its backoff at most
	// the cap (TTL) plus 20% jitter, or Retry-After.
	soakLingerMax = max(soakTTL, soakTTL*12/10, soakRetryAfter)

	// soakPatience is the deadline of a "patient" call: the fetch timeout
	// bounds any wait for a fetch, so such a call must never run out of time.
	soakPatience = soakFetchTimeout + 3*time.Second
	// soakStallSlack is how late past its context's end a call may return
	// on this noisy machine before it counts as stalled.
	soakStallSlack = 3 * time.Second
)

// soakFaults are the faults of issue 6: 5% 500, 2% 429 with Retry-After, 2%
// connections reset mid-response, 1% garbage JSON, 1% bodies over 1 MiB, 1%
// bodies that drip slower than the fetch timeout.
var soakFaults = flagserver.Faults{
	Error500:   0.05,
	TooMany:    0.02,
	RetryAfter: soakRetryAfter,
	Reset:      0.02,
	Garbage:    0.01,
	Oversized:  0.01,
	Drip:       0.01,
	DripLasts:  soakDripLasts,
}

// soakCanaryFlag is served "true" for the whole soak, beside TelemetryFlag,
// which flips.
const soakCanaryFlag = "soak.canary"

var soakFlags = [2]string{telemetry.TelemetryFlag, soakCanaryFlag}

// TestSoak is the chaos soak of issue 6: 64 goroutines open, query and close
// connections at random across 50 hosts, with contexts that expire or are
// cancelled at random, against a TLS flag server that injects every fault it
// knows. It checks the invariants throughout (from each call and from a
// monitor) and at the end, and prints one summary line.
func TestSoak(t *testing.T) {
	d := *soakDuration
	if d <= 0 {
		t.Skip("-soak is not positive")
	}
	seed := *soakSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("soak setup: duration=%s seed=%d (-soak.seed=%d replays the server's fault sequence)", soakSeconds(d), seed, seed)

	server := flagserver.New(flagserver.Config{
		Flags:   map[string]string{telemetry.TelemetryFlag: "true", soakCanaryFlag: "true"},
		Latency: flagserver.Latency{Min: 0, Max: 200 * time.Millisecond},
		Faults:  soakFaults,
		Seed:    seed,
	})
	r := newSoakRun(t, server, seed)
	// No fetch of the actor can start before this: the bound on requests
	// per host counts from here.
	r.start = time.Now()
	r.actor = flagactor.New(flagactor.WithTTL(soakTTL), flagactor.WithFetchTimeout(soakFetchTimeout))
	defer func() {
		// Also after a failed require: stop the goroutines, then the actor,
		// then the server (both Close calls are idempotent), and print the
		// summary. Once something is stuck, closing could hang too: leave
		// everything for goleak.
		if r.halt() && r.within("Actor.Close", func() { r.actor.Close() }) {
			r.within("Server.Close", server.Close)
		}
		r.logSummary(d)
	}()

	// One pin per host for the whole churn: no host is evicted while the
	// workers run, so once a host has had a good value it keeps one, and
	// "no error while a good value is known" has a sharp meaning.
	client := server.ClientForAnyHost()
	pinFetcher := r.fetcher(client)
	pins := make([]*flagactor.Lease, 0, soakHosts)
	for _, h := range r.hosts {
		pin, err := r.actor.Acquire(t.Context(), h.name, pinFetcher)
		require.NoError(t, err, "pin %s", h.name)
		pins = append(pins, pin)
	}

	r.launch(client)
	timer := time.NewTimer(d)
	<-timer.C
	if !r.halt() {
		t.FailNow()
	}

	// The churn is over: every worker has released its leases.
	r.checkServer()
	st := r.finalStats()
	require.Equal(t, soakHosts, st.Leases, "leases after the churn: only the pins are left")
	require.Equal(t, soakHosts, st.Hosts, "hosts after the churn")
	require.Zero(t, st.Evictions, "evictions during the churn: every host was pinned")

	if !r.within("Lease.Release", func() {
		for _, pin := range pins {
			pin.Release()
		}
	}) {
		t.FailNow()
	}
	st = r.finalStats()
	require.Zero(t, st.Leases, "leases after every connection and pin was released")

	// Nothing holds a host now, no query can start a fetch, and a fetch in
	// flight ends within the fetch timeout; after that an entry lingers at
	// most soakLingerMax. Wait for that, with room for a noisy machine.
	evictBy := soakFetchTimeout + soakLingerMax
	require.Eventuallyf(t, func() bool {
		st, err := r.stats()
		return err == nil && st.Hosts == 0
	}, evictBy+5*time.Second, 20*time.Millisecond, "hosts still held %v after the last lease went (bound %v)", evictBy+5*time.Second, evictBy)
	st = r.finalStats()
	require.EqualValues(t, soakHosts, st.Evictions, "evictions: each host exactly once, after its pin went")
	require.Zero(t, st.Leases)

	var closeErr error
	if !r.within("Actor.Close", func() { closeErr = r.actor.Close() }) {
		t.FailNow()
	}
	require.NoError(t, closeErr, "Actor.Close")
	r.checkServer()
	r.checkFetchAccounting(st)
}

// launch starts the workers, the flag flipper and the monitor.
func (r *soakRun) launch(client *http.Client) {
	for id := range soakWorkers {
		fetcher := r.fetcher(client) // each connection brings its own fetcher
		r.wg.Go(func() { r.worker(uint64(id), fetcher) })
	}
	r.wg.Go(r.flipper)
	r.wg.Go(r.monitor)
	r.finished = make(chan struct{})
	go func() {
		r.wg.Wait()
		close(r.finished)
	}()
}

// soakHaltBound is how long the soak's goroutines may take to stop: a call
// ends with its context at the latest, a patient one after soakPatience.
const soakHaltBound = soakPatience + soakStallSlack + 2*time.Second

// halt stops the soak's goroutines and waits for them, at most soakHaltBound.
// It reports whether they all stopped, and is idempotent.
func (r *soakRun) halt() bool {
	r.stopOnce.Do(func() { close(r.stop) })
	if r.finished == nil || r.stuck {
		return !r.stuck
	}
	select {
	case <-r.finished:
		if r.elapsed == 0 {
			r.elapsed = time.Since(r.start)
		}
		return true
	case <-time.After(soakHaltBound):
	}
	r.stuckWith("the soak's goroutines did not stop within %v of its end", soakHaltBound)
	return false
}

// soakCloseBound bounds a call that waits for the actor (Release when its
// mailbox is full, Close, which waits for fetches at most the fetch timeout)
// or for the server (Close, which waits for its handlers).
const soakCloseBound = soakFetchTimeout + 2*soakStallSlack

// within runs f on a goroutine of its own and waits for it at most
// soakCloseBound. When f does not return in time it fails the test, as
// stuckWith does, and reports false.
func (r *soakRun) within(what string, f func()) bool {
	if r.stuck {
		return false
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
		return true
	case <-time.After(soakCloseBound):
	}
	r.stuckWith("%s did not return within %v", what, soakCloseBound)
	return false
}

// stuckWith fails the test with every goroutine's stack, and marks the run
// stuck so that nothing else waits on what may never answer: a stuck soak
// fails at once, with what it needs to be read, instead of at the test
// binary's timeout. The goroutines left behind are goleak's to report.
func (r *soakRun) stuckWith(format string, args ...any) {
	r.stuck = true
	buf := make([]byte, 4<<20)
	buf = buf[:runtime.Stack(buf, true)]
	r.t.Errorf("soak: stuck: %s; every goroutine:\n%s", fmt.Sprintf(format, args...), buf)
}

// stats asks the actor for its counters, bounded.
func (r *soakRun) stats() (messages.Stats, error) {
	ctx, cancel := context.WithTimeout(context.Background(), soakStallSlack)
	defer cancel()
	return r.actor.Stats(ctx)
}

// finalStats asks the actor for its counters from the test's goroutine, once
// the soak's goroutines have stopped, and keeps them for the summary.
func (r *soakRun) finalStats() messages.Stats {
	st, err := r.stats()
	require.NoError(r.t, err, "Stats")
	r.final = st
	return st
}

// checkFetchAccounting matches the server's count against the fetches made:
// a Fetch of HTTPFetcher sends at most one request (it never retries, and the
// transport only replays a request the server never saw), so the server can
// see no more requests for a host than the actor made fetches of it.
func (r *soakRun) checkFetchAccounting(st messages.Stats) {
	var calls uint64
	perHost := r.server.PerHost()
	for _, h := range r.hosts {
		n := h.fetchCalls()
		calls += uint64(n)
		if got := perHost[h.name].Requests; got > n {
			r.check.fail("request-bound", "%s: the server saw %d requests but the actor made %d fetches", h.name, got, n)
		}
	}
	if calls != st.Fetches {
		r.check.fail("fetch-accounting", "Stats.Fetches = %d, but the fetcher was called %d times", st.Fetches, calls)
	}
	if got := r.server.Requests(); uint64(got) > st.Fetches {
		r.check.fail("fetch-accounting", "the server saw %d requests, more than the %d fetches the actor started", got, st.Fetches)
	}
	r.checkFaultsInjected()
}

// checkFaultsInjected checks that the soak met the faults it was meant to:
// any fault at all once there were 100 requests (12% of requests draw one,
// so none in 100 has odds of 3e-6), and each kind once the requests make 15
// of it expected (none has odds of 3e-7), which a 60s soak does.
func (r *soakRun) checkFaultsInjected() {
	requests := float64(r.server.Requests())
	f := r.server.FaultCounts()
	if requests >= 100 && f.Total() == 0 {
		r.check.fail("faults", "no fault was injected in %v requests: the soak proved nothing", requests)
	}
	for _, kind := range []struct {
		name string
		p    float64
		n    int64
	}{
		{"500", soakFaults.Error500, f.Error500},
		{"429", soakFaults.TooMany, f.TooMany},
		{"reset", soakFaults.Reset, f.Reset},
		{"garbage", soakFaults.Garbage, f.Garbage},
		{"oversized", soakFaults.Oversized, f.Oversized},
		{"drip", soakFaults.Drip, f.Drip},
	} {
		if requests*kind.p >= 15 && kind.n == 0 {
			r.check.fail("faults", "no %s fault in %v requests at %v%%", kind.name, requests, 100*kind.p)
		}
	}
}

// logSummary prints the one summary line, and a line of detail.
func (r *soakRun) logSummary(d time.Duration) {
	st, elapsed := r.final, r.elapsed
	r.check.report()
	invariants := "held"
	switch n := r.check.total(); {
	case n > 0:
		invariants = fmt.Sprintf("violated(%d)", n)
	case r.t.Failed():
		invariants = "violated"
	}
	f := r.server.FaultCounts()
	r.t.Logf("soak: %s ops=%d queries=%d requests=%d faults=%d (500=%d 429=%d reset=%d garbage=%d oversized=%d drip=%d) max_in_flight_per_host=%d invariants=%s",
		soakSeconds(d), r.ops.Load(), r.queries.Load(), r.server.Requests(), f.Total(),
		f.Error500, f.TooMany, f.Reset, f.Garbage, f.Oversized, f.Drip,
		r.server.MaxInFlight(), invariants)

	gaps := r.minGaps()
	r.t.Logf("soak detail: elapsed=%v hosts=%d workers=%d ttl=%v fetch_timeout=%v flips=%d fetches=%d fetch_errors=%d stale_served=%d coalesced=%d evictions=%d "+
		"ctx_errors=%d errors_before_value=%d hosts_with_value=%d/%d max_requests_per_host=%d (bound %d) max_overshoot=%v "+
		"min_gap_after_ok=%v min_gap_after_error=%v min_gap_after_retry_after=%v",
		elapsed.Round(time.Millisecond), soakHosts, soakWorkers, soakTTL, soakFetchTimeout, r.flips.Load(),
		st.Fetches, st.FetchErrors, st.StaleServed, st.Coalesced, st.Evictions,
		r.ctxErrors.Load(), r.errorsBeforeValue.Load(), r.hostsWithValue(), soakHosts,
		r.maxRequestsPerHost(), soakRequestBound(elapsed), time.Duration(r.maxOvershoot.Load()).Round(time.Millisecond),
		gaps[soakOK], gaps[soakFailed], gaps[soakRetryAfterOutcome])
}

// soakRequestBound is the most requests one host can get in elapsed since
// the actor started. Fetches of a host never overlap (at most one in flight),
// and while its entry lives (every host is pinned until the churn ends, and
// no host is acquired after that) the next fetch starts no sooner than
// soakMinFetchGap after the loop saw the previous one end: after a success
// the value is fresh for at least 0.9*TTL, after a failure (an error, a
// timeout, a panic) the backoff is at least 1s. The loop reads the real
// clock, so n fetch starts are spread over at least (n-1)*soakMinFetchGap,
// all after r.start and before now: n <= 1 + elapsed/soakMinFetchGap. Each
// fetch sends at most one request.
func soakRequestBound(elapsed time.Duration) int64 {
	return 1 + int64(elapsed/soakMinFetchGap)
}

// soakSeconds formats d as the flag was likely written: "60s", "10s", "1.5s".
func soakSeconds(d time.Duration) string {
	return fmt.Sprintf("%gs", d.Seconds())
}

// soakRand returns the random source of one goroutine of the soak.
func soakRand(seed, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, stream))
}

// soakRun is one soak: the server, the actor, the hosts, the goroutines and
// what they counted.
type soakRun struct {
	t      *testing.T
	server *flagserver.Server
	actor  *flagactor.Actor
	seed   uint64
	start  time.Time // before the actor started

	hosts  []*soakHost
	byName map[string]*soakHost // read-only once built

	stop     chan struct{} // closed when the soak's time is up
	stopOnce sync.Once
	wg       sync.WaitGroup // workers, flipper, monitor
	finished chan struct{}  // closed once wg is done; nil before launch

	// Only the test's goroutine touches these.
	stuck   bool           // halt or within gave up waiting
	elapsed time.Duration  // from start to the end of the churn
	final   messages.Stats // the actor's counters, as last read by finalStats

	check soakChecker
	soakCounters
}
