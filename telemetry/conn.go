package telemetry

import (
	"sync/atomic"

	"github.com/flagactor/flagactor/telemetry/flagactor"
)

// Conn is one driver connection's view of telemetry, from Gate.Open to Close.
// It is safe for concurrent use, and a nil *Conn is telemetry off, so a
// driver whose Connect failed before Open may still call Close.
type Conn struct {
	gate     *Gate
	override Override
	lease    *flagactor.Lease // nil when the server is not asked
	err      error            // why Open could not ask the server, if it could not
	closed   atomic.Bool

	// Held here, so that an Open costs the Conn and its lease: the Fetcher
	// the lease lends to its fetches, and the context Open waited under,
	// whose values the lease keeps.
	fetcher connFetcher
	wait    openWait
}

// Enabled reports whether the connection should send telemetry now. It never
// waits: it reads the flag the actor last published, so a connection that
// opened before the flag arrived turns telemetry on once it has. A closed
// connection, or one whose Gate was closed, is off whatever its override.
func (c *Conn) Enabled() bool {
	switch {
	case c == nil, c.closed.Load(), c.gate.isClosed():
		return false
	case c.override == OverrideOn:
		return true
	case c.lease == nil: // OverrideOff, or the server could not be asked
		return false
	}
	on, _ := c.lease.Peek(TelemetryFlag)
	return on
}

// Flag reports whether the connection's host serves the flag name as "true"
// (any case), as Enabled does for TelemetryFlag: it never waits, reads what
// the actor last published and asks for a refresh when that is stale, and
// allocates nothing when it is fresh. A driver adding a feature flag reads
// it here. The Override concerns telemetry only: a connection with one asks
// the server nothing, and its Flag is false for every name; so is that of a
// closed connection.
func (c *Conn) Flag(name string) bool {
	if c == nil || c.lease == nil || c.closed.Load() {
		return false
	}
	on, _ := c.lease.Peek(name)
	return on
}

// Err reports why Open could not learn the server's flag (an invalid host, a
// fetch that failed, the open wait running out, a closed Gate), or nil. It
// describes the open only: a flag that arrives later turns Enabled on but
// leaves Err as it was. Telemetry errors never fail a connection; this is
// for the driver's logs.
func (c *Conn) Err() error {
	if c == nil {
		return nil
	}
	return c.err
}

// Close is called once as the connection closes; from then on Enabled is
// false. It is idempotent.
func (c *Conn) Close() {
	if c == nil || !c.closed.CompareAndSwap(false, true) {
		return
	}
	if c.lease != nil {
		c.lease.Release()
	}
}
