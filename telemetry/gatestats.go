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
	stats, err := g.actor().Stats(ctx)
	return stats, g.stopped(err)
}

// stopped is what an operator's call on the Gate's actor answers for err:
// flagactor.ErrClosed once the Gate is closed, nothing for an actor not
// running while the Gate is open (none started yet, or its loop stopped
// after a fault: its state went with its loop, and the next Open starts a
// new one), and any other error as it is.
func (g *Gate) stopped(err error) error {
	switch {
	case !errors.Is(err, flagactor.ErrClosed):
		return err
	case g.isClosed():
		return flagactor.ErrClosed // noActor's error names no Close
	}
	return nil
}
