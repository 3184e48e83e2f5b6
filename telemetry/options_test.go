package telemetry_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/flagactor/flagactor/telemetry"
	"github.com/flagactor/flagactor/telemetry/flagactor"
)

// TestOpenWaitZeroDoesNotWait: WithOpenWait(0) makes Open not wait for the
// flag at all (the Gate's clock never moves here); it starts the fetch
// before Enabled is ever asked, and the flag that arrives later turns
// Enabled on.
func TestOpenWaitZeroDoesNotWait(t *testing.T) {
	answer := make(chan struct{})
	cfg := startHangingServer(t, answer)
	sent := &countingTransport{next: cfg.Client.Transport}
	cfg.Client = &http.Client{Transport: sent}
	mock := newSignalClock()
	gate := newGate(t, telemetry.WithOpenWait(0), telemetry.WithActorOptions(flagactor.WithClock(mock)))

	opened := make(chan *telemetry.Conn, 1)
	go func() { opened <- gate.Open(t.Context(), cfg) }()
	conn := awaitOpen(t, opened)
	defer conn.Close()
	require.False(t, conn.Enabled(), "Enabled at open with the flag not known")
	require.ErrorIs(t, conn.Err(), telemetry.ErrOpenWait)

	require.Eventually(t, func() bool { return sent.requests.Load() == 1 }, 10*time.Second, time.Millisecond,
		"Open did not start the fetch")

	close(answer)
	require.Eventually(t, conn.Enabled, 10*time.Second, time.Millisecond, "Enabled once the fetch Open started has answered")
}

// TestNilOptionsAreIgnored: a nil GateOption, or a nil flagactor.Option
// passed through WithActorOptions, is ignored.
func TestNilOptionsAreIgnored(t *testing.T) {
	server := startFlagServer(t, "true")
	var gate *telemetry.Gate
	require.NotPanics(t, func() {
		gate = telemetry.NewGate(nil, telemetry.WithActorOptions(nil, flagactor.WithClock(newSignalClock())), nil)
	}, "NewGate with nil options")
	t.Cleanup(func() { require.NoError(t, gate.Close(), "Gate.Close") })
	var conn *telemetry.Conn
	require.NotPanics(t, func() { conn = gate.Open(t.Context(), connConfig(server)) }, "Open on a Gate made with nil options")
	defer conn.Close()
	require.NoError(t, conn.Err(), "Err")
	require.True(t, conn.Enabled(), "Enabled")
}
