package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flagactor/flagactor/cmd/actorbench/internal/mutexpolicy"
	"github.com/flagactor/flagactor/cmd/actorbench/internal/simclock"
	"github.com/flagactor/flagactor/telemetry"
	"github.com/flagactor/flagactor/telemetry/flagactor"
	"github.com/flagactor/flagactor/telemetry/messages"
)

// testPeerFollowsTheFailureTable drives the failure table's rows that no
// scenario reaches (a lease's own failure, Invalidate) by scripts: each runs
// once on the actor and once on the mutex-policy peer, on a simulated clock, and the two traces (every query's
// answer and every client's fetch count after every step) must be equal.
// The clock moves by whole seconds and no host fails more than three times
// in a row without a Retry-After, so the backoff's jitter (up to 20%) never
// decides a step: 1s, 2s and 4s backoffs end before the next second but one.
// The server's TTL is a minute, so a value turns stale between 54s and 60s
// after it came (the expiry grid of each implementation has a phase of its
// own): the scripts wait 61s.
func testPeerFollowsTheFailureTable(t *testing.T) {
	for _, sc := range []struct {
		name   string
		script func(w *policyWorld)
	}{
		{"a pool of short-lived connections whose clients fail", func(w *policyWorld) {
			good, bad := w.client(fetchGood), w.client(fetchOwn)
			w.open(0, good)
			w.query(0)
			w.add(61 * time.Second) // stale; lease 0 keeps the entry
			for i := 1; i <= 12; i++ {
				w.open(i, bad)
				w.query(i)
				w.release(i)
				if i == 1 {
					w.release(0) // from here the pool's backoffs keep it
				}
				w.add(time.Second)
			}
			w.open(99, good)
			w.query(99)
		}},
		{"a good client behind a bad pool that asks first", func(w *policyWorld) {
			good, bad := w.client(fetchGood), w.client(fetchOwn)
			for i := range 3 {
				w.open(i, bad)
			}
			w.open(3, good)
			round := func() {
				for i := range 4 {
					w.query(i)
				}
			}
			for range 4 {
				round()
				w.add(time.Second)
			}
			w.add(61 * time.Second)
			for range 3 {
				round()
				w.add(time.Second)
			}
		}},
		{"a new connection waits for the next step", func(w *policyWorld) {
			bad := w.client(fetchOwn)
			w.open(0, bad)
			w.open(1, bad)
			w.query(0)
			w.query(1) // the host backs off: step 1
			w.open(2, w.client(fetchGood))
			w.query(2) // acquired in step 1: not admitted
			w.add(time.Second)
			w.query(2)
			w.add(2 * time.Second)
			w.query(2)
		}},
		{"Invalidate during a failing fetch", func(w *policyWorld) {
			for _, mode := range []fetchMode{fetchOwn, fetchServer} {
				c := w.client(mode)
				w.open(int(mode), c)
				wait := w.queryHeld(int(mode), c)
				w.invalidate()
				wait()
				w.query(int(mode)) // no backoff: fetches again
				w.query(int(mode)) // that failure backs off
				w.add(time.Second)
				w.invalidate() // ends both backoffs
				w.query(int(mode))
				w.release(int(mode))
				w.add(2 * time.Second)
			}
		}},
		{"Invalidate of a good fetch in flight keeps its value stale", func(w *policyWorld) {
			c := w.client(fetchGood)
			w.open(0, c)
			wait := w.queryHeld(0, c)
			w.invalidate()
			wait()
			w.query(0) // stale: refreshes
			w.query(0)
		}},
		{"the waiters of a lease's own failure fetch through their own clients", func(w *policyWorld) {
			bad, good := w.client(fetchOwn), w.client(fetchGood)
			w.open(0, bad)
			w.open(1, bad)
			w.open(2, good)
			wait := w.queryHeld(0, bad)
			waiters := []func(){w.queryWaiting(1), w.queryWaiting(2)}
			wait()
			for _, wait := range waiters {
				wait()
			}
			w.query(1)
		}},
		{"an entry lingers through a lease's own backoff, no longer", func(w *policyWorld) {
			bad := w.client(fetchOwnRetryAfter)
			w.open(0, bad)
			w.query(0)
			w.release(0)
			w.add(19 * time.Minute) // inside the Retry-After: the entry and its backoff stay
			w.open(1, bad)
			w.query(1)
			w.release(1)
			w.add(21 * time.Minute) // past it: evicted, a new entry fetches
			w.open(2, bad)
			w.query(2)
		}},
	} {
		t.Run(sc.name, func(t *testing.T) {
			actor := runPolicyScript(t, implActor, sc.script)
			peer := runPolicyScript(t, implMutexPolicy, sc.script)
			if a, p := strings.Join(actor, "\n"), strings.Join(peer, "\n"); a != p {
				t.Errorf("the peer departs from the actor\nactor:\n%s\nmutex-policy:\n%s", a, p)
			}
		})
	}
}

// fetchMode is how a script's client answers.
type fetchMode int

const (
	fetchGood             fetchMode = iota // the flags, with a TTL of a minute
	fetchOwn                               // its own failure (ErrClientFailed)
	fetchServer                            // the server's failure (a 500)
	fetchOwnRetryAfter                     // its own failure (ErrCredentialRejected) with a Retry-After of 20 minutes
	fetchServerRetryAfter                  // the server's failure (a 429) with a Retry-After of 20 minutes
)

// scriptClient is one client (a connection's Fetcher) of a script.
type scriptClient struct {
	name  string
	mode  fetchMode
	calls atomic.Int64
	hold  atomic.Pointer[fetchHold] // when set, the next Fetch takes it and waits
}

// fetchHold holds one Fetch: it signals entered, then waits for released.
type fetchHold struct{ entered, released chan struct{} }

// retryAfterError asks for a wait of 20 minutes; own, it wraps
// ErrCredentialRejected.
type retryAfterError struct{ own bool }

func (e retryAfterError) Error() string {
	return fmt.Sprintf("401 or 429 with Retry-After (own: %v)", e.own)
}
func (e retryAfterError) Unwrap() error {
	if e.own {
		return flagactor.ErrCredentialRejected
	}
	return nil
}
func (retryAfterError) RetryAfter() time.Duration { return 20 * time.Minute }

func (c *scriptClient) Fetch(context.Context, string) (messages.Flags, error) {
	c.calls.Add(1)
	if h := c.hold.Swap(nil); h != nil {
		close(h.entered)
		<-h.released
	}
	switch c.mode {
	case fetchOwn:
		return messages.Flags{}, fmt.Errorf("%s: %w", c.name, flagactor.ErrClientFailed)
	case fetchServer:
		return messages.Flags{}, errors.New(c.name + ": 500")
	case fetchOwnRetryAfter, fetchServerRetryAfter:
		return messages.Flags{}, retryAfterError{own: c.mode == fetchOwnRetryAfter}
	}
	return messages.Flags{Values: flagsOn, TTL: time.Minute}, nil
}

// policyLease is a lease of the actor or of the peer.
type policyLease interface {
	Enabled(ctx context.Context, flag string) (bool, error)
	Release()
}

// policyWorld runs a script on one implementation and records its trace.
type policyWorld struct {
	t       *testing.T
	ctx     context.Context
	clk     *simclock.Clock
	acquire func(id int, c *scriptClient)
	inval   func() error
	idle    func() bool // no fetch in flight: every result applied
	waiting func() uint64
	leases  map[int]policyLease
	clients []*scriptClient
	held    []func() // lets held fetches go, at the end of a script that failed
	trace   []string
}

func runPolicyScript(t *testing.T, impl string, script func(w *policyWorld)) []string {
	t.Helper()
	clk := simclock.New(simStart())
	w := &policyWorld{t: t, ctx: t.Context(), clk: clk, leases: map[int]policyLease{}}
	switch impl {
	case implActor:
		a := flagactor.New(flagactor.WithClock(clk))
		defer a.Close()
		w.acquire = func(id int, c *scriptClient) {
			l, err := a.Acquire(w.ctx, benchHost, c)
			if err != nil {
				t.Fatal(err)
			}
			w.leases[id] = l
		}
		w.inval = func() error { return a.Invalidate(w.ctx, benchHost) }
		w.idle = func() bool {
			hs, err := a.Hosts(w.ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range hs {
				if h.Fetching {
					return false
				}
			}
			return true
		}
		w.waiting = func() uint64 {
			st, err := a.Stats(w.ctx)
			if err != nil {
				t.Fatal(err)
			}
			return st.Coalesced
		}
	case implMutexPolicy:
		c := mutexpolicy.New(clk)
		defer c.Close()
		w.acquire = func(id int, sc *scriptClient) {
			l, err := c.Acquire(benchHost, sc)
			if err != nil {
				t.Fatal(err)
			}
			w.leases[id] = l
		}
		w.inval = func() error { return c.Invalidate(benchHost) }
		w.idle = func() bool { return c.Stats().Fetching == 0 }
		w.waiting = func() uint64 { return c.Stats().Coalesced }
	}
	script(w)
	for _, l := range w.leases {
		l.Release()
	}
	for _, release := range w.held {
		release()
	}
	return w.trace
}

// client makes a client answering as mode.
func (w *policyWorld) client(mode fetchMode) *scriptClient {
	c := &scriptClient{name: fmt.Sprintf("client %d", len(w.clients)), mode: mode}
	w.clients = append(w.clients, c)
	return c
}

// note records what happened, with every client's fetch count, once no
// fetch is in flight.
func (w *policyWorld) note(what string) {
	w.t.Helper()
	if len(w.held) == 0 {
		w.settle()
	}
	var b strings.Builder
	b.WriteString(what + "; fetches:")
	for _, c := range w.clients {
		fmt.Fprintf(&b, " %d", c.calls.Load())
	}
	w.trace = append(w.trace, b.String())
}

// settle waits, in real time and bounded, until no fetch is in flight.
func (w *policyWorld) settle() {
	w.t.Helper()
	for deadline := time.Now().Add(maxFetchWait); !w.idle(); {
		if time.Now().After(deadline) {
			w.t.Fatal("a fetch still in flight after", maxFetchWait)
		}
		time.Sleep(50 * time.Microsecond) // a fetch goroutine's result, not a TTL
	}
}

func (w *policyWorld) open(id int, c *scriptClient) {
	w.acquire(id, c)
	w.note(fmt.Sprintf("open %d (%s)", id, c.name))
}

func (w *policyWorld) query(id int) {
	w.t.Helper()
	v, err := w.leases[id].Enabled(w.ctx, telemetry.TelemetryFlag)
	w.note(fmt.Sprintf("query %d: %s", id, answerKind(v, err)))
}

// queryHeld queries lease id, whose fetch through c is held until the
// returned func, which lets it go and records the query's answer.
func (w *policyWorld) queryHeld(id int, c *scriptClient) func() {
	w.t.Helper()
	h := &fetchHold{entered: make(chan struct{}), released: make(chan struct{})}
	c.hold.Store(h)
	release := sync.OnceFunc(func() { close(h.released) })
	w.held = append(w.held, release)
	done := w.queryAsync(id)
	select {
	case <-h.entered:
	case <-time.After(maxFetchWait):
		w.t.Fatal("the held fetch never started")
	}
	return func() {
		w.held = w.held[:len(w.held)-1]
		release()
		done()
	}
}

// queryWaiting queries lease id while a held fetch runs, and returns once the
// query waits on it; the returned func records its answer.
func (w *policyWorld) queryWaiting(id int) func() {
	w.t.Helper()
	before := w.waiting()
	done := w.queryAsync(id)
	for deadline := time.Now().Add(maxFetchWait); w.waiting() == before; {
		if time.Now().After(deadline) {
			w.t.Fatal("the query never waited on the fetch")
		}
		time.Sleep(50 * time.Microsecond)
	}
	return done
}

func (w *policyWorld) queryAsync(id int) func() {
	type reply struct {
		v   bool
		err error
	}
	ch := make(chan reply, 1)
	l := w.leases[id]
	go func() {
		v, err := l.Enabled(w.ctx, telemetry.TelemetryFlag)
		ch <- reply{v, err}
	}()
	return func() {
		r := <-ch
		w.note(fmt.Sprintf("query %d: %s", id, answerKind(r.v, r.err)))
	}
}

func (w *policyWorld) release(id int) {
	w.leases[id].Release()
	delete(w.leases, id)
	w.note(fmt.Sprintf("release %d", id))
}

func (w *policyWorld) invalidate() {
	w.t.Helper()
	if err := w.inval(); err != nil {
		w.t.Fatal(err)
	}
	w.note("invalidate")
}

func (w *policyWorld) add(d time.Duration) {
	w.clk.Add(d)
	w.note(fmt.Sprintf("+%v", d))
}

// answerKind names an answer by its kind of error, not its text.
func answerKind(v bool, err error) string {
	switch {
	case err == nil:
		return fmt.Sprint(v)
	case errors.Is(err, flagactor.ErrReleased):
		return "released"
	case errors.Is(err, flagactor.ErrClientFailed), errors.Is(err, flagactor.ErrCredentialRejected):
		return fmt.Sprintf("%v, own error", v)
	}
	return fmt.Sprintf("%v, error", v)
}

// testPeerFollowsTheTableAtRandom runs random scripts on both: leases of
// good clients and of clients that fail on their own or for the server's
// reasons, opened, queried and released in random order, Invalidate, and
// the clock moving. Every failure asks for a Retry-After of 20 minutes,
// longer than any jittered backoff, and the clock moves by multiples of 61s
// (past a value's expiry, never onto a backoff's end), so no step depends on
// jitter.
func testPeerFollowsTheTableAtRandom(t *testing.T) {
	const sequences, events = 400, 50
	for seq := range sequences {
		seed := uint64(seq)
		script := func(w *policyWorld) {
			r := rand.New(rand.NewPCG(seed, 26))
			clients := []*scriptClient{w.client(fetchGood), w.client(fetchOwnRetryAfter), w.client(fetchServerRetryAfter)}
			var live []int
			for id := range events {
				switch n := r.IntN(10); {
				case n < 3 || len(live) == 0:
					w.open(id, clients[r.IntN(len(clients))])
					live = append(live, id)
				case n < 6:
					w.query(live[r.IntN(len(live))])
				case n < 7:
					i := r.IntN(len(live))
					w.release(live[i])
					live = append(live[:i], live[i+1:]...)
				case n < 8:
					w.invalidate()
				default:
					w.add(time.Duration(61*(1+r.IntN(20))) * time.Second)
				}
			}
		}
		actor := runPolicyScript(t, implActor, script)
		peer := runPolicyScript(t, implMutexPolicy, script)
		if a, p := strings.Join(actor, "\n"), strings.Join(peer, "\n"); a != p {
			t.Fatalf("seed %d: the peer departs from the actor\nactor:\n%s\nmutex-policy:\n%s", seed, a, p)
		}
	}
}
