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
	for _, override := range []telemetry.Override{telemetry.OverrideUnset, telemetry.OverrideOn} {
		t.Run(override.String(), func(t *testing.T) {
			gate := newGate(t)
			cfg := connConfig(server)
			cfg.Override = override

			closed := gate.Open(t.Context(), cfg)
			require.True(t, closed.Enabled(), "Enabled before Close")
			closed.Close()
			require.False(t, closed.Enabled(), "Enabled on a closed connection")
			require.True(t, closed.EnabledAtOpen(), "EnabledAtOpen is the decision at open; Close does not change it")

			open := gate.Open(t.Context(), cfg)
			defer open.Close()
			require.True(t, open.Enabled(), "Enabled before Gate.Close")
			require.NoError(t, gate.Close(), "Gate.Close")
			require.False(t, open.Enabled(), "Enabled on a connection whose Gate was closed")

			after := gate.Open(t.Context(), cfg)
			defer after.Close()
			require.False(t, after.EnabledAtOpen(), "EnabledAtOpen on a closed Gate")
			require.False(t, after.Enabled(), "Enabled on a closed Gate")
			require.ErrorIs(t, after.Err(), flagactor.ErrClosed, "Err on a closed Gate")
		})
	}

	t.Run("Shutdown", func(t *testing.T) {
		require.NoError(t, telemetry.Shutdown(), "Shutdown before the test")
		t.Cleanup(func() { require.NoError(t, telemetry.Shutdown(), "Shutdown") })
		cfg := connConfig(server)
		cfg.Override = telemetry.OverrideOn
		conn := telemetry.Open(t.Context(), cfg)
		defer conn.Close()
		require.True(t, conn.Enabled(), "Enabled before Shutdown")
		require.NoError(t, telemetry.Shutdown(), "Shutdown")
		require.False(t, conn.Enabled(), "Enabled on a connection of a Gate Shutdown stopped")
	})
}

// TestZeroConnIsOff: a Conn made without Open is telemetry off.
func TestZeroConnIsOff(t *testing.T) {
	var c telemetry.Conn
	require.False(t, c.Enabled(), "Enabled")
	require.False(t, c.EnabledAtOpen(), "EnabledAtOpen")
	require.NoError(t, c.Err(), "Err")
	require.NotPanics(t, c.Close, "Close")
}
