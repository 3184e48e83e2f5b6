package flagactor

// A plain sequential model of the failure policy (the table in
// failpolicy.go), and the tests that drive the actor and the model with the
// same events and require the same answers, errors, fetch counts, Stats and
// HostStatus after every step. The actor runs on its default clock inside a
// testing/synctest bubble, where time moves only when every goroutine waits,
// and without jitter (config.noJitter), so that the model computes the same
// times.

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/flagactor/flagactor/telemetry/messages"
)

const (
	modelTTL          = time.Minute
	modelFetchTimeout = 10 * time.Second
	modelRetryAfter   = 20 * time.Second
	modelHost         = "model.example.com"
	modelFlag         = "f"
	modelLeases       = 4 // lease slots, each with a client of its own
)

// op is one kind of event.
type op uint8

const (
	opAcquire    op = iota // acquire the slot's lease, if it has none
	opRelease              // release it
	opQuery                // Enabled, on a goroutine of its own (it may wait)
	opPeek                 // Peek
	opInvalidate           // Invalidate the host
	opAdvance              // move the clock by modelSteps[arg]
	opComplete             // the fetch goroutine that is running returns outcome(arg)
	opCancel               // the context of the slot's oldest waiting query ends
	numOps
)

// outcome is how a fetch ends.
type outcome uint8

const (
	outGoodOn        outcome = iota // "true", the default TTL
	outGoodOff                      // "false", a server TTL of 90s
	outGoodLong                     // "true", a server TTL of 2h (clamped to 1h)
	outServer                       // an error status
	outRetryAfter                   // an error with Retry-After
	outOwnClient                    // ErrClientFailed
	outOwnCred                      // ErrCredentialRejected
	outPanic                        // the Fetcher panics
	outGoexit                       // the Fetcher calls runtime.Goexit
	outOwnRetryAfter                // ErrCredentialRejected, with Retry-After
	numOutcomes
)

var modelSteps = []time.Duration{time.Millisecond, 500 * time.Millisecond, time.Second, 2 * time.Second,
	5 * time.Second, modelFetchTimeout, 30 * time.Second, time.Minute, 10 * time.Minute}

// event is one step of a sequence.
type event struct {
	op    op
	slot  int
	arg   uint8
	delay time.Duration // opAdvance
}

func (ev event) String() string {
	names := [...]string{"acquire", "release", "query", "peek", "invalidate", "advance", "complete", "cancel"}
	switch ev.op {
	case opAdvance:
		return fmt.Sprintf("advance %v", ev.delay)
	case opComplete:
		return fmt.Sprintf("complete %s", [...]string{"good-on", "good-off-90s", "good-on-2h", "server", "retry-after", "own-client", "own-cred", "panic", "goexit", "own-cred-retry-after"}[ev.arg])
	case opInvalidate:
		return "invalidate"
	}
	return fmt.Sprintf("%s %d", names[ev.op], ev.slot)
}

// decodeEvents turns bytes (two per event) into events: the fuzz target's input.
func decodeEvents(b []byte) []event {
	evs := make([]event, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		ev := event{op: op(b[i] % uint8(numOps)), slot: int(b[i]/uint8(numOps)) % modelLeases}
		switch ev.op {
		case opAdvance:
			ev.delay = modelSteps[int(b[i+1])%len(modelSteps)]
		case opComplete:
			ev.arg = b[i+1] % uint8(numOutcomes)
		}
		evs = append(evs, ev)
	}
	return evs
}

// randomEvents is a random sequence of n events, weighted so that fetches
// start, end and time out often.
func randomEvents(r *rand.Rand, n int) []event {
	weights := [numOps]int{opAcquire: 12, opRelease: 7, opQuery: 20, opPeek: 14, opInvalidate: 5, opAdvance: 20, opComplete: 22, opCancel: 4}
	total := 0
	for _, w := range weights {
		total += w
	}
	var live [modelLeases]bool // so that most events find a lease to act on
	evs := make([]event, n)
	for i := range evs {
		x := r.IntN(total)
		var o op
		for o = 0; x >= weights[o]; o++ {
			x -= weights[o]
		}
		slot := r.IntN(modelLeases)
		for range modelLeases {
			if live[slot] != (o == opAcquire) {
				break
			}
			slot = (slot + 1) % modelLeases
		}
		switch o {
		case opAcquire:
			live[slot] = true
		case opRelease:
			live[slot] = false
		}
		evs[i] = event{op: o, slot: slot, arg: uint8(r.IntN(int(numOutcomes))),
			delay: modelSteps[r.IntN(len(modelSteps))]}
	}
	return evs
}

// cause is the error a Fetcher returns for o, in fetch n.
func cause(o outcome, n int) error {
	switch o {
	case outServer:
		return fmt.Errorf("server error #%d", n)
	case outRetryAfter:
		return retryAfterErr{n}
	case outOwnClient:
		return fmt.Errorf("client #%d: %w", n, ErrClientFailed)
	case outOwnCred:
		return fmt.Errorf("token #%d: %w", n, ErrCredentialRejected)
	case outOwnRetryAfter:
		return fmt.Errorf("token #%d: %w (%w)", n, ErrCredentialRejected, retryAfterErr{n})
	}
	return nil
}

type retryAfterErr struct{ n int }

func (e retryAfterErr) Error() string             { return fmt.Sprintf("slow down #%d", e.n) }
func (e retryAfterErr) RetryAfter() time.Duration { return modelRetryAfter }

// perform is fetch n ending as o, on the fetch goroutine.
func perform(o outcome, n int) (messages.Flags, error) {
	switch o {
	case outGoodOn:
		return messages.Flags{Values: map[string]string{modelFlag: "true"}}, nil
	case outGoodOff:
		return messages.Flags{Values: map[string]string{modelFlag: "false"}, TTL: 90 * time.Second}, nil
	case outGoodLong:
		return messages.Flags{Values: map[string]string{modelFlag: "true"}, TTL: 2 * time.Hour}, nil
	case outPanic:
		panic(fmt.Sprintf("panic #%d", n))
	case outGoexit:
		runtime.Goexit()
	}
	return messages.Flags{}, cause(o, n)
}

// reply is what a query returned: the flag, and the error's text ("" for none).
type reply struct {
	on  bool
	err string
}

func replyOf(on bool, err error) reply {
	if err == nil {
		return reply{on: on}
	}
	return reply{on, err.Error()}
}

// ---- the model ----

type mLease struct {
	id    int
	slot  int
	live  bool
	step  uint32
	own   bool // an own backoff was counted
	k     int
	epoch uint32
	until int64
	err   string
}

type mFetch struct {
	n           int
	by          *mLease
	deadline    int64
	invalidated bool
	timedOut    bool
	waiters     []mWaiter
}

type mWaiter struct {
	query int
	lease *mLease
}

// model is the table, one host, sequentially.
type model struct {
	epoch time.Time
	now   int64

	exists    bool
	leases    int
	hasValue  bool
	on        bool
	fresh     bool
	fetchedAt int64
	expiresAt int64
	fetch     *mFetch
	failures  int
	retryAt   int64
	admitting bool
	steps     uint32
	lastOwn   *mLease
	ownUntil  int64
	lastErr   string
	leaseEp   uint32

	cancelled map[int]bool // queries whose context ended while they waited
	slots     [modelLeases]*mLease
	nextID    int
	stats     messages.Stats
	calls     [modelLeases]int
	nudges    int
	replies   map[int]reply // answers given, by query number
}

func newModel(epoch time.Time) *model {
	return &model{epoch: epoch, now: int64(epochLead), replies: map[int]reply{}, cancelled: map[int]bool{}}
}

func (m *model) delay(n int, retryAfter time.Duration) int64 {
	d := modelTTL
	if n <= 31 {
		d = min(time.Second<<(n-1), modelTTL)
	}
	return m.now + int64(max(d, retryAfter))
}

func (m *model) ownHolds(l *mLease) bool {
	return l.own && l.epoch == m.leaseEp && m.now < l.until
}

func (m *model) mayFetch(l *mLease) bool {
	noOwnFailure := !l.own || l.epoch != m.leaseEp
	return m.fetch == nil && (m.now >= m.retryAt && !m.ownHolds(l) || m.now < m.retryAt && m.admitting && l.step < m.steps && noOwnFailure)
}

func (m *model) refusal(l *mLease) string {
	if m.ownHolds(l) {
		return l.err
	}
	return m.lastErr
}

func (m *model) linger() int64 {
	until := max(m.retryAt, m.ownUntil)
	if m.hasValue {
		until = max(until, m.expiresAt)
	}
	return until
}

func (m *model) nextWake() int64 {
	next := int64(noWake)
	if m.fresh {
		next = m.expiresAt
	}
	if m.fetch != nil && !m.fetch.timedOut {
		next = min(next, m.fetch.deadline)
	}
	if m.leases == 0 && m.fetch == nil {
		next = min(next, m.linger())
	}
	return next
}

// settle applies the deadlines that have passed: the clock rows.
func (m *model) settle() {
	if m.fresh && m.now >= m.expiresAt {
		m.fresh = false
	}
	if f := m.fetch; f != nil && !f.timedOut && m.now >= f.deadline {
		f.timedOut = true
		m.failed(f, newFetchError(modelHost, ErrFetchTimeout).Error(), 0, false)
	}
	if m.leases == 0 && m.fetch == nil && m.now >= m.linger() {
		*m = model{epoch: m.epoch, now: m.now, slots: m.slots, nextID: m.nextID, stats: m.stats,
			calls: m.calls, nudges: m.nudges, replies: m.replies, cancelled: m.cancelled}
		m.stats.Evictions++
	}
}

func (m *model) advance(d time.Duration) {
	target := m.now + int64(d)
	for m.exists {
		w := m.nextWake()
		if w > target {
			break
		}
		m.now = w
		m.settle()
	}
	m.now = target
}

func (m *model) startFetch(l *mLease) *mFetch {
	m.stats.Fetches++
	m.calls[l.slot]++
	m.fetch = &mFetch{n: int(m.stats.Fetches), by: l, deadline: m.now + int64(modelFetchTimeout)}
	m.admitting = false
	return m.fetch
}

func (m *model) answer(w mWaiter, r reply) {
	if !m.cancelled[w.query] {
		m.replies[w.query] = r
	}
}

// cancel ends the context of waiting query q: it returns at once, and the
// fetch forgets it.
func (m *model) cancel(q int) {
	m.cancelled[q] = true
	m.replies[q] = reply{err: context.Canceled.Error()}
}

func (m *model) endBackoff() {
	m.failures, m.retryAt, m.admitting, m.lastOwn, m.ownUntil = 0, 0, false, nil, 0
}

func (m *model) succeeded(f *mFetch, o outcome) {
	f.by.own = false
	ttl := modelTTL
	switch o {
	case outGoodOff:
		ttl = 90 * time.Second
	case outGoodLong:
		ttl = maxServerTTL
	}
	m.hasValue, m.on = true, o != outGoodOff
	m.fetchedAt, m.expiresAt = m.now, m.now+int64(ttl)
	m.endBackoff()
	m.lastErr = ""
	m.fresh = !f.invalidated
	for _, w := range f.waiters {
		m.answer(w, reply{on: m.on})
	}
}

// failed is the failure rows for fetch f; m.fetch is nil unless f timed out.
func (m *model) failed(f *mFetch, text string, retryAfter time.Duration, own bool) {
	m.stats.FetchErrors++
	m.lastErr = text
	switch {
	case f.invalidated:
	case own:
		l := f.by
		k := 1
		if l.own && l.epoch == m.leaseEp {
			k = l.k + 1
		}
		l.own, l.k, l.epoch, l.err = true, k, m.leaseEp, text
		l.until = m.delay(k, retryAfter)
		m.ownUntil = max(m.ownUntil, l.until)
		if m.lastOwn != nil && m.lastOwn != l && m.now >= m.retryAt {
			m.failures++
			m.retryAt = m.delay(m.failures, retryAfter)
			m.steps++
			m.admitting = true
		}
		m.lastOwn = l
	default:
		m.failures++
		m.retryAt = m.delay(m.failures, retryAfter)
		m.admitting, m.lastOwn = false, nil
	}
	if m.hasValue {
		for _, w := range f.waiters {
			m.answer(w, reply{on: m.on})
		}
		return
	}
	var next *mFetch
	for _, w := range f.waiters {
		switch {
		case m.cancelled[w.query]:
		case !w.lease.live:
			m.answer(w, reply{err: ErrReleased.Error()})
		case own && !f.invalidated && next == nil && m.mayFetch(w.lease):
			next = m.startFetch(w.lease)
			next.waiters = append(next.waiters, w)
		case next != nil && !m.ownHolds(w.lease):
			next.waiters = append(next.waiters, w)
		default:
			m.answer(w, reply{err: m.refusal(w.lease)})
		}
	}
}

func (m *model) acquire(slot int) {
	if !m.exists {
		m.exists = true
		m.stats.Hosts = 1
	}
	m.nextID++
	m.slots[slot] = &mLease{id: m.nextID, slot: slot, live: true, step: m.steps}
	m.leases++
}

func (m *model) release(slot int) {
	m.slots[slot].live = false
	m.leases--
	if m.leases == 0 {
		m.settle()
	}
}

func (m *model) query(slot, q int) {
	l := m.slots[slot]
	switch {
	case m.fresh:
		m.replies[q] = reply{on: m.on}
	case m.hasValue:
		m.stats.StaleServed++
		m.replies[q] = reply{on: m.on}
		if m.mayFetch(l) {
			m.startFetch(l)
		}
	case m.fetch != nil && !m.fetch.timedOut:
		m.fetch.waiters = append(m.fetch.waiters, mWaiter{q, l})
		m.stats.Coalesced++
	case m.mayFetch(l):
		f := m.startFetch(l)
		f.waiters = append(f.waiters, mWaiter{q, l})
	default:
		m.replies[q] = reply{err: m.refusal(l)}
	}
}

// peek returns what Peek returns; it starts a fetch exactly when the lease
// may fetch one.
func (m *model) peek(slot int) (on, known bool) {
	if !m.fresh && m.mayFetch(m.slots[slot]) {
		m.nudges++
		m.startFetch(m.slots[slot])
	}
	return m.hasValue && m.on, m.hasValue
}

func (m *model) invalidate() {
	if !m.exists {
		return
	}
	m.endBackoff()
	m.leaseEp++
	if m.fetch != nil && !m.fetch.timedOut {
		m.fetch.invalidated = true
	}
	m.fresh = false
	m.settle()
}

// complete ends the running fetch goroutine with o.
func (m *model) complete(o outcome) {
	f := m.fetch
	m.fetch = nil
	switch {
	case f.timedOut:
	case o <= outGoodLong:
		m.succeeded(f, o)
	default:
		var text string
		switch o {
		case outPanic:
			text = newFetchError(modelHost, fmt.Errorf("%w: %s", ErrFetcherPanic, describePanic(fmt.Sprintf("panic #%d", f.n)))).Error()
		case outGoexit:
			text = newFetchError(modelHost, errFetcherExited).Error()
		default:
			text = newFetchError(modelHost, cause(o, f.n)).Error()
		}
		retryAfter := time.Duration(0)
		if o == outRetryAfter || o == outOwnRetryAfter {
			retryAfter = modelRetryAfter
		}
		m.failed(f, text, retryAfter, o == outOwnClient || o == outOwnCred || o == outOwnRetryAfter)
	}
	m.settle()
}

func (m *model) clockTime(at int64) time.Time { return m.epoch.Add(time.Duration(at) - epochLead) }

func (m *model) hosts() []messages.HostStatus {
	if !m.exists {
		return []messages.HostStatus{}
	}
	st := messages.HostStatus{Host: modelHost, Leases: m.leases, Fresh: m.fresh, Fetching: m.fetch != nil,
		Failures: m.failures, LastError: m.lastErr}
	if m.hasValue {
		st.Values = map[string]string{modelFlag: fmt.Sprint(m.on)}
		st.FetchedAt = m.clockTime(m.fetchedAt)
		st.ExpiresAt = m.clockTime(m.expiresAt)
		if !m.fresh {
			st.ExpiresAt = m.clockTime(min(m.expiresAt, m.now))
		}
	}
	if m.retryAt > m.now {
		st.RetryAt = m.clockTime(m.retryAt)
	}
	return []messages.HostStatus{st}
}

// ---- the actor, driven alongside ----

// pendingFetch is a Fetcher call waiting for the test to say how it ends.
type pendingFetch struct {
	n   int
	end chan outcome
}

// runModel drives the actor and the model with evs inside a synctest
// bubble, and returns how they first differed ("" when they never did) and
// how many events applied (an event on a slot without a lease, a complete
// with no fetch running, a cancel with no query waiting change nothing).
// It stops once stop events have applied (0: never).
func runModel(t *testing.T, evs []event, stop int) (diff string, applied int) {
	synctest.Test(t, func(t *testing.T) {
		var nudges atomic.Int64
		a := New(WithTTL(modelTTL), WithFetchTimeout(modelFetchTimeout), func(c *config) { c.noJitter = true },
			withBeforeHandle(func(r request) {
				if q, ok := r.(*queryRequest); ok && q.isNudge() {
					nudges.Add(1)
				}
			}))
		m := newModel(a.epoch)
		started := make(chan *pendingFetch, 8)
		var fetchNo atomic.Int64
		var calls [modelLeases]atomic.Int64
		fetcher := func(slot int) Fetcher {
			return FetcherFunc(func(context.Context, string) (messages.Flags, error) {
				calls[slot].Add(1)
				p := &pendingFetch{n: int(fetchNo.Add(1)), end: make(chan outcome)}
				started <- p
				return perform(<-p.end, p.n)
			})
		}
		var leases [modelLeases]*Lease
		var running *pendingFetch
		queries := map[int]chan reply{}
		cancels := map[int]func(){}
		querySlot := map[int]int{}
		ctx := context.Background()
		defer func() {
			for _, cancel := range cancels {
				cancel()
			}
			if running != nil {
				running.end <- outGoodOn
			}
			synctest.Wait()
			if err := a.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		}()
		for i, ev := range evs {
			l := leases[ev.slot]
			var peekOn, peekKnown, wantOn, wantKnown bool
			switch ev.op {
			case opAcquire:
				if l != nil {
					continue
				}
				var err error
				if leases[ev.slot], err = a.Acquire(ctx, modelHost, fetcher(ev.slot)); err != nil {
					diff = fmt.Sprintf("Acquire: %v", err)
					return
				}
				m.acquire(ev.slot)
			case opRelease:
				if l == nil {
					continue
				}
				l.Release()
				leases[ev.slot] = nil
				m.release(ev.slot)
			case opQuery:
				if l == nil {
					continue
				}
				ch := make(chan reply, 1)
				qctx, cancel := context.WithCancel(ctx)
				queries[i], cancels[i], querySlot[i] = ch, cancel, ev.slot
				go func() { ch <- replyOf(l.Enabled(qctx, modelFlag)) }()
				m.query(ev.slot, i)
			case opCancel:
				q := -1
				for id := range queries {
					if querySlot[id] == ev.slot && (q < 0 || id < q) {
						q = id
					}
				}
				if q < 0 {
					continue
				}
				cancels[q]()
				m.cancel(q)
			case opPeek:
				if l == nil {
					continue
				}
				peekOn, peekKnown = l.Peek(modelFlag)
				wantOn, wantKnown = m.peek(ev.slot)
			case opInvalidate:
				if err := a.Invalidate(ctx, modelHost); err != nil {
					diff = fmt.Sprintf("Invalidate: %v", err)
					return
				}
				m.invalidate()
			case opAdvance:
				time.Sleep(ev.delay)
				m.advance(ev.delay)
			case opComplete:
				if running == nil {
					continue
				}
				running.end <- outcome(ev.arg)
				running = nil
				m.complete(outcome(ev.arg))
			}
			applied++
			synctest.Wait()
			select {
			case p := <-started:
				running = p
			default:
			}
			if d := compare(a, m, &calls, nudges.Load(), queries, running != nil); d != "" || peekOn != wantOn || peekKnown != wantKnown {
				if d == "" {
					d = fmt.Sprintf("Peek: got (%v, %v), model (%v, %v)", peekOn, peekKnown, wantOn, wantKnown)
				}
				var trail strings.Builder
				for j, e := range evs[:i+1] {
					fmt.Fprintf(&trail, "\n\t%2d %v", j, e)
				}
				diff = fmt.Sprintf("after event %d (%v): %s\nevents:%s", i, ev, d, trail.String())
				return
			}
			if applied == stop {
				return
			}
		}
	})
	return diff, applied
}

// compare returns how the actor and the model differ, or "".
func compare(a *Actor, m *model, calls *[modelLeases]atomic.Int64, nudges int64, queries map[int]chan reply, running bool) string {
	for q, ch := range queries {
		want, answered := m.replies[q]
		select {
		case got := <-ch:
			if !answered {
				return fmt.Sprintf("query %d answered %+v, model still waits", q, got)
			}
			if got != want {
				return fmt.Sprintf("query %d: got %+v, model %+v", q, got, want)
			}
			delete(queries, q)
		default:
			if answered {
				return fmt.Sprintf("query %d still waits, model answered %+v", q, want)
			}
		}
	}
	if running != (m.fetch != nil) {
		return fmt.Sprintf("a fetch goroutine runs: %v, model %v", running, m.fetch != nil)
	}
	for i := range calls {
		if got := int(calls[i].Load()); got != m.calls[i] {
			return fmt.Sprintf("fetches of client %d: got %d, model %d", i, got, m.calls[i])
		}
	}
	if int(nudges) != m.nudges {
		return fmt.Sprintf("Peek's requests: got %d, model %d", nudges, m.nudges)
	}
	ctx := context.Background()
	st, err := a.Stats(ctx)
	if err != nil {
		return fmt.Sprintf("Stats: %v", err)
	}
	want := m.stats
	want.Hosts, want.Leases = 0, 0
	if m.exists {
		want.Hosts = 1
	}
	for _, l := range m.slots {
		if l != nil && l.live {
			want.Leases++
		}
	}
	if st != want {
		return fmt.Sprintf("Stats:\n\tgot   %+v\n\tmodel %+v", st, want)
	}
	hosts, err := a.Hosts(ctx)
	if err != nil {
		return fmt.Sprintf("Hosts: %v", err)
	}
	if wantHosts := m.hosts(); !reflect.DeepEqual(hosts, wantHosts) {
		return fmt.Sprintf("Hosts:\n\tgot   %+v\n\tmodel %+v", hosts, wantHosts)
	}
	return ""
}

// modelSequences and modelEvents size TestFailurePolicyModel: at least
// 2,000 sequences of 50 events or more in every make test.
const (
	modelSequences = 2000
	modelEvents    = 60
)

// The actor follows the table: random sequences of events (several leases
// with clients of their own; acquire, release, query, Peek, Invalidate, the
// clock moving; fetches that succeed, fail on the server, ask to retry
// later, fail on the lease's own client or token, panic, Goexit or time
// out) give the same answers, errors, fetch counts, Stats and HostStatus on
// the actor as on the model, after every step. A failure names its seed
// (FLAGACTOR_MODEL_SEED runs it again).
func TestFailurePolicyModel(t *testing.T) {
	base := rand.Uint64()
	n := modelSequences
	if s := os.Getenv("FLAGACTOR_MODEL_SEQUENCES"); s != "" {
		n, _ = strconv.Atoi(s) // a longer hunt, by hand
	}
	if s := os.Getenv("FLAGACTOR_MODEL_SEED"); s != "" {
		base, _ = strconv.ParseUint(s, 10, 64) // a failure's seed, again
		n = 1
	}
	applied, fewest := 0, modelEvents
	for i := range n {
		seed := base + uint64(i)
		evs := randomEvents(rand.New(rand.NewPCG(seed, seed)), 3*modelEvents)
		d, k := runModel(t, evs, modelEvents)
		if d != "" {
			t.Fatalf("seed %d: %s", seed, d)
		}
		applied, fewest = applied+k, min(fewest, k)
	}
	t.Logf("%d sequences: %d events applied on average, %d at the fewest", n, applied/max(n, 1), fewest)
	if fewest < modelEvents {
		t.Errorf("a sequence applied only %d events", fewest)
	}
}

// FuzzFailurePolicyModel runs the model test on events decoded from the
// fuzzer's bytes (two per event).
func FuzzFailurePolicyModel(f *testing.F) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 8 {
		b := make([]byte, 2*modelEvents)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if d, _ := runModel(t, decodeEvents(b), 0); d != "" {
			t.Fatalf("input %x: %s", b, d)
		}
	})
}
