package flagactor

import (
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/flagactor/flagactor/telemetry/messages"
)

// loopState is everything the actor's goroutine owns. Nothing else reads or
// writes it, which is why none of it is locked.
type loopState struct {
	a   *Actor
	now int64 // nanoseconds since the actor's epoch, read as each message is taken up

	hosts     map[entryKey]*hostEntry
	hostsPeak int // most entries since the map was last rebuilt
	wakeups   wakeQueue
	flagSets  flagSets

	timer   *clock.Timer
	wake    <-chan time.Time // timer.C while armed, else nil
	timerAt int64            // when the armed timer fires, noWake when disarmed

	leases int
	stats  messages.Stats
}

func newLoopState(a *Actor) *loopState {
	return &loopState{
		a:        a,
		hosts:    make(map[entryKey]*hostEntry),
		flagSets: make(flagSets),
		timerAt:  noWake,
	}
}

// run is the actor's goroutine. It takes the whole mailbox at a time and
// handles it oldest first; between batches it looks at the timer and quit
// without waiting, and it parks only when the mailbox is empty.
func (a *Actor) run(s *loopState) {
	defer close(a.done)
	defer a.goroutines.done()
	defer s.shutdown()
	defer a.endLogs() // after the record of a panic
	defer func() {
		// Telemetry must never take the host program down: a fault in the loop
		// turns the actor off instead, and is logged first.
		if p := recover(); p != nil {
			cause := describePanic(p)
			s.log(logEvent{level: slog.LevelError, msg: msgLoopPanic, attrs: []slog.Attr{
				slog.String("error", cause), slog.String("stack", string(debug.Stack()))}})
			// The actor is then off: every call answers ErrClosed, and Close
			// this error, which names the panic and matches ErrClosed.
			failure := fmt.Errorf("%s: %s: %w", msgLoopPanic, cause, ErrClosed)
			a.failure.Store(&failure) // shutdown, next, turns the actor off
		}
	}()
	for {
		if batch := a.mailbox.take(); batch != nil {
			s.handleAll(batch)
			select {
			case <-s.wake:
				s.timerFired()
			case <-a.quit:
				return
			default:
			}
		} else {
			ringing, fired := a.mailbox.park(s.wake, a.quit)
			switch {
			case fired:
				s.timerFired()
			case !ringing:
				return // quit
			}
		}
		s.rearm()
	}
}

// timerFired notes that the timer has fired: nothing is armed now, so
// rearm, which follows, applies what its deadline brought.
func (s *loopState) timerFired() {
	s.wake, s.timerAt = nil, noWake
}

// tick reads the clock and applies every deadline that has passed, so a
// request handled now sees the state the clock says, whether or not the
// timer's tick has been received yet.
func (s *loopState) tick() {
	s.now = s.a.sinceEpoch()
	for len(s.wakeups) > 0 && s.wakeups[0].wakeAt <= s.now {
		s.settle(s.wakeups[0])
	}
}

// handleAll handles a batch taken from the mailbox, oldest first. Each
// envelope is unlinked before its message is handled: handling an Acquire
// binds its ticket, after which the lease's Release may push that same
// envelope again (and a live lease must not hold the rest of the batch).
func (s *loopState) handleAll(e *envelope) {
	for e != nil {
		next, msg := e.next, e.msg
		e.next = nil
		s.handle(msg)
		e = next
	}
}

// handle applies one request with the clock as it reads now, every deadline
// that has passed by then applied first. Acquire and Release read the clock
// only when what they do depends on it (see acquire and release): a
// connection's open and close on a host in use need no time.
func (s *loopState) handle(req request) {
	if hook := s.a.cfg.beforeHandle; hook != nil {
		hook(req)
	}
	switch req := req.(type) {
	case acquireRequest:
		s.acquire(req.Ticket)
	case releaseRequest:
		s.release(req.Ticket)
	case *queryRequest:
		s.tick()
		s.query(req)
	case *fetchResult:
		s.tick()
		s.fetchDone(*req)
	case loopCall:
		s.tick()
		req(s)
	default:
		panic(fmt.Sprintf("flagactor: unknown request %T", req))
	}
}

func (s *loopState) snapshot() messages.Stats {
	st := s.stats
	st.Hosts = len(s.hosts)
	st.Leases = s.leases
	return st
}

// rearm points the timer at the earliest wake-up, when that has changed. It
// reads the clock afresh: time may have moved on since the request began (a
// mock clock moved far ahead fires one timer at a time), and a wake-up that
// is already due is applied now rather than armed late. The timer counts its
// delay from the clock as it reads while arming, which may be later than the
// reading the delay came from: when the clock has moved in between, the timer
// is armed once more from a fresh reading, so that it fires no later than
// the wake-up. (The default wall clock moves only by the nanoseconds between
// two reads, far below a timer's own slack: it is armed once.)
func (s *loopState) rearm() {
	if s.wakeups.next() == s.timerAt {
		return
	}
	for tries := 0; ; tries++ {
		s.stopTimer()
		s.tick() // applies whatever is due
		next := s.wakeups.next()
		if next == noWake {
			return
		}
		d := time.Duration(next - s.now)
		if s.timer == nil {
			s.timer = s.a.cfg.clock.Timer(d)
		} else {
			s.timer.Reset(d)
		}
		s.wake, s.timerAt = s.timer.C, next
		if tries > 0 || s.a.cfg.wallClock || s.a.sinceEpoch() == s.now {
			return
		}
	}
}

// stopTimer disarms the timer and empties its channel, so a later Reset never
// finds a stale tick (and a mock clock never blocks sending one).
func (s *loopState) stopTimer() {
	if s.timerAt == noWake {
		return
	}
	if !s.timer.Stop() {
		select {
		case <-s.timer.C:
		default:
		}
	}
	s.wake, s.timerAt = nil, noWake
}

// shutdown runs as the loop exits, for Close or after a fault: it answers
// every waiter and cancels every fetch.
func (s *loopState) shutdown() {
	s.a.closed.Store(true)
	for _, e := range s.hosts {
		if e.inflight != nil {
			e.inflight.cancel()
			e.inflight.answer(queryReply{Err: ErrClosed})
		}
	}
	s.stopTimer()
}
