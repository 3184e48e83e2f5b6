package flagactor

import (
	"sync/atomic"
	"time"
)

// goroutineGroup counts the actor's goroutines: the loop until it exits,
// the fetch goroutines and the logging goroutine. Only the loop starts
// fetches, and the logging goroutine is counted before the loop starts, so
// once the count reaches zero none is left or can start, and ended is closed.
type goroutineGroup struct {
	running atomic.Int64
	ended   chan struct{}
}

// init counts the loop, before it starts.
func (g *goroutineGroup) init() {
	g.ended = make(chan struct{})
	g.running.Store(1)
}

// start counts one more goroutine: the loop's fetches, or New's logger.
func (g *goroutineGroup) start() { g.running.Add(1) }

// done is each counted goroutine's last call.
func (g *goroutineGroup) done() {
	if g.running.Add(-1) == 0 {
		close(g.ended)
	}
}

// waitForGoroutines waits, after the loop has exited, for every goroutine of
// the actor, at most the fetch timeout in real time: a Fetcher that ignores
// its cancelled context, a log handler that blocks, or a Close called on one
// of these goroutines (which waits for itself) cannot hold Close longer. The
// actor's clock may be a mock that nobody moves: it does not count this time.
func (a *Actor) waitForGoroutines() {
	timeout := time.NewTimer(a.cfg.fetchTimeout)
	defer timeout.Stop()
	select {
	case <-a.goroutines.ended:
	case <-timeout.C:
	}
}
