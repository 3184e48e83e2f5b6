package telemetry

import (
	"maps"

	"github.com/flagactor/flagactor/telemetry/flagactor"
)

// gateState is what a Gate holds, published whole through an atomic pointer:
// a change copies it and swaps it in with compare-and-swap, so a reader
// never waits and no state is ever written after it is published. Its maps
// grow with the driver versions in use, a handful in a real process, and are
// copied only when a version starts, retires or is replaced.
type gateState struct {
	versions map[string]*version // driver version -> its actor, for new connections
	retiring map[*version]bool   // versions whose idle actor is being closed
	stopped  []*version          // versions replaced after a fault stopped their actor

	// Set in the state Close swaps in, which no change leaves.
	closed  bool
	drained chan struct{} // closed once the Gate's last task has ended
	done    chan struct{} // closed once Close has stopped everything; err is set then
	err     error
}

// all returns every version s holds, whose actor Close has to stop.
func (s *gateState) all() []*version {
	if s == nil {
		return nil
	}
	all := make([]*version, 0, len(s.versions)+len(s.retiring)+len(s.stopped))
	for _, v := range s.versions {
		all = append(all, v)
	}
	for v := range s.retiring {
		all = append(all, v)
	}
	return append(all, s.stopped...)
}

// clone returns a copy of s for a change; an empty state when s is nil.
func (s *gateState) clone() *gateState {
	if s == nil {
		return &gateState{versions: map[string]*version{}}
	}
	// Copied into maps sized by what they hold (maps.Clone keeps the size a
	// map once had): 2000 versions given back leave nothing behind.
	next := &gateState{
		versions: make(map[string]*version, len(s.versions)+1),
		stopped:  s.stopped[:len(s.stopped):len(s.stopped)], // an append copies
	}
	maps.Copy(next.versions, s.versions)
	if len(s.retiring) > 0 {
		next.retiring = make(map[*version]bool, len(s.retiring))
		maps.Copy(next.retiring, s.retiring)
	}
	return next
}

// isClosed reports whether Close has been called. A nil Gate is not closed:
// a Conn made without Open has none.
func (g *Gate) isClosed() bool {
	if g == nil {
		return false
	}
	s := g.state.Load()
	return s != nil && s.closed
}

// versionFor returns version's entry with the caller's connection counted
// on it, starting its actor on first use. Given stale, an entry whose actor
// answered ErrClosed although the Gate is open (its loop stopped after a
// fault, or it retired), it starts a new one in its place, unless another
// connection has done so already: that one is the answer then.
func (g *Gate) versionFor(name string, stale *version) (*version, error) {
	var fresh *version // started by an earlier round that lost its race
	for {
		s := g.state.Load()
		if s != nil && s.closed {
			if fresh != nil {
				_ = fresh.actor.Close()
			}
			return nil, flagactor.ErrClosed
		}
		var current *version
		if s != nil {
			current = s.versions[name]
		}
		if current != nil && current != stale && current.join() {
			if fresh != nil {
				_ = fresh.actor.Close()
			}
			return current, nil
		}
		if fresh == nil {
			fresh = newVersion(name, flagactor.New(g.config().actorOpts...))
			fresh.join()
		}
		next := s.clone()
		next.versions[name] = fresh
		if current != nil && !current.retired() {
			// Stopped by a fault: Close still waits for it and reports it.
			// A retired one is closed by its own retiring.
			next.stopped = append(next.stopped, current)
		}
		if g.state.CompareAndSwap(s, next) {
			return fresh, nil
		}
	}
}

// startRetiring moves v, whose actor is idle and which takes no connection
// any more, from the versions in use to those retiring, where Close still
// finds it. It returns false once the Gate is closed: Close stops v then.
func (g *Gate) startRetiring(v *version) bool {
	for {
		s := g.state.Load()
		if s == nil || s.closed {
			return false
		}
		next := s.clone()
		if next.versions[v.name] == v {
			delete(next.versions, v.name)
		}
		if next.retiring == nil {
			next.retiring = map[*version]bool{}
		}
		next.retiring[v] = true
		if g.state.CompareAndSwap(s, next) {
			return true
		}
	}
}

// setAside moves v, whose actor stopped after a fault, from the versions in
// use to those Close still stops and reports.
func (g *Gate) setAside(v *version) {
	for {
		s := g.state.Load()
		if s == nil || s.closed || s.versions[v.name] != v {
			return // closed, or replaced by an Open already
		}
		next := s.clone()
		delete(next.versions, v.name)
		next.stopped = append(next.stopped, v)
		if g.state.CompareAndSwap(s, next) {
			return
		}
	}
}

// endRetiring forgets v once its actor has stopped.
func (g *Gate) endRetiring(v *version) {
	for {
		s := g.state.Load()
		if s == nil || s.closed {
			return
		}
		next := s.clone()
		delete(next.retiring, v)
		if g.state.CompareAndSwap(s, next) {
			return
		}
	}
}
