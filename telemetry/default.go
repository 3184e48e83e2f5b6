package telemetry

import (
	"context"
	"sync/atomic"
)

// process holds the process-wide Gate, changed only by compare-and-swap; every
// host's state lives in the Gate's actor.
var process atomic.Pointer[Gate]

// Default returns the process-wide Gate, which Open uses, making it on first
// use and in place of one that was closed: an application's shutdown and a
// driver's tests stop it with Default().Close(), and the next Open starts
// anew. Making a Gate starts no goroutine; its actor starts with the first
// connection that asks the server. It has the default options: a driver that
// wants others (an open wait, a logger, a clock) makes its own with NewGate
// and keeps it for the process.
func Default() *Gate {
	for {
		g := process.Load()
		if g != nil && !g.isClosed() {
			return g
		}
		// One that loses the race was never used: it has nothing to stop.
		if fresh := NewGate(); process.CompareAndSwap(g, fresh) {
			return fresh
		}
	}
}

// Open opens a connection's telemetry on the process-wide Gate (see
// Gate.Open); a nil ctx is context.Background().
func Open(ctx context.Context, cfg ConnConfig) *Conn {
	return Default().Open(ctx, cfg)
}
