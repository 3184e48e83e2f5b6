package flagactor

import (
	"reflect"
	"runtime"
	"sync/atomic"
	"time"
)

// fetchGroup counts the actor's fetch goroutines, so that Close can wait for
// them all, or, called by a Fetcher, for all but the ones that called it.
// (A sync.WaitGroup cannot wait for "all but me".)
type fetchGroup struct {
	running atomic.Int64
	// closing counts the Close calls in progress on fetch goroutines: each
	// waits for the fetch goroutines other than those.
	closing atomic.Int64
	// exited is closed, and dropped, as a fetch goroutine exits; a waiting
	// Close puts one in place to hear of it.
	exited atomic.Pointer[chan struct{}]
}

// start counts one more fetch goroutine. Only the loop calls it.
func (g *fetchGroup) start() { g.running.Add(1) }

// done is a fetch goroutine's last call: it wakes whoever waits.
func (g *fetchGroup) done() {
	g.running.Add(-1)
	if ch := g.exited.Swap(nil); ch != nil {
		close(*ch)
	}
}

// changed returns a channel closed as the next fetch goroutine exits. Take it
// before reading running: an exit after that read closes it.
func (g *fetchGroup) changed() <-chan struct{} {
	for {
		if ch := g.exited.Load(); ch != nil {
			return *ch
		}
		ch := make(chan struct{})
		if g.exited.CompareAndSwap(nil, &ch) {
			return ch
		}
	}
}

// Names of the functions at the root of the actor's own goroutines, as the
// caller's frames spell them.
var (
	fetchFunc     = reflect.TypeFor[Actor]().PkgPath() + ".(*Actor).fetch"
	writeLogsFunc = reflect.TypeFor[Actor]().PkgPath() + ".writeLogs"
)

// closeCaller tells whether Close was called on a fetch goroutine (by a
// Fetcher) or on the logging goroutine (by the log handler), which Close
// must not wait for: they wait for it. It reads the caller's frames; there is
// no other way to know which goroutine runs, and it costs nothing unless
// Close is called. (The frames name functions, not actors: a Fetcher of
// one actor that closes another is taken for one of that actor's own, and
// that Close may return while one of its cancelled fetch goroutines is still
// on its way out.)
func closeCaller() (onFetch, onLogging bool) {
	pcs := make([]uintptr, 64)
	n := runtime.Callers(3, pcs)
	for n == len(pcs) { // a deep stack: its root is further down
		pcs = make([]uintptr, 2*len(pcs))
		n = runtime.Callers(3, pcs)
	}
	frames := runtime.CallersFrames(pcs[:n])
	for {
		f, more := frames.Next()
		switch f.Function {
		case fetchFunc:
			onFetch = true
		case writeLogsFunc:
			onLogging = true
		}
		if !more {
			return onFetch, onLogging
		}
	}
}

// waitForGoroutines waits, after the loop has exited, for every fetch
// goroutine and the logging goroutine, but for none that Close was called
// on (see closeCaller), and in all at most the fetch timeout on the actor's
// clock: a Fetcher that ignores its cancelled context, or a log handler that
// blocks, cannot hold Close longer.
func (a *Actor) waitForGoroutines() {
	onFetch, onLogging := closeCaller()
	others := int64(0) // fetch goroutines not waited for
	if onFetch {
		a.fetches.closing.Add(1)
		defer a.fetches.closing.Add(-1)
	}
	logged := a.logged // nil when not logging
	if onLogging {
		logged = nil
	}
	waiting := func() bool {
		if onFetch {
			others = a.fetches.closing.Load()
		}
		if logged != nil && isDone(logged) {
			logged = nil
		}
		return a.fetches.running.Load() > others || logged != nil
	}
	if !waiting() {
		return // the common case: nothing left, and no channel to make
	}
	var timeout <-chan time.Time
	for {
		exited := a.fetches.changed()
		if !waiting() {
			return
		}
		if timeout == nil {
			t := a.cfg.clock.Timer(a.cfg.fetchTimeout)
			defer t.Stop()
			timeout = t.C
		}
		select {
		case <-exited:
		case <-logged:
		case <-timeout:
			return
		}
	}
}
