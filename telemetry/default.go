package telemetry

import (
	"context"
	"sync"
)

// process holds the process-wide Gate. The mutex guards only this pointer;
// every host's state lives in the Gate's actors.
var process struct {
	mu   sync.Mutex
	gate *Gate
}

// Default returns the process-wide Gate, making it on first use. A default
// Gate that was closed is replaced by a new one. Making a Gate starts no
// goroutine; its actors start with the first connection that asks the server.
func Default() *Gate {
	process.mu.Lock()
	defer process.mu.Unlock()
	if process.gate == nil || process.gate.Closed() {
		process.gate = NewGate()
	}
	return process.gate
}

// SetDefault makes g the process-wide Gate, for a driver that wants its own
// options (an open wait, a logger, a clock), and returns the Gate it replaces,
// which the caller should Close: nil if none had started, or if g is the
// default already. A nil g makes the next Default start a Gate with the
// default options.
func SetDefault(g *Gate) (previous *Gate) {
	process.mu.Lock()
	defer process.mu.Unlock()
	if g == process.gate {
		return nil
	}
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
