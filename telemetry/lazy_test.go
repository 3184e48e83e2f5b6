package telemetry_test

import (
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/flagactor/flagactor/telemetry"
	"github.com/flagactor/flagactor/telemetry/flagactor"
)

// TestOverrideStartsNothing: a connection whose client set enableTelemetry
// starts no goroutine, not even the process-wide Gate's actor, and asks the
// server nothing; so a driver's own goleak tests pass with telemetry off.
func TestOverrideStartsNothing(t *testing.T) {
	require.NoError(t, telemetry.Default().Close(), "Close of the default Gate before the test")
	t.Cleanup(func() { require.NoError(t, telemetry.Default().Close(), "Close of the default Gate") })
	server := startFlagServer(t, "true")
	leaks := goleak.IgnoreCurrent()

	for _, override := range []telemetry.Override{telemetry.OverrideOff, telemetry.OverrideOn} {
		cfg := connConfig(server)
		cfg.Override = override
		conn := telemetry.Open(t.Context(), cfg)
		require.NoError(t, conn.Err(), "Err, override %v", override)
		require.Equal(t, override == telemetry.OverrideOn, conn.Enabled(), "Enabled, override %v", override)
		requireNoLeaks(t, leaks) // with the connection still open
		conn.Close()

		private := telemetry.NewGate()
		conn = private.Open(t.Context(), cfg)
		require.Equal(t, override == telemetry.OverrideOn, conn.Enabled(), "Enabled on a private Gate, override %v", override)
		requireNoLeaks(t, leaks)
		conn.Close()
		require.NoError(t, private.Close(), "Close of a Gate that started nothing")
	}
	require.Zero(t, server.Requests(), "requests to the flag endpoint")
}

// TestZeroGate: a Gate's zero value is a Gate with the default options, and
// closing one that never started anything returns at once.
func TestZeroGate(t *testing.T) {
	server := startFlagServer(t, "true")

	var gate telemetry.Gate
	conn := gate.Open(t.Context(), connConfig(server))
	require.NoError(t, conn.Err(), "Err")
	require.True(t, conn.Enabled(), "Enabled at open")
	require.True(t, conn.Enabled(), "Enabled")
	conn.Close()
	stats, err := gate.Stats(t.Context())
	require.NoError(t, err, "Stats")
	require.Equal(t, uint64(1), stats.Fetches, "fetches")
	require.NoError(t, gate.Close(), "Close")
	after := gate.Open(t.Context(), connConfig(server))
	require.ErrorIs(t, after.Err(), flagactor.ErrClosed, "Err of an Open after Close")

	var idle telemetry.Gate
	require.NoError(t, idle.Close(), "Close of a zero Gate")
	require.NoError(t, idle.Close(), "second Close of a zero Gate")
	after = idle.Open(t.Context(), connConfig(server))
	require.ErrorIs(t, after.Err(), flagactor.ErrClosed, "Err of an Open on a closed zero Gate")
	require.Equal(t, int64(1), server.Requests(), "requests to the flag endpoint")
}

// TestInvalidHostStartsNothing: a connection whose host cannot be a host
// starts no actor: it could never ask the server.
func TestInvalidHostStartsNothing(t *testing.T) {
	leaks := goleak.IgnoreCurrent()
	gate := telemetry.NewGate()
	conn := gate.Open(t.Context(), telemetry.ConnConfig{Host: "user@host.example", DriverVersion: driverVersion})
	defer conn.Close()
	require.ErrorIs(t, conn.Err(), flagactor.ErrInvalidHost)
	require.NotContains(t, conn.Err().Error(), "user@", "the error repeats what may be a secret")
	requireNoLeaks(t, leaks)
	require.NoError(t, gate.Close(), "Gate.Close")
}

// TestGateWithNoActorAnswersAtOnce: a Gate no connection has asked the server
// through answers its operator's calls without starting anything (zero
// Stats, no Hosts, an Invalidate that is no error), and once closed answers
// them flagactor.ErrClosed itself, in its own words.
func TestGateWithNoActorAnswersAtOnce(t *testing.T) {
	leaks := goleak.IgnoreCurrent()
	gate := telemetry.NewGate()
	stats, err := gate.Stats(t.Context())
	require.NoError(t, err, "Stats")
	require.Zero(t, stats, "Stats")
	hosts, err := gate.Hosts(t.Context())
	require.NoError(t, err, "Hosts")
	require.Empty(t, hosts, "Hosts")
	require.NoError(t, gate.Invalidate(t.Context(), "flags.example"), "Invalidate")
	requireNoLeaks(t, leaks)
	require.Zero(t, telemetry.ActorsOf(gate), "actors")

	require.NoError(t, gate.Close(), "Close")
	_, err = gate.Stats(t.Context())
	require.Equal(t, flagactor.ErrClosed, err, "Stats after Close")
	_, err = gate.Hosts(t.Context())
	require.Equal(t, flagactor.ErrClosed, err, "Hosts after Close")
	require.Equal(t, flagactor.ErrClosed, gate.Invalidate(t.Context(), "flags.example"), "Invalidate after Close")
}
