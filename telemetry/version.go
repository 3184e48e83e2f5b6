package telemetry

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/benbjohnson/clock"

	"github.com/flagactor/flagactor/telemetry/flagactor"
)

// idleCheckEvery is how long after a driver version's last connection
// closed, and then how often while one is idle, the Gate asks its idle
// versions' actors whether they still hold a host. One holds it until the
// host's value expires (up to flagactor.MaxServerTTL) or its backoff ends;
// then the version is given back.
const idleCheckEvery = time.Minute

// version is one driver version's actor and the connections that use it.
type version struct {
	name  string
	actor *flagactor.Actor

	// conns counts the connections holding a lease of actor (its low 32
	// bits) and every connection that ever joined (its high 32 bits), so an
	// idle check can tell that one came and went while it asked the actor.
	// retiredConns once the version is given back: nobody joins it then.
	conns atomic.Uint64
}

const (
	joinOne      = 1<<32 + 1 // one more connection now, and one more ever
	liveConns    = 1<<32 - 1 // the mask of conns' live count
	retiredConns = ^uint64(0)
)

func newVersion(name string, actor *flagactor.Actor) *version {
	return &version{name: name, actor: actor}
}

// join counts one more connection on v; false when v has been given back.
func (v *version) join() bool {
	for {
		c := v.conns.Load()
		if c == retiredConns {
			return false
		}
		if v.conns.CompareAndSwap(c, c+joinOne) {
			return true
		}
	}
}

// idle reports whether no connection is on v (nor joining it).
func (v *version) idle() bool { return v.conns.Load()&liveConns == 0 }

// retired reports whether v has been given back.
func (v *version) retired() bool { return v.conns.Load() == retiredConns }

// leave uncounts a connection of v that joined it; the last one to leave
// arms the Gate's idle check.
func (g *Gate) leave(v *version) {
	if v.conns.Add(^uint64(0))&liveConns == 0 {
		g.armIdleCheck()
	}
}

// idleTimer is one armed idle check. Its timer is set just after the check
// is published, so Close may find it unset: arming then sees Close's mark
// and stops the timer itself.
type idleTimer struct {
	timer atomic.Pointer[clock.Timer]
}

// sealedIdle marks a Gate whose idle check Close has stopped.
var sealedIdle = new(idleTimer)

// armIdleCheck arms the Gate's idle check on its clock, unless one is armed
// already or Close has stopped it. The check counts as a task of the Gate
// from now until it has run or Close has stopped its timer.
func (g *Gate) armIdleCheck() {
	if g.idleCheck.Load() != nil {
		return // armed already, or sealed: the common case, kept cheap
	}
	if !g.tasks.add() {
		return // closed
	}
	t := new(idleTimer)
	if !g.idleCheck.CompareAndSwap(nil, t) {
		g.taskDone() // armed already, or sealed
		return
	}
	timer := g.config().clock.AfterFunc(idleCheckEvery, func() { g.checkIdle(t) })
	t.timer.Store(timer)
	if g.idleCheck.Load() != t && timer.Stop() {
		g.taskDone() // Close sealed it before it could see the timer
	}
}

// sealIdleCheck stops the idle check for good; Close calls it. A check that
// is running already ends as a task, which Close waits for.
func (g *Gate) sealIdleCheck() {
	t := g.idleCheck.Swap(sealedIdle)
	if t == nil || t == sealedIdle {
		return
	}
	if timer := t.timer.Load(); timer != nil && timer.Stop() {
		g.taskDone()
	}
}

// checkIdle is the idle check t armed. It gives back every version with no
// connection since before it asked and no host nor lease left in its actor,
// then checks again later while a version is idle.
func (g *Gate) checkIdle(t *idleTimer) {
	defer g.taskDone()
	if g.idleCheck.Load() != t {
		return // sealed
	}
	if s := g.state.Load(); s != nil && !s.closed {
		for _, v := range s.versions {
			if g.isClosed() {
				return // Close stops every actor; nothing is left to give back
			}
			g.retireIfIdle(v)
		}
	}
	// Cleared before the versions are read again: a connection that leaves
	// meanwhile either sees no check armed and arms one, or is seen here.
	if g.idleCheck.CompareAndSwap(t, nil) && g.anyIdle() {
		g.armIdleCheck()
	}
}

// retireIfIdle gives v back when no connection is on it, since before its
// actor said it holds no host nor lease.
func (g *Gate) retireIfIdle(v *version) {
	c := v.conns.Load()
	if c&liveConns != 0 || c == retiredConns {
		return
	}
	stats, err := v.actor.Stats(context.Background())
	if err != nil {
		g.setAside(v) // stopped by a fault: the next Open starts a new one
		return
	}
	if stats.Hosts == 0 && stats.Leases == 0 && v.conns.CompareAndSwap(c, retiredConns) {
		g.retire(v)
	}
}

// anyIdle reports whether a version in use has no connection, and so may be
// given back later.
func (g *Gate) anyIdle() bool {
	s := g.state.Load()
	if s == nil || s.closed {
		return false
	}
	for _, v := range s.versions {
		if v.idle() && !v.retired() {
			return true
		}
	}
	return false
}

// retire gives back v, which no connection can join any more: its actor is
// stopped, and it leaves the Gate. A later Open of its driver version
// starts a new one.
func (g *Gate) retire(v *version) {
	retiring := g.startRetiring(v)
	// Closed here even when Close got in first: an Open that replaced v
	// before the Gate closed left it in neither of Close's lists.
	_ = v.actor.Close()
	if retiring {
		g.endRetiring(v)
	}
}

// taskDone ends one of the Gate's tasks; the last one after Close lets
// Close return.
func (g *Gate) taskDone() {
	g.tasks.done(func() { close(g.state.Load().drained) })
}

// checkDriverVersion refuses a driver version that cannot be the flag URL's
// last path segment: "" names no version, and "." and ".." would move the
// path. Such a connection asks nothing and starts nothing.
func checkDriverVersion(version string) error {
	if version == "" || version == "." || version == ".." {
		return fmt.Errorf("%w: %q", ErrBadDriverVersion, version)
	}
	return nil
}
