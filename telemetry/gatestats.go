package telemetry

import (
	"context"
	"errors"

	"github.com/flagactor/flagactor/telemetry/flagactor"
	"github.com/flagactor/flagactor/telemetry/messages"
)

// Stats returns the counters of the Gate's actor (see flagactor.Actor.Stats).
// A Gate no connection has asked the server through yet has no actor, nor
// has one whose actor stopped after a fault until the next connection
// replaces it: its Stats are zero.
func (g *Gate) Stats(ctx context.Context) (messages.Stats, error) {
	a, err := g.running()
	if a == nil || err != nil {
		return messages.Stats{}, err
	}
	stats, err := a.Stats(ctx)
	return stats, g.stopped(err)
}

// running returns the Gate's actor: nil before the first connection asks
// the server, ErrClosed after Close.
func (g *Gate) running() (*flagactor.Actor, error) {
	a := g.state.Load()
	switch {
	case a == nil:
		return nil, nil
	case a.closed:
		return nil, flagactor.ErrClosed
	}
	return a.actor, nil
}

// stopped passes over err when it says that the actor stopped after a fault
// while the Gate is open: its state went with its loop, and the next Open
// starts a new one.
func (g *Gate) stopped(err error) error {
	if errors.Is(err, flagactor.ErrClosed) && !g.isClosed() {
		return nil
	}
	return err
}
