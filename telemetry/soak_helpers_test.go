package telemetry_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flagactor/flagactor/internal/flagserver"
	"github.com/flagactor/flagactor/telemetry"
	"github.com/flagactor/flagactor/telemetry/flagactor"
	"github.com/flagactor/flagactor/telemetry/messages"
)

// soakCounters are what the soak's goroutines count, for the summary.
type soakCounters struct {
	ops               atomic.Int64 // Acquire, Enabled and Release calls
	queries           atomic.Int64 // Enabled calls
	ctxErrors         atomic.Int64 // calls that ended with their own context
	errorsBeforeValue atomic.Int64 // query errors while the host had no good value yet
	flips             atomic.Int64 // changes of the served TelemetryFlag
	maxOvershoot      atomic.Int64 // nanoseconds a call returned after its context ended, at most
}

func newSoakRun(t *testing.T, server *flagserver.Server, seed uint64) *soakRun {
	r := &soakRun{
		t:      t,
		server: server,
		seed:   seed,
		byName: make(map[string]*soakHost, soakHosts),
		stop:   make(chan struct{}),
		check:  soakChecker{t: t, counts: map[string]int{}, seen: map[string]bool{}},
	}
	for i := range soakHosts {
		h := newSoakHost(fmt.Sprintf("host-%02d.soak.example", i))
		r.hosts = append(r.hosts, h)
		r.byName[h.name] = h
	}
	return r
}

// running reports whether the soak's time is not up yet.
func (r *soakRun) running() bool {
	select {
	case <-r.stop:
		return false
	default:
		return true
	}
}

// soakHost is one virtual host of the soak and what the soak knows of it.
type soakHost struct {
	name      string   // the normalized key, and the Host header the server sees
	spellings []string // ways a user may write it; all normalize to name

	// hasValue is set once a query of the host has returned a nil error: the
	// actor then holds a good value for it, and (the host being pinned) never
	// drops it.
	hasValue atomic.Bool
	// verified[flag][value] is set once the server is known to have served
	// the value of soakFlags[flag] to this host; what was served stays served.
	verified [len(soakFlags)][2]atomic.Bool

	mu          sync.Mutex // guards the fetch log below
	calls       int64
	lastBegin   time.Time
	lastEnd     time.Time
	lastOutcome soakOutcome
	minGap      [soakOutcomes]soakGap // least time from a fetch's end to the next start, by the first's outcome
}

// soakGap is the time from the end of one fetch of a host to the start of
// the next; zero when none was seen.
type soakGap time.Duration

func (g soakGap) String() string {
	if g == 0 {
		return "none"
	}
	return time.Duration(g).Round(time.Millisecond).String()
}

func newSoakHost(name string) *soakHost {
	return &soakHost{
		name: name,
		spellings: []string{
			name,
			"https://" + strings.ToUpper(name) + "/",
			name + ":443",
			" " + name + ". ",
			"HTTPS://" + name + ":443/",
		},
	}
}

// soakOutcome is how a fetch ended, as the loop saw it.
type soakOutcome int

const (
	soakOK                soakOutcome = iota
	soakFailed                        // an error without Retry-After
	soakRetryAfterOutcome             // a 429 with Retry-After
	soakOutcomes
)

func soakOutcomeOf(err error) soakOutcome {
	var status *telemetry.StatusError
	switch {
	case err == nil:
		return soakOK
	case errors.As(err, &status) && status.RetryAfter() > 0:
		return soakRetryAfterOutcome
	default:
		return soakFailed
	}
}

func (h *soakHost) fetchBegins() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.calls++
	now := time.Now()
	if !h.lastEnd.IsZero() {
		gap := soakGap(now.Sub(h.lastEnd))
		if m := &h.minGap[h.lastOutcome]; *m == 0 || gap < *m {
			*m = gap
		}
	}
	h.lastBegin = now
}

func (h *soakHost) fetchEnds(err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.lastEnd, h.lastOutcome = time.Now(), soakOutcomeOf(err)
	if h.lastEnd.Sub(h.lastBegin) >= soakFetchTimeout {
		// The loop's deadline passed before this result could reach it, and
		// the loop applies deadlines before results: a timeout, whatever
		// the fetcher returned.
		h.lastOutcome = soakFailed
	}
}

func (h *soakHost) fetchCalls() int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.calls
}

// fetcher returns a connection's Fetcher: a real HTTPFetcher through client,
// logged per host.
func (r *soakRun) fetcher(client *http.Client) flagactor.Fetcher {
	inner := &telemetry.HTTPFetcher{Client: client, DriverVersion: soakDriver, UserAgent: "flagactor-soak"}
	return flagactor.FetcherFunc(func(ctx context.Context, host string) (messages.Flags, error) {
		h := r.byName[host]
		if h == nil {
			r.check.fail("fetch-host", "the actor fetched %q, a host no lease named", host)
			return inner.Fetch(ctx, host)
		}
		h.fetchBegins()
		flags, err := inner.Fetch(ctx, host)
		h.fetchEnds(err)
		return flags, err
	})
}

// worker opens, queries and closes connections at random until the soak's
// time is up.
func (r *soakRun) worker(id uint64, fetcher flagactor.Fetcher) {
	rnd := soakRand(r.seed, id+1)
	for r.running() {
		r.connection(rnd, r.hosts[rnd.IntN(len(r.hosts))], fetcher)
		soakPause(rnd, 10*time.Millisecond)
	}
}

// connection is one connection's life: Acquire, a few queries, Release.
func (r *soakRun) connection(rnd *rand.Rand, h *soakHost, fetcher flagactor.Fetcher) {
	call := r.newCall(rnd)
	lease, err := r.actor.Acquire(call.ctx, h.spellings[rnd.IntN(len(h.spellings))], fetcher)
	r.ops.Add(1)
	r.checkInTime(call, "Acquire", h)
	own := call.ownError(err)
	call.end()
	switch {
	case own:
		r.ctxErrors.Add(1)
		if call.patient {
			r.check.fail("no-stall", "%s: Acquire with %v to spare ran out of time", h.name, soakPatience)
		}
		return
	case err != nil:
		r.check.fail("acquire", "%s: Acquire: %v", h.name, err)
		return
	}
	if lease.Host() != h.name {
		r.check.fail("acquire", "lease.Host() = %q, want %q", lease.Host(), h.name)
	}

	for range 1 + rnd.IntN(4) {
		if !r.running() {
			break
		}
		r.query(rnd, lease, h)
		soakPause(rnd, 20*time.Millisecond)
	}

	lease.Release()
	r.ops.Add(1)
	switch rnd.IntN(10) {
	case 0: // a second Release changes nothing (the lease counts at the end tell)
		lease.Release()
		r.ops.Add(1)
	case 1:
		_, err := lease.Enabled(context.Background(), telemetry.TelemetryFlag)
		r.ops.Add(1)
		r.queries.Add(1)
		if !errors.Is(err, flagactor.ErrReleased) {
			r.check.fail("released-lease", "%s: Enabled after Release: err = %v, want ErrReleased", h.name, err)
		}
	}
}

// query asks one flag of h through lease and checks the answer.
func (r *soakRun) query(rnd *rand.Rand, lease *flagactor.Lease, h *soakHost) {
	which := 0
	if rnd.IntN(4) == 0 {
		which = 1
	}
	call := r.newCall(rnd)
	defer call.end()
	// Read before the call: a good value known before the query began.
	hadValue := h.hasValue.Load()
	on, err := lease.Enabled(call.ctx, soakFlags[which])
	r.ops.Add(1)
	r.queries.Add(1)
	r.checkInTime(call, "Enabled", h)

	switch {
	case err == nil:
		h.hasValue.Store(true)
		r.checkServed(h, which, on)
	case call.ownError(err):
		// The caller's own context ended: allowed whatever the actor knows.
		r.ctxErrors.Add(1)
		if call.patient {
			r.check.fail("no-stall", "%s: Enabled with %v to spare ran out of time (fetch timeout %v)", h.name, soakPatience, soakFetchTimeout)
		}
	case hadValue:
		r.check.fail("no-error-with-value", "%s: Enabled(%s) = %v, %v; a query had already got a good value for the host", h.name, soakFlags[which], on, err)
	case errors.Is(err, flagactor.ErrClosed), errors.Is(err, flagactor.ErrReleased), errors.Is(err, flagactor.ErrInvalidHost):
		r.check.fail("error-kind", "%s: Enabled on a live lease of a live actor: %v", h.name, err)
	default:
		// No good value yet: the fetch's error, and false.
		r.errorsBeforeValue.Add(1)
		if on {
			r.check.fail("false-with-error", "%s: Enabled(%s) = true with error %v", h.name, soakFlags[which], err)
		}
	}
}

// checkServed checks that the server really served value of soakFlags[which]
// to h.
func (r *soakRun) checkServed(h *soakHost, which int, value bool) {
	v := &h.verified[which][soakBit(value)]
	if v.Load() {
		return
	}
	if r.server.ServedBool(h.name, soakFlags[which], value) {
		v.Store(true)
		return
	}
	r.check.fail("served-value", "%s: %s answered %v, a value the server never served to the host (served %q)",
		h.name, soakFlags[which], value, r.server.ServedValues(h.name, soakFlags[which]))
}

func soakBit(b bool) int {
	if b {
		return 1
	}
	return 0
}

// soakCall is the context of one call of the soak: it expires, is cancelled,
// or is patient.
type soakCall struct {
	ctx     context.Context
	cancel  context.CancelFunc
	timer   *time.Timer // cancels ctx at a random moment; nil otherwise
	patient bool        // its deadline is far past any fetch: it must never run out
	endsBy  time.Time   // ctx has ended by then, or about
}

// newCall draws a context: 10% already cancelled, 25% expiring within 1-51ms
// (often while a fetch is in flight), 15% cancelled at a random moment within
// 100ms, and 50% patient.
func (r *soakRun) newCall(rnd *rand.Rand) soakCall {
	now := time.Now()
	var c soakCall
	switch p := rnd.IntN(100); {
	case p < 10:
		c.ctx, c.cancel = context.WithCancel(context.Background())
		c.cancel()
		c.endsBy = now
	case p < 35:
		d := time.Millisecond + soakDraw(rnd, 50*time.Millisecond)
		c.ctx, c.cancel = context.WithTimeout(context.Background(), d)
		c.endsBy = now.Add(d)
	case p < 50:
		d := soakDraw(rnd, 100*time.Millisecond)
		c.ctx, c.cancel = context.WithCancel(context.Background())
		c.timer = time.AfterFunc(d, c.cancel)
		c.endsBy = now.Add(d)
	default:
		c.ctx, c.cancel = context.WithTimeout(context.Background(), soakPatience)
		c.endsBy = now.Add(soakPatience)
		c.patient = true
	}
	return c
}

func (c soakCall) end() {
	if c.timer != nil {
		c.timer.Stop()
	}
	c.cancel()
}

// ownError reports whether err is the call's own context ending: what the
// actor returns, unwrapped, when a caller's context ends first.
func (c soakCall) ownError(err error) bool {
	cause := c.ctx.Err()
	return err != nil && cause != nil && err == cause
}

// checkInTime checks that a call returned by its context's end, give or take
// the noise of this machine: no call stalls.
func (r *soakRun) checkInTime(c soakCall, what string, h *soakHost) {
	over := time.Since(c.endsBy)
	for {
		cur := r.maxOvershoot.Load()
		if int64(over) <= cur || r.maxOvershoot.CompareAndSwap(cur, int64(over)) {
			break
		}
	}
	if over > soakStallSlack {
		r.check.fail("no-stall", "%s: %s returned %v after its context ended", h.name, what, over)
	}
}

func soakDraw(rnd *rand.Rand, upTo time.Duration) time.Duration {
	return time.Duration(rnd.Int64N(int64(upTo) + 1))
}

// soakPause sleeps a little real time: a connection's life between calls, and
// what keeps the workers from spinning. It never waits for a TTL.
func soakPause(rnd *rand.Rand, upTo time.Duration) {
	time.Sleep(soakDraw(rnd, upTo))
}

// flipper flips the served TelemetryFlag every 250ms to 1.5s, in mixed case,
// until the soak's time is up.
func (r *soakRun) flipper() {
	rnd := soakRand(r.seed, 0)
	next := func() time.Duration { return 250*time.Millisecond + soakDraw(rnd, 1250*time.Millisecond) }
	on := true
	timer := time.NewTimer(next())
	defer timer.Stop()
	for {
		select {
		case <-r.stop:
			return
		case <-timer.C:
		}
		on = !on
		spellings := [2][2]string{{"false", "False"}, {"true", "TRUE"}}
		r.server.SetFlag(telemetry.TelemetryFlag, spellings[soakBit(on)][rnd.IntN(2)])
		r.flips.Add(1)
		timer.Reset(next())
	}
}

// monitor checks the server's counts and the actor's stats every 250ms until
// the soak's time is up.
func (r *soakRun) monitor() {
	ticker := time.NewTicker(250 * time.Millisecond)
	defer ticker.Stop()
	for {
		select {
		case <-r.stop:
			return
		case <-ticker.C:
		}
		r.checkServer()
		r.checkPinned()
	}
}

// checkServer checks every host the server saw: at most one request in
// flight at any moment, and no more requests than soakRequestBound allows.
func (r *soakRun) checkServer() {
	perHost := r.server.PerHost()
	// Read after the snapshot: every request it counts arrived before now.
	elapsed := time.Since(r.start)
	bound := soakRequestBound(elapsed)
	for host, c := range perHost {
		if r.byName[host] == nil {
			r.check.failOnce("unknown-host", host, "the server saw requests for %q, a host no lease named", host)
			continue
		}
		if c.MaxInFlight > 1 {
			r.check.failOnce("one-in-flight", host, "%s: %d requests in flight at once", host, c.MaxInFlight)
		}
		if c.Requests > bound {
			r.check.failOnce("request-bound", host, "%s: %d requests in %v, more than the TTL and backoff allow (%d: one, then one per %v)",
				host, c.Requests, elapsed.Round(time.Millisecond), bound, soakMinFetchGap)
		}
	}
}

// checkPinned checks the actor's counts while every host is pinned: all 50
// hosts held, none evicted, at least the pins leased.
func (r *soakRun) checkPinned() {
	ctx, cancel := context.WithTimeout(context.Background(), soakStallSlack)
	defer cancel()
	st, err := r.actor.Stats(ctx)
	switch {
	case err != nil:
		r.check.fail("no-stall", "Stats: %v", err)
	case st.Hosts != soakHosts || st.Evictions != 0:
		r.check.fail("hosts-pinned", "Stats.Hosts = %d, Evictions = %d while all %d hosts are pinned", st.Hosts, st.Evictions, soakHosts)
	case st.Leases < soakHosts:
		r.check.fail("hosts-pinned", "Stats.Leases = %d, fewer than the %d pins", st.Leases, soakHosts)
	}
}

func (r *soakRun) maxRequestsPerHost() int64 {
	var most int64
	for _, c := range r.server.PerHost() {
		most = max(most, c.Requests)
	}
	return most
}

func (r *soakRun) hostsWithValue() int {
	n := 0
	for _, h := range r.hosts {
		if h.hasValue.Load() {
			n++
		}
	}
	return n
}

// minGaps returns, by outcome, the least time from the end of a fetch with
// that outcome to the start of the next fetch of the same host, over all
// hosts; 0 when no such pair was seen. For the detail line only: the fetcher
// sees a fetch start a goroutine launch after the loop decided it, so these
// are evidence of the backoff and the TTL, not a sound bound.
func (r *soakRun) minGaps() [soakOutcomes]soakGap {
	var gaps [soakOutcomes]soakGap
	for _, h := range r.hosts {
		h.mu.Lock()
		for o, g := range h.minGap {
			if g > 0 && (gaps[o] == 0 || g < gaps[o]) {
				gaps[o] = g
			}
		}
		h.mu.Unlock()
	}
	return gaps
}

// soakChecker collects invariant violations from every goroutine of the soak
// without stopping them: the first few of each invariant are reported as they
// happen, the rest are counted and reported at the end.
type soakChecker struct {
	t      *testing.T
	mu     sync.Mutex
	counts map[string]int  // violations by invariant
	seen   map[string]bool // invariant and key already reported by failOnce
}

const soakReportsPerInvariant = 5

func (c *soakChecker) fail(invariant, format string, args ...any) {
	c.mu.Lock()
	c.counts[invariant]++
	n := c.counts[invariant]
	c.mu.Unlock()
	if n <= soakReportsPerInvariant {
		c.t.Errorf("soak: invariant %s violated: %s", invariant, fmt.Sprintf(format, args...))
	}
}

// failOnce is fail for a violation that stays true once it is (a high-water
// mark, a count over its bound): it is counted once per key.
func (c *soakChecker) failOnce(invariant, key, format string, args ...any) {
	c.mu.Lock()
	k := invariant + "\x00" + key
	seen := c.seen[k]
	c.seen[k] = true
	c.mu.Unlock()
	if !seen {
		c.fail(invariant, format, args...)
	}
}

func (c *soakChecker) total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, v := range c.counts {
		n += v
	}
	return n
}

// report fails the test with the count of every invariant that was violated
// more often than was reported.
func (c *soakChecker) report() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, invariant := range slices.Sorted(maps.Keys(c.counts)) {
		if n := c.counts[invariant]; n > soakReportsPerInvariant {
			c.t.Errorf("soak: invariant %s violated %d times (the first %d shown)", invariant, n, soakReportsPerInvariant)
		}
	}
}
