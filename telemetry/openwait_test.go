package telemetry_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
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
	require.False(t, conn.Enabled(), "Enabled at open")
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
	require.True(t, warm.Enabled(), "Enabled at open of the first connection")
	mock.awaitArmed(t, openWait, 1)

	release, statsDone := holdLoopOnStats(t, gate, mock)
	defer release()

	// Far more Opens than the mailbox has room for: those whose Acquire goes
	// on the overflow wait in Acquire, at most the open wait, and the others
	// for their query's answer. (Of another driver version: a fresh flag
	// would answer them at once, even from a held loop.)
	const opens = 400
	opened := make(chan *telemetry.Conn, opens)
	held := connConfig(server)
	held.DriverVersion = "9.9.9"
	for range opens {
		go func() { opened <- gate.Open(t.Context(), held) }()
	}
	mock.awaitArmed(t, openWait, opens)
	mock.Add(openWait)
	conns := make([]*telemetry.Conn, 0, opens)
	for range opens {
		conn := awaitOpen(t, opened)
		conns = append(conns, conn)
		require.ErrorIs(t, conn.Err(), telemetry.ErrOpenWait, "Err of an Open on a held loop")
		require.False(t, conn.Enabled(), "Enabled at open of an Open on a held loop")
	}

	release()
	require.NoError(t, <-statsDone, "Stats")
	require.Equal(t, opens+1, gateStats(t, gate).Leases, "leases: every Open holds one")
	for _, conn := range conns {
		conn.Close()
	}
	require.Equal(t, 1, gateStats(t, gate).Leases, "leases once the held Opens are closed")
	require.LessOrEqual(t, server.Requests(), int64(2), "requests to the flag endpoint: one per version")
}

// TestOpenAfterGivingUpDoesNotWait: once an Open's wait has run out on a
// host's fetch (a TLS server that holds the request), later Opens of that
// host and version do not wait while that fetch is in flight, nor in the
// backoff after it failed: they are off at once, with ErrOpenWait, and ask
// nothing. Once the fetch ends the wait comes back: after an answer, the
// flag is served; after the fetch timed out and the backoff passed, an Open
// waits again on the next fetch.
func TestOpenAfterGivingUpDoesNotWait(t *testing.T) {
	for _, end := range []string{"answer", "timeout"} {
		t.Run(end, func(t *testing.T) {
			var requests atomic.Int64
			started := make(chan struct{}, 4)
			answer := make(chan struct{})
			srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				requests.Add(1)
				started <- struct{}{}
				select {
				case <-answer:
				case <-r.Context().Done():
					return
				}
				fmt.Fprintf(w, `{"flags":[{"name":%q,"value":"true"}],"ttl_seconds":900}`, telemetry.TelemetryFlag)
			}))
			t.Cleanup(func() {
				srv.Close()
				srv.Client().CloseIdleConnections()
			})
			release := sync.OnceFunc(func() { close(answer) })
			t.Cleanup(release)
			cfg := telemetry.ConnConfig{Host: strings.TrimPrefix(srv.URL, "https://"), DriverVersion: driverVersion, Client: srv.Client()}
			const openWait, fetchTimeout = time.Second, 5 * time.Second
			mock := newSignalClock()
			gate := newGate(t, telemetry.WithOpenWait(openWait),
				telemetry.WithActorOptions(flagactor.WithClock(mock), flagactor.WithFetchTimeout(fetchTimeout)))
			open := func() <-chan *telemetry.Conn {
				opened := make(chan *telemetry.Conn, 1)
				go func() { opened <- gate.Open(t.Context(), cfg) }()
				return opened
			}
			awaitStarted := func() {
				select {
				case <-started:
				case <-time.After(10 * time.Second):
					require.FailNow(t, "the fetch never reached the server")
				}
			}

			opened := open()
			mock.awaitArmed(t, openWait, 1)
			awaitStarted()
			mock.Add(openWait)
			first := awaitOpen(t, opened)
			defer first.Close()
			require.ErrorIs(t, first.Err(), telemetry.ErrOpenWait, "Err of the Open whose wait ran out")

			for i := range 3 { // the clock stands still: none of them may wait
				conn := awaitOpen(t, open())
				defer conn.Close()
				require.False(t, conn.Enabled(), "Enabled at open of Open %d after one gave up", i)
				require.ErrorIs(t, conn.Err(), telemetry.ErrOpenWait, "Err of Open %d after one gave up", i)
			}
			require.Equal(t, int64(1), requests.Load(), "requests while the fetch hangs")

			switch end {
			case "answer":
				release()
				require.Eventually(t, first.Enabled, 10*time.Second, time.Millisecond, "Enabled once the server answered")
				conn := awaitOpen(t, open())
				defer conn.Close()
				require.True(t, conn.Enabled(), "Enabled at open once the fetch has ended with an answer; Err: %v", conn.Err())
			case "timeout":
				mock.Add(fetchTimeout) // the fetch fails; the host backs off
				require.Eventually(t, func() bool {
					hosts, err := gate.Hosts(t.Context())
					return err == nil && len(hosts) == 1 && !hosts[0].Fetching
				}, 10*time.Second, time.Millisecond, "the timed-out fetch never returned")
				conn := awaitOpen(t, open()) // inside the backoff: at once
				defer conn.Close()
				require.False(t, conn.Enabled(), "Enabled at open inside the backoff")
				require.ErrorIs(t, conn.Err(), telemetry.ErrOpenWait, "Err inside the backoff")
				mock.Add(time.Minute) // past the backoff
				opened := open()
				mock.awaitArmed(t, openWait, 1) // it waits again, on a fetch of its own
				awaitStarted()
				release()
				conn = awaitOpen(t, opened)
				defer conn.Close()
				require.True(t, conn.Enabled(), "Enabled at open of an Open that waited again; Err: %v", conn.Err())
				require.Equal(t, int64(2), requests.Load(), "requests: the one that timed out, and the next")
			}
		})
	}
}
