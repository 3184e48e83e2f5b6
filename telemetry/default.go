package telemetry

import (
	"context"
	"sync/atomic"
)

// process holds the process-wide Gate, changed only by compare-and-swap; every
// host's state lives in the Gate's actors.
var process atomic.Pointer[Gate]

// Default returns the process-wide Gate, making it on first use. A default
// Gate that was closed is replaced by a new one. Making a Gate starts no
// goroutine; its actors start with the first connection that asks the server.
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

// SetDefault makes g the process-wide Gate, for a driver that wants its own
// options (an open wait, a logger, a clock), and returns the Gate it replaces,
// which the caller should Close: nil if none had started, or if g is the
// default already. A nil g makes the next Default start a Gate with the
// default options.
func SetDefault(g *Gate) (previous *Gate) {
	if previous = process.Swap(g); previous == g {
		return nil
	}
	return previous
}

// Open opens a connection's telemetry on the process-wide Gate (see
// Gate.Open); a nil ctx is context.Background().
func Open(ctx context.Context, cfg ConnConfig) *Conn {
	return Default().Open(ctx, cfg)
}

// Shutdown stops the process-wide Gate, for application shutdown and tests.
// Connections still open see telemetry off; the next Open starts a new Gate.
func Shutdown() error {
	if g := process.Swap(nil); g != nil {
		return g.Close()
	}
	return nil
}
