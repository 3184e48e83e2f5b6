package telemetry_test

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/flagactor/flagactor/telemetry"
	"github.com/flagactor/flagactor/telemetry/flagactor"
)

// TestOpenRefusesBadDriverVersion: a DriverVersion that cannot be a path
// segment is refused at Open, with an error matching ErrBadDriverVersion:
// no request is made and no actor is started.
func TestOpenRefusesBadDriverVersion(t *testing.T) {
	server := startFlagServer(t, "true")
	leaks := goleak.IgnoreCurrent()
	gate := telemetry.NewGate()
	for _, version := range []string{"", ".", ".."} {
		cfg := connConfig(server)
		cfg.DriverVersion = version
		conn := gate.Open(t.Context(), cfg)
		require.ErrorIs(t, conn.Err(), telemetry.ErrBadDriverVersion, "Err, DriverVersion %q", version)
		require.False(t, conn.EnabledAtOpen(), "EnabledAtOpen, DriverVersion %q", version)
		require.False(t, conn.Enabled(), "Enabled, DriverVersion %q", version)
		requireNoLeaks(t, leaks) // with the connection still open
		conn.Close()
	}
	require.Zero(t, telemetry.ActorsOf(gate), "actors of the Gate")
	require.Zero(t, server.Requests(), "requests to the flag endpoint")
	require.NoError(t, gate.Close(), "Gate.Close")
}

// TestIdleVersionsGiveBackWhatTheyStarted: 2000 driver versions, each with
// one connection opened and closed, give back their actors' goroutines once
// their hosts are evicted, measured on the Gate's clock, without Gate.Close;
// and a version that was given back opens again.
func TestIdleVersionsGiveBackWhatTheyStarted(t *testing.T) {
	const versions = 2000
	server := startFlagServer(t, "true")
	mock := clock.NewMock()
	gate := newGate(t, telemetry.WithActorOptions(flagactor.WithClock(mock)))
	version := func(i int) string { return fmt.Sprintf("1.0.%d", i) }
	open := func(i int) *telemetry.Conn {
		cfg := connConfig(server)
		cfg.DriverVersion = version(i)
		conn := gate.Open(t.Context(), cfg)
		require.NoError(t, conn.Err(), "Err of a connection of version %s", cfg.DriverVersion)
		require.True(t, conn.EnabledAtOpen(), "EnabledAtOpen of a connection of version %s", cfg.DriverVersion)
		return conn
	}
	// The server's connections are counted in neither figure: the client's
	// idle ones are closed before each count.
	server.Client().CloseIdleConnections()
	before, heapBefore := runtime.NumGoroutine(), heapInUse()

	for i := range versions {
		open(i).Close()
	}
	server.Client().CloseIdleConnections()
	require.Equal(t, versions, telemetry.ActorsOf(gate), "actors with every version's connection just closed")
	t.Logf("with %d idle versions: goroutines %d (%d before), heap in use +%d KiB",
		versions, runtime.NumGoroutine(), before, (heapInUse()-heapBefore)>>10)

	// Each step moves the Gate's clock a minute, past the answers' TTL in the
	// end. The condition runs on a goroutine of its own: one more than before.
	require.Eventually(t, func() bool {
		mock.Add(time.Minute)
		server.Client().CloseIdleConnections()
		return telemetry.ActorsOf(gate) == 0 && runtime.NumGoroutine() <= before+1
	}, 30*time.Second, 5*time.Millisecond, "idle versions still hold their actors")

	t.Logf("once given back: goroutines %d, heap in use %+d KiB", runtime.NumGoroutine(), (heapInUse()-heapBefore)>>10)

	conn := open(7)
	require.True(t, conn.Enabled(), "Enabled on a version opened again after it was given back")
	conn.Close()
	require.Equal(t, int64(versions+1), server.Requests(), "requests: one per version, and one for the version opened again")
}

// heapInUse is the heap's size in use after a collection, for the log.
func heapInUse() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapInuse)
}

// TestGateCloseStopsIdleCheck: the idle check a closing connection arms on
// the Gate's clock is stopped by Gate.Close: once Close has returned, no
// goroutine of the Gate runs, however far its clock moves.
func TestGateCloseStopsIdleCheck(t *testing.T) {
	server := startFlagServer(t, "true")
	leaks := goleak.IgnoreCurrent()
	mock := clock.NewMock()
	gate := telemetry.NewGate(telemetry.WithActorOptions(flagactor.WithClock(mock)))
	conn := gate.Open(t.Context(), connConfig(server))
	require.NoError(t, conn.Err(), "Err")
	conn.Close() // the Gate's last connection: the idle check is armed
	require.NoError(t, gate.Close(), "Gate.Close")

	mock.Add(2 * flagactor.MaxServerTTL)
	server.Client().CloseIdleConnections()
	requireNoLeaks(t, leaks)
	require.Zero(t, telemetry.ActorsOf(gate), "actors after Gate.Close")
}
