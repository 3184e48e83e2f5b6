package telemetry_test

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/flagactor/flagactor/telemetry"
	"github.com/flagactor/flagactor/telemetry/flagactor"
)

// TestEveryOpenOnBusyActorHoldsItsLease: with no open wait, Opens that find
// the actor busy (its loop held, far more Opens than its mailbox has room
// for) return at once, yet every one of them holds its lease: once the flag
// arrives, every connection's Enabled turns true.
func TestEveryOpenOnBusyActorHoldsItsLease(t *testing.T) {
	const opens = 1000 // each sends two requests: far beyond the mailbox's 256
	answer := make(chan struct{})
	cfg := startHangingServer(t, answer)
	mock := newSignalClock()
	gate := newGate(t, telemetry.WithOpenWait(0), telemetry.WithActorOptions(flagactor.WithClock(mock)))
	first := gate.Open(t.Context(), cfg) // starts the actor and the fetch, which hangs
	defer first.Close()
	require.ErrorIs(t, first.Err(), telemetry.ErrOpenWait, "Err of the first Open")
	gateStats(t, gate) // the loop has taken up the first Open's requests

	release, statsDone := holdLoopOnStats(t, gate, mock)
	defer release()

	conns := make([]*telemetry.Conn, opens)
	var wg sync.WaitGroup
	for i := range conns {
		wg.Go(func() { conns[i] = gate.Open(t.Context(), cfg) })
	}
	wg.Wait() // no Open waits for the held loop
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	release()
	require.NoError(t, <-statsDone, "Stats")
	close(answer)

	off := func() int {
		n := 0
		for _, c := range conns {
			if !c.Enabled() {
				n++
			}
		}
		return n
	}
	deadline := time.Now().Add(10 * time.Second)
	for off() > 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	require.Zero(t, off(), "connections still off after the flag arrived, of %d opened on a busy actor", opens)
	require.Equal(t, opens+1, gateStats(t, gate).Leases, "leases")
}
