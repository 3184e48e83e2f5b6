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

// TestOpenWaitBoundsAcquire: the open wait bounds all of Open, taking the
// lease included. With the actor's loop held and its mailbox full, every
// Open returns once the open wait has passed, with ErrOpenWait, and holds
// its lease all the same: the loop applies every one once it goes on.
func TestOpenWaitBoundsAcquire(t *testing.T) {
	server := startFlagServer(t, "true")
	mock := newSignalClock()
	const openWait = time.Second
	gate := newGate(t, telemetry.WithOpenWait(openWait), telemetry.WithActorOptions(flagactor.WithClock(mock)))
	warm := gate.Open(t.Context(), connConfig(server)) // starts the actor; the flag is known
	defer warm.Close()
	require.True(t, warm.EnabledAtOpen(), "EnabledAtOpen of the first connection")
	mock.awaitArmed(t, openWait, 1)

	release, statsDone := holdLoopOnStats(t, gate, mock)
	defer release()

	// Far more Opens than the mailbox has room for: those whose Acquire goes
	// on the overflow wait in Acquire, at most the open wait.
	const opens = 400
	opened := make(chan *telemetry.Conn, opens)
	for range opens {
		go func() { opened <- gate.Open(t.Context(), connConfig(server)) }()
	}
	mock.awaitArmed(t, openWait, opens)
	mock.Add(openWait)
	conns := make([]*telemetry.Conn, 0, opens)
	for range opens {
		conn := awaitOpen(t, opened)
		conns = append(conns, conn)
		require.ErrorIs(t, conn.Err(), telemetry.ErrOpenWait, "Err of an Open on a held loop")
		require.False(t, conn.EnabledAtOpen(), "EnabledAtOpen of an Open on a held loop")
	}

	release()
	require.NoError(t, <-statsDone, "Stats")
	require.Equal(t, opens+1, gateStats(t, gate).Leases, "leases: every Open holds one")
	for _, conn := range conns {
		conn.Close()
	}
	require.Equal(t, 1, gateStats(t, gate).Leases, "leases once the held Opens are closed")
	require.Equal(t, int64(1), server.Requests(), "requests to the flag endpoint")
}
