package telemetry_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flagactor/flagactor/telemetry"
	"github.com/flagactor/flagactor/telemetry/flagactor"
	"github.com/flagactor/flagactor/telemetry/messages"
)

// TestDefaultReplacesClosedGate: a process-wide Gate someone closed is
// replaced on next use instead of answering ErrClosed for ever.
func TestDefaultReplacesClosedGate(t *testing.T) {
	require.NoError(t, telemetry.Default().Close(), "Close of the default Gate before the test")
	t.Cleanup(func() { require.NoError(t, telemetry.Default().Close(), "Close of the default Gate") })
	server := startFlagServer(t, "true")

	first := telemetry.Default()
	conn := telemetry.Open(t.Context(), connConfig(server))
	require.NoError(t, conn.Err(), "Err on the first default Gate")
	require.NoError(t, first.Close(), "Close of the default Gate")
	require.False(t, conn.Enabled(), "Enabled on a connection of the closed Gate")
	conn.Close()

	conn = telemetry.Open(t.Context(), connConfig(server))
	defer conn.Close()
	require.NoError(t, conn.Err(), "Err of an Open after the default Gate was closed")
	require.True(t, conn.Enabled(), "Enabled after the default Gate was closed")
	require.NotSame(t, first, telemetry.Default(), "Default after the default Gate was closed")
}

// TestGateReplacesStoppedActor: an actor whose loop stopped after a fault is
// replaced by the next connection of its driver version, so a Gate (the
// process-wide one included) does not answer ErrClosed for ever after it.
func TestGateReplacesStoppedActor(t *testing.T) {
	server := startFlagServer(t, "true")
	mock := newSignalClock()
	gate := telemetry.NewGate(telemetry.WithActorOptions(flagactor.WithClock(mock)))

	before := gate.Open(t.Context(), connConfig(server))
	require.NoError(t, before.Err(), "Err before the fault")
	mock.panicNextNow()
	stats, err := gate.Stats(t.Context()) // the loop reads the clock, and stops
	require.NoError(t, err, "Stats as the loop stops: the stopped actor is passed over")
	require.Equal(t, messages.Stats{}, stats, "Stats as the loop stops: the stopped actor is passed over")
	require.False(t, before.Enabled(), "Enabled on a connection of the stopped actor")
	before.Close()

	after := gate.Open(t.Context(), connConfig(server))
	require.NoError(t, after.Err(), "Err of an Open after the fault")
	require.True(t, after.Enabled(), "Enabled after the fault")
	stats, err = gate.Stats(t.Context())
	require.NoError(t, err, "Stats after the fault")
	require.Equal(t, 1, stats.Leases, "leases on the new actor")
	after.Close()
	require.Equal(t, int64(2), server.Requests(), "requests: one per actor")

	err = gate.Close()
	require.ErrorIs(t, err, flagactor.ErrClosed, "Close reports the fault")
	require.ErrorContains(t, err, "panic", "Close reports the fault")
}
