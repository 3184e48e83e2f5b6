package main

import (
	"context"
	"fmt"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/flagactor/flagactor/cmd/actorbench/internal/simclock"
)

// flagTTL is the ttl_seconds the simulated scenarios' server sends: the same
// 15 minutes the baseline holds a value for, so what tells the two apart in
// the fleet is the actor's early jitter, not a different lifetime.
const flagTTL = 15 * time.Minute

// simulated is a clock the bench moves by hand.
//
// How simulated time works: scenarios that span simulated time run both
// implementations on internal/simclock, which the bench moves by hand. Its
// Add costs no real time, and its timers never fire: the scenarios are
// driven by messages, and the actor's loop reads the clock and applies every
// deadline that has passed whenever it takes up a message, so a query (or a
// Stats round trip) after Add sees exactly what the timer would have done.
// Contexts from WithTimeout do end on Add. (clock.Mock, whose timers fire,
// yields a real millisecond per Add and per timer fired: a simulated day of a
// 1000-process fleet would take minutes of sleeping.)
//
// A step is one simulated second: every connection queries once; the bench
// waits, in real time and bounded, until no fetch is running (so every
// request lands in the server's bucket for that second and no fetch outlives
// its simulated timeout); then the clock moves one second. Counts do not
// depend on how goroutines interleave within a step: a query that finds no
// value waits for the fetch it started, and a refresh whose result the loop
// takes a step late (or a timer tick it takes after the next queries) only
// shifts that host's next expiry by a second; it never adds a fetch.
//
// Both clocks start on the wall clock's current whole second, so that each
// step is one bucket of the server's PerSecond and times read like today's.
type simulated interface {
	clock.Clock
	Add(d time.Duration)
}

// simStart is where every simulated clock starts.
func simStart() time.Time { return time.Now().Truncate(time.Second) }

// newSimClock returns the message-driven simulated clock.
func newSimClock() *simclock.Clock { return simclock.New(simStart()) }

// stepper drives a simulation one simulated second at a time.
type stepper struct {
	parent  context.Context
	clk     simulated
	fetcher *gaugedFetcher
	// ctx is the queries' context. A watchdog cancels it when one step takes
	// longer than maxFetchWait of real time, so a stuck fetch fails the run
	// instead of hanging it; one context for the whole run keeps a context
	// allocation out of every query.
	ctx    context.Context
	cancel context.CancelFunc
	dog    *time.Timer
}

func newStepper(parent context.Context, clk simulated, f *gaugedFetcher) *stepper {
	ctx, cancel := context.WithCancel(parent)
	return &stepper{parent: parent, clk: clk, fetcher: f, ctx: ctx, cancel: cancel,
		dog: time.AfterFunc(maxFetchWait, cancel)}
}

// next ends a step: it waits for the step's fetches, then moves the clock one
// simulated second on.
func (s *stepper) next() error {
	if err := s.fetcher.waitIdle(); err != nil {
		return err
	}
	if err := s.parent.Err(); err != nil {
		return err
	}
	if s.ctx.Err() != nil {
		return fmt.Errorf("a simulated step took longer than %v of real time", maxFetchWait)
	}
	s.clk.Add(time.Second)
	s.dog.Reset(maxFetchWait)
	return nil
}

func (s *stepper) stop() {
	s.dog.Stop()
	s.cancel()
}

// queryBounded asks c once, bounded by maxFetchWait of real time.
func queryBounded(ctx context.Context, c conn) (bool, error) {
	qctx, cancel := context.WithTimeout(ctx, maxFetchWait)
	defer cancel()
	return c.enabled(qctx)
}
