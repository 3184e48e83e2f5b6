package telemetry_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flagactor/flagactor/telemetry"
)

// TestOpenNilContext: Open with a nil context does not panic; it opens as
// with context.Background(), on a Gate and on the process-wide one.
func TestOpenNilContext(t *testing.T) {
	server := startFlagServer(t, "true")
	var noCtx context.Context // a driver's Connect may be handed none

	gate := newGate(t)
	var conn *telemetry.Conn
	require.NotPanics(t, func() { conn = gate.Open(noCtx, connConfig(server)) }, "Gate.Open with a nil context")
	require.NoError(t, conn.Err(), "Err")
	require.True(t, conn.Enabled(), "Enabled at open")
	conn.Close()

	require.NoError(t, telemetry.Default().Close(), "Close of the default Gate before the process-wide Open")
	t.Cleanup(func() { require.NoError(t, telemetry.Default().Close(), "Close of the default Gate") })
	require.NotPanics(t, func() { conn = telemetry.Open(noCtx, connConfig(server)) }, "Open with a nil context")
	require.NoError(t, conn.Err(), "Err")
	require.True(t, conn.Enabled(), "Enabled at open")
	conn.Close()
}
