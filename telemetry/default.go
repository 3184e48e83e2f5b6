package telemetry

import (
	"context"
	"sync"
)

// process holds the process-wide Gate. The mutex guards only this pointer;
// every host's state lives in the Gate's actor.
var process struct {
	mu   sync.Mutex
	gate *Gate
}

// Default returns the process-wide Gate, starting it on first use.
func Default() *Gate {
	process.mu.Lock()
	defer process.mu.Unlock()
	if process.gate == nil {
		process.gate = NewGate()
	}
	return process.gate
}

// SetDefault makes g the process-wide Gate, for a driver that wants its own
// options (an open wait, a logger, a clock), and returns the Gate it replaces
// (nil if none had started), which the caller should Close. A nil g makes the
// next Default start a Gate with the default options.
func SetDefault(g *Gate) (previous *Gate) {
	process.mu.Lock()
	defer process.mu.Unlock()
	previous, process.gate = process.gate, g
	return previous
}

// Open opens a connection's telemetry on the process-wide Gate.
func Open(ctx context.Context, cfg ConnConfig) *Conn {
	return Default().Open(ctx, cfg)
}

// Shutdown stops the process-wide Gate, for application shutdown and tests.
// Connections still open see telemetry off; the next Open starts a new Gate.
func Shutdown() error {
	process.mu.Lock()
	gate := process.gate
	process.gate = nil
	process.mu.Unlock()
	if gate == nil {
		return nil
	}
	return gate.Close()
}
