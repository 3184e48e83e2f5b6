package telemetry_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/flagactor/flagactor/telemetry"
	"github.com/flagactor/flagactor/telemetry/flagactor"
)

// awaitOpen waits for the Conn an Open running on another goroutine sends.
func awaitOpen(t *testing.T, opened <-chan *telemetry.Conn) *telemetry.Conn {
	t.Helper()
	select {
	case conn := <-opened:
		return conn
	case <-time.After(10 * time.Second):
		require.FailNow(t, "Open did not return")
		return nil
	}
}

// TestOpenWaitRunsOnGateClock: a Gate whose actors run on a mock clock waits
// its open wait on that clock: Open returns when the mock has moved past the
// wait, not after the wait in real time.
func TestOpenWaitRunsOnGateClock(t *testing.T) {
	answer := make(chan struct{}) // never closed: the server does not answer
	cfg := startHangingServer(t, answer)
	mock := newSignalClock()
	const openWait = 3 * time.Second // below the fetch timeout, so only the open wait ends
	gate := newGate(t, telemetry.WithOpenWait(openWait), telemetry.WithActorOptions(flagactor.WithClock(mock)))

	opened := make(chan *telemetry.Conn, 1)
	go func() { opened <- gate.Open(t.Context(), cfg) }()
	mock.awaitArmed(t, openWait, 1)
	mock.Add(openWait - time.Millisecond)
	select {
	case conn := <-opened:
		conn.Close()
		require.FailNow(t, "Open returned before its open wait passed on the Gate's clock", "Err: %v", conn.Err())
	default:
	}
	mock.Add(time.Millisecond)
	conn := awaitOpen(t, opened)
	defer conn.Close()
	require.False(t, conn.EnabledAtOpen(), "EnabledAtOpen")
	require.ErrorIs(t, conn.Err(), context.DeadlineExceeded)
	require.ErrorIs(t, conn.Err(), telemetry.ErrOpenWait)
}
