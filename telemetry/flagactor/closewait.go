package flagactor

import (
	"sync/atomic"
	"time"
)

// fetchGroup counts the actor's fetch goroutines, and the loop as one more
// until it exits: only the loop starts fetches, so once the count reaches
// zero no fetch goroutine is left or can start, and ended is closed.
type fetchGroup struct {
	running atomic.Int64
	ended   chan struct{}
}

// init counts the loop, before it starts.
func (g *fetchGroup) init() {
	g.ended = make(chan struct{})
	g.running.Store(1)
}

// start counts one more fetch goroutine. Only the loop calls it.
func (g *fetchGroup) start() { g.running.Add(1) }

// done is a fetch goroutine's last call, and the loop's as it exits.
func (g *fetchGroup) done() {
	if g.running.Add(-1) == 0 {
		close(g.ended)
	}
}

// waitForGoroutines waits, after the loop has exited, for every fetch
// goroutine and the logging goroutine, at most the fetch timeout in real
// time: a Fetcher that ignores its cancelled context, a log handler that
// blocks, or a Close called on one of these goroutines (which waits for
// itself) cannot hold Close longer. The actor's clock may be a mock that
// nobody moves: it does not count this time.
func (a *Actor) waitForGoroutines() {
	if isDone(a.fetches.ended) && (a.logged == nil || isDone(a.logged)) {
		return // the common case: nothing left, and no timer to make
	}
	timeout := time.NewTimer(a.cfg.fetchTimeout)
	defer timeout.Stop()
	for _, ended := range [...]<-chan struct{}{a.fetches.ended, a.logged} {
		if ended == nil {
			continue // not logging
		}
		select {
		case <-ended:
		case <-timeout.C:
			return
		}
	}
}
