package telemetry_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/require"

	"github.com/flagactor/flagactor/telemetry"
)

// signalClock is a mock clock that reports the duration of every AfterFunc
// it arms (the Gate's open wait is one), so that a test moves the clock only
// once the wait it means to end is armed. It can also hold its next Now, to
// stop the actor's loop where it reads the clock.
type signalClock struct {
	*clock.Mock
	armed chan time.Duration

	mu        sync.Mutex
	hold      chan struct{} // when set, the next Now waits until it is closed
	held      chan struct{} // closed as that Now starts waiting
	panicNext bool          // the next Now panics
}

func newSignalClock() *signalClock {
	return &signalClock{Mock: clock.NewMock(), armed: make(chan time.Duration, 4096)}
}

func (c *signalClock) AfterFunc(d time.Duration, f func()) *clock.Timer {
	t := c.Mock.AfterFunc(d, f)
	select {
	case c.armed <- d:
	default: // nobody is counting this many
	}
	return t
}

// Now is the mock's time, after waiting for a hold set by holdNextNow, or a
// panic set by panicNextNow.
func (c *signalClock) Now() time.Time {
	c.mu.Lock()
	hold, held, panicNow := c.hold, c.held, c.panicNext
	c.hold, c.held, c.panicNext = nil, nil, false
	c.mu.Unlock()
	if panicNow {
		panic("signalClock: a fault injected by the test")
	}
	if hold != nil {
		close(held)
		<-hold
	}
	return c.Mock.Now()
}

// Since reads the clock through Now, so a hold or a panic set for the next
// Now applies to every way the actor reads the time.
func (c *signalClock) Since(t time.Time) time.Duration { return c.Now().Sub(t) }

// Until reads the clock through Now, as Since does.
func (c *signalClock) Until(t time.Time) time.Duration { return t.Sub(c.Now()) }

// holdNextNow makes the next call of Now wait until release is called;
// held is closed once that call waits. release is idempotent.
func (c *signalClock) holdNextNow() (held <-chan struct{}, release func()) {
	hold, heldCh := make(chan struct{}), make(chan struct{})
	c.mu.Lock()
	c.hold, c.held = hold, heldCh
	c.mu.Unlock()
	return heldCh, sync.OnceFunc(func() { close(hold) })
}

// panicNextNow makes the next call of Now panic: on the actor's loop, a
// fault that stops it.
func (c *signalClock) panicNextNow() {
	c.mu.Lock()
	c.panicNext = true
	c.mu.Unlock()
}

// awaitArmed waits until n AfterFuncs of d have been armed.
func (c *signalClock) awaitArmed(t *testing.T, d time.Duration, n int) {
	t.Helper()
	timeout := time.NewTimer(10 * time.Second)
	defer timeout.Stop()
	for n > 0 {
		select {
		case got := <-c.armed:
			if got == d {
				n--
			}
		case <-timeout.C:
			require.FailNow(t, "waits not armed on the Gate's clock", "%d wait(s) of %v still not armed", n, d)
		}
	}
}

// startHangingServer starts a TLS flag service that answers TelemetryFlag =
// true only once answer is closed, and returns a ConnConfig for it.
func startHangingServer(t *testing.T, answer <-chan struct{}) telemetry.ConnConfig {
	t.Helper()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
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
	return telemetry.ConnConfig{
		Host:          strings.TrimPrefix(srv.URL, "https://"),
		DriverVersion: driverVersion,
		Client:        srv.Client(),
	}
}

// holdLoopOnStats sends a Stats to gate's actor and holds the actor's loop
// as it reads the clock for it, so that the mailbox fills behind it. It
// returns once the loop is held: release lets it go on, and statsDone gets
// the Stats' error.
func holdLoopOnStats(t *testing.T, gate *telemetry.Gate, mock *signalClock) (release func(), statsDone <-chan error) {
	t.Helper()
	held, release := mock.holdNextNow()
	done := make(chan error, 1)
	go func() {
		_, err := gate.Stats(context.Background())
		done <- err
	}()
	select {
	case <-held:
	case <-time.After(10 * time.Second):
		release()
		require.FailNow(t, "the loop never read the clock")
	}
	return release, done
}
