package telemetry_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flagactor/flagactor/telemetry"
	"github.com/flagactor/flagactor/telemetry/flagactor"
)

// TestClosedMeansOff: a closed connection, or one whose Gate was closed or
// shut down, has telemetry off, whatever its override; so does a connection
// opened on a closed Gate.
func TestClosedMeansOff(t *testing.T) {
	server := startFlagServer(t, "true")
	for name, override := range map[string]telemetry.Override{"unset": telemetry.OverrideUnset, "on": telemetry.OverrideOn} {
		t.Run(name, func(t *testing.T) {
			gate := newGate(t)
			cfg := connConfig(server)
			cfg.Override = override

			closed := gate.Open(t.Context(), cfg)
			require.True(t, closed.Enabled(), "Enabled before Close")
			closed.Close()
			require.False(t, closed.Enabled(), "Enabled on a closed connection")

			open := gate.Open(t.Context(), cfg)
			defer open.Close()
			require.True(t, open.Enabled(), "Enabled before Gate.Close")
			require.NoError(t, gate.Close(), "Gate.Close")
			require.False(t, open.Enabled(), "Enabled on a connection whose Gate was closed")

			after := gate.Open(t.Context(), cfg)
			defer after.Close()
			require.False(t, after.Enabled(), "Enabled at open on a closed Gate")
			require.False(t, after.Enabled(), "Enabled on a closed Gate")
			require.ErrorIs(t, after.Err(), flagactor.ErrClosed, "Err on a closed Gate")
		})
	}

	t.Run("closed default Gate", func(t *testing.T) {
		require.NoError(t, telemetry.Default().Close(), "Close of the default Gate before the test")
		t.Cleanup(func() { require.NoError(t, telemetry.Default().Close(), "Close of the default Gate") })
		cfg := connConfig(server)
		cfg.Override = telemetry.OverrideOn
		conn := telemetry.Open(t.Context(), cfg)
		defer conn.Close()
		require.True(t, conn.Enabled(), "Enabled before the default Gate closed")
		require.NoError(t, telemetry.Default().Close(), "Close of the default Gate")
		require.False(t, conn.Enabled(), "Enabled on a connection of the closed default Gate")
	})
}

// TestZeroConnIsOff: a Conn made without Open is telemetry off.
func TestZeroConnIsOff(t *testing.T) {
	var c telemetry.Conn
	require.False(t, c.Enabled(), "Enabled")
	require.False(t, c.Enabled(), "Enabled at open")
	require.NoError(t, c.Err(), "Err")
	require.NotPanics(t, c.Close, "Close")
}
