package telemetry_test

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/flagactor/flagactor/telemetry"
	"github.com/flagactor/flagactor/telemetry/flagactor"
)

// TestGateCloseRacesOpens: connections of a few driver versions open and
// close on many goroutines while the Gate's clock runs (values expire, idle
// versions are given back) and the Gate is closed under them. Every Open
// that starts after Close has returned answers ErrClosed (one before may be
// served, or time out on the running clock), and once the connections are
// closed no goroutine of the Gate is left: no actor was started past Close,
// and none that Close collected was missed.
func TestGateCloseRacesOpens(t *testing.T) {
	const (
		openers    = 8
		opensEach  = 150
		closeAfter = openers * opensEach * 2 / 3
		versions   = 24 // each idle often enough to be given back while others open
	)
	server := startFlagServer(t, "true")
	leaks := goleak.IgnoreCurrent()
	mock := clock.NewMock()
	gate := telemetry.NewGate(
		telemetry.WithOpenWait(time.Hour), // the clock moves under the opens: do not let that end them
		telemetry.WithActorOptions(flagactor.WithClock(mock), flagactor.WithTTL(time.Minute)),
	)

	var opened, served atomic.Int64
	var closed atomic.Bool // set once gate.Close has returned
	stopClock := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() { // the Gate's time passes: answers expire, idle versions are given back
		for {
			select {
			case <-stopClock:
				return
			default:
				mock.Add(2 * time.Minute)
			}
		}
	})
	var openersWG sync.WaitGroup
	for o := range openers {
		openersWG.Go(func() {
			for i := range opensEach {
				cfg := connConfig(server)
				cfg.DriverVersion = fmt.Sprintf("1.0.%d", (o+i)%versions)
				after := closed.Load()
				conn := gate.Open(t.Context(), cfg)
				if n := opened.Add(1); n == closeAfter {
					wg.Go(func() {
						assert.NoError(t, gate.Close(), "Gate.Close")
						closed.Store(true)
					})
				}
				switch err := conn.Err(); {
				case after:
					assert.ErrorIs(t, err, flagactor.ErrClosed, "Err of an Open after Gate.Close returned")
				case err == nil:
					served.Add(1)
				}
				conn.Close()
			}
		})
	}
	openersWG.Wait()
	close(stopClock)
	wg.Wait()
	require.True(t, closed.Load(), "Gate.Close returned")
	require.NotZero(t, served.Load(), "connections served before Gate.Close")
	require.Zero(t, telemetry.ActorsOf(gate), "actors after Gate.Close")
	server.Client().CloseIdleConnections()
	requireNoLeaks(t, leaks)
}

// TestDefaultRaces: the process-wide Gate is used, closed in place and
// replaced from many goroutines at once. Every Open is served or finds its
// Gate closed, and once the last one is closed, no goroutine is left.
func TestDefaultRaces(t *testing.T) {
	const rounds = 40
	require.NoError(t, telemetry.Default().Close(), "Close of the default Gate before the test")
	server := startFlagServer(t, "true")
	leaks := goleak.IgnoreCurrent()

	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range rounds {
				conn := telemetry.Open(t.Context(), connConfig(server))
				if err := conn.Err(); err != nil {
					assert.ErrorIs(t, err, flagactor.ErrClosed, "Err of a connection on the process-wide Gate")
				}
				conn.Close()
			}
		})
	}
	wg.Go(func() {
		for range rounds {
			assert.NoError(t, telemetry.Default().Close(), "Close of the default Gate in place")
		}
	})
	wg.Go(func() {
		for range rounds {
			first, second := telemetry.Default(), telemetry.Default()
			assert.NotNil(t, first, "Default")
			assert.NotNil(t, second, "Default")
		}
	})
	wg.Wait()

	require.NoError(t, telemetry.Default().Close(), "Close of the default Gate")
	server.Client().CloseIdleConnections()
	requireNoLeaks(t, leaks)
}
