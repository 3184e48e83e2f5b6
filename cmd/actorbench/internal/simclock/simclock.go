// Package simclock is a clock.Clock for actorbench's simulations: time
// moves only when the bench calls Add, and moving it costs no real time.
//
// It exists because clock.Mock yields for a real millisecond on every Add
// and after every timer it fires. A flag actor holding 100,000 hosts re-arms
// its one timer at each host's expiry in turn, so a Mock moved past a TTL
// fires it once per distinct expiry: about 100 seconds of sleeping.
//
// What it cannot do: fire a Timer. clock.Clock's Timer returns the concrete
// *clock.Timer, whose Stop and Reset reach a real time.Timer or a Mock
// through unexported fields, so no clock outside that package can make a
// timer it fires, or see a Reset. Timers here are made by a private Mock that
// never moves: Stop and Reset work, and a timer fires only if it is created
// already expired. That is enough for a flag actor, because its loop reads the
// clock and applies every passed deadline at the start of each batch of
// messages: after Add, one Stats round trip (or any query) makes the actor
// do what its timer would have done. Contexts from WithDeadline and channels
// from After do end when Add passes their time. AfterFunc, Tick and Ticker
// panic: their timers could not fire, and nothing in the bench uses them.
package simclock

import (
	"context"
	"sync"
	"time"

	"github.com/benbjohnson/clock"
)

// Clock is a simulated clock. Its methods are safe for concurrent use; Add
// should be called from one goroutine at a time.
type Clock struct {
	mu     sync.Mutex
	now    time.Time
	alarms map[*alarm]struct{} // deadlines and After channels still pending
}

// alarm is something that happens once the clock reaches at.
type alarm struct {
	at   time.Time
	ring func()
}

var _ clock.Clock = (*Clock)(nil)

// New returns a clock that reads start until Add moves it.
func New(start time.Time) *Clock {
	return &Clock{now: start, alarms: map[*alarm]struct{}{}}
}

// Add moves the clock d forward and ends every context deadline and After
// that it passes. It does not fire timers (see the package doc).
func (c *Clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	var due []*alarm
	for a := range c.alarms {
		if !a.at.After(c.now) {
			due = append(due, a)
			delete(c.alarms, a)
		}
	}
	c.mu.Unlock()
	for _, a := range due {
		a.ring()
	}
}

// Now returns the simulated time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Since returns the simulated time elapsed since t.
func (c *Clock) Since(t time.Time) time.Duration { return c.Now().Sub(t) }

// Until returns the simulated time left until t.
func (c *Clock) Until(t time.Time) time.Duration { return t.Sub(c.Now()) }

// Timer returns a timer that Stop and Reset work on but that never fires,
// unless d is not positive: then it fires at once.
func (c *Clock) Timer(d time.Duration) *clock.Timer {
	// NB: one frozen Mock per timer, so firing one at creation can never
	// block on another timer's full channel.
	return clock.NewMock().Timer(d)
}

// After returns a channel that receives the simulated time once Add has
// moved the clock d on.
func (c *Clock) After(d time.Duration) <-chan time.Time {
	ch := make(chan time.Time, 1)
	c.schedule(d, func() { ch <- c.Now() })
	return ch
}

// Sleep blocks until Add has moved the clock d on.
func (c *Clock) Sleep(d time.Duration) { <-c.After(d) }

// AfterFunc panics: its timer could never fire (see the package doc).
func (c *Clock) AfterFunc(time.Duration, func()) *clock.Timer {
	panic("simclock: AfterFunc is not supported")
}

// Tick panics: a ticker could never fire (see the package doc).
func (c *Clock) Tick(time.Duration) <-chan time.Time { panic("simclock: Tick is not supported") }

// Ticker panics: a ticker could never fire (see the package doc).
func (c *Clock) Ticker(time.Duration) *clock.Ticker { panic("simclock: Ticker is not supported") }

// WithTimeout is WithDeadline at Now()+d.
func (c *Clock) WithTimeout(parent context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	return c.WithDeadline(parent, c.Now().Add(d))
}

// WithDeadline returns a context that ends with context.DeadlineExceeded once
// Add moves the clock to deadline, or earlier with parent or cancel. Its
// Deadline reports the simulated time.
func (c *Clock) WithDeadline(parent context.Context, deadline time.Time) (context.Context, context.CancelFunc) {
	if cur, ok := parent.Deadline(); ok && !cur.After(deadline) {
		return context.WithCancel(parent) // the parent ends first anyway
	}
	ctx := &deadlineCtx{parent: parent, deadline: deadline, done: make(chan struct{})}
	stopWatching := context.AfterFunc(parent, func() { ctx.end(parent.Err()) })
	a := c.scheduleAt(deadline, func() {
		stopWatching()
		ctx.end(context.DeadlineExceeded)
	})
	return ctx, func() {
		c.unschedule(a)
		stopWatching()
		ctx.end(context.Canceled)
	}
}

// schedule rings ring once the clock has moved d on; d <= 0 rings at once.
func (c *Clock) schedule(d time.Duration, ring func()) *alarm {
	return c.scheduleAt(c.Now().Add(d), ring)
}

func (c *Clock) scheduleAt(at time.Time, ring func()) *alarm {
	a := &alarm{at: at, ring: ring}
	c.mu.Lock()
	pending := at.After(c.now)
	if pending {
		c.alarms[a] = struct{}{}
	}
	c.mu.Unlock()
	if !pending {
		ring() // already due
	}
	return a
}

func (c *Clock) unschedule(a *alarm) {
	c.mu.Lock()
	delete(c.alarms, a)
	c.mu.Unlock()
}

// Pending is how many deadlines and After channels are waiting for Add:
// a simulation that cancels every context it makes keeps it near zero.
func (c *Clock) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.alarms)
}

// deadlineCtx is a context with a simulated deadline. It is its own type,
// not a wrapped cancel context, so that the contexts derived from it see its
// own Err (DeadlineExceeded), as they do with a real deadline.
type deadlineCtx struct {
	parent   context.Context
	deadline time.Time
	done     chan struct{}

	mu  sync.Mutex
	err error // set once, as done closes
}

// end ends the context with err, unless it has already ended.
func (d *deadlineCtx) end(err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.err == nil {
		d.err = err
		close(d.done)
	}
}

// Deadline is the simulated time the context ends at.
func (d *deadlineCtx) Deadline() (time.Time, bool) { return d.deadline, true }

// Done is closed when simulated time passes the deadline or the parent ends.
func (d *deadlineCtx) Done() <-chan struct{} { return d.done }

// Err is why the context ended, or nil.
func (d *deadlineCtx) Err() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.err
}

// Value is the parent's.
func (d *deadlineCtx) Value(key any) any { return d.parent.Value(key) }
