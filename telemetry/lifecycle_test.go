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

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/flagactor/flagactor/internal/flagserver"
	"github.com/flagactor/flagactor/telemetry"
	"github.com/flagactor/flagactor/telemetry/flagactor"
	"github.com/flagactor/flagactor/telemetry/messages"
)

const driverVersion = "1.2.3"

// startFlagServer starts a fake flag service serving TelemetryFlag = value,
// and closes it, with its client's idle connections, when the test ends.
func startFlagServer(t testing.TB, value string) *flagserver.Server {
	t.Helper()
	s := flagserver.New(flagserver.Config{Flags: map[string]string{telemetry.TelemetryFlag: value}})
	t.Cleanup(func() {
		s.Close()
		s.Client().CloseIdleConnections()
	})
	return s
}

// connConfig is what a driver would pass to open a connection to s.
func connConfig(s *flagserver.Server) telemetry.ConnConfig {
	return telemetry.ConnConfig{Host: s.Host(), DriverVersion: driverVersion, Client: s.Client()}
}

// newGate starts a private Gate on a mock clock, so no answer ever expires
// during a test, and closes it when the test ends.
func newGate(t *testing.T, opts ...telemetry.GateOption) *telemetry.Gate {
	t.Helper()
	opts = append([]telemetry.GateOption{telemetry.WithActorOptions(flagactor.WithClock(clock.NewMock()))}, opts...)
	g := telemetry.NewGate(opts...)
	t.Cleanup(func() { require.NoError(t, g.Close(), "Gate.Close") })
	return g
}

func gateStats(t *testing.T, g *telemetry.Gate) messages.Stats {
	t.Helper()
	stats, err := g.Stats(t.Context())
	require.NoError(t, err, "Stats")
	return stats
}

// countingTransport counts the requests a client sends, then passes them on.
type countingTransport struct {
	next     http.RoundTripper
	requests atomic.Int64
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.requests.Add(1)
	return c.next.RoundTrip(r)
}

// downServer returns the host of a TLS server that has been closed (nothing
// listens on its port any more) and a client for it that counts what it sends.
func downServer(t *testing.T) (host string, client *http.Client, sent *countingTransport) {
	t.Helper()
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	host = strings.TrimPrefix(srv.URL, "https://")
	sent = &countingTransport{next: srv.Client().Transport}
	srv.Close()
	return host, &http.Client{Transport: sent}, sent
}

// requireNoLeaks checks that every goroutine started since ignore was taken
// has ended. Close what the test started first.
func requireNoLeaks(t *testing.T, ignore goleak.Option) {
	t.Helper()
	require.NoError(t, goleak.Find(ignore), "goroutines left")
}

// TestOpenDoesNotWaitForSlowServer: a flag service that takes 5s to answer
// does not hold a connection's open past the open wait (on the Gate's
// clock); the flag it sends later turns the connection's telemetry on
// without a reopen.
func TestOpenDoesNotWaitForSlowServer(t *testing.T) {
	leaks := goleak.IgnoreCurrent()

	var requests atomic.Int64
	started := make(chan struct{}, 1)
	unblock := make(chan struct{})
	release := sync.OnceFunc(func() { close(unblock) })
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		select {
		case started <- struct{}{}:
		default:
		}
		answerAfter := time.NewTimer(5 * time.Second)
		defer answerAfter.Stop()
		select {
		case <-answerAfter.C:
		case <-unblock:
		case <-r.Context().Done():
			return
		}
		fmt.Fprintf(w, `{"flags":[{"name":%q,"value":"true"}],"ttl_seconds":900}`, telemetry.TelemetryFlag)
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(release) // runs first: a handler still waiting returns
	cfg := telemetry.ConnConfig{
		Host:          strings.TrimPrefix(srv.URL, "https://"),
		DriverVersion: driverVersion,
		Client:        srv.Client(),
	}

	// The open wait runs on the Gate's clock: the test ends it by moving the
	// clock once Open has armed it, while the server still holds the fetch.
	mock := newSignalClock()
	const openWait = 200 * time.Millisecond
	gate := newGate(t, telemetry.WithOpenWait(openWait), telemetry.WithActorOptions(flagactor.WithClock(mock)))
	opened := make(chan *telemetry.Conn, 1)
	go func() { opened <- gate.Open(t.Context(), cfg) }()
	mock.awaitArmed(t, openWait, 1)
	select {
	case <-started: // the one fetch reached the server
	case <-time.After(10 * time.Second):
		require.FailNow(t, "the fetch Open started never reached the server")
	}
	mock.Add(openWait)
	first := awaitOpen(t, opened)
	require.False(t, first.Enabled(), "Enabled at open with the flag still on its way")
	require.ErrorIs(t, first.Err(), context.DeadlineExceeded)

	// A connection opened while the fetch is in flight makes no request of
	// its own, nor waits for that fetch, which an Open gave up on already
	// (TestOpenAfterGivingUpDoesNotWait).
	second := gate.Open(t.Context(), cfg)
	require.False(t, second.Enabled(), "second Enabled at open")
	require.ErrorIs(t, second.Err(), telemetry.ErrOpenWait)
	require.False(t, first.Enabled(), "Enabled before the server answered")

	release()
	require.Eventually(t, first.Enabled, 5*time.Second, 5*time.Millisecond, "Enabled never turned true after the server answered")
	require.True(t, second.Enabled(), "second Enabled once the flag is known")
	require.Equal(t, int64(1), requests.Load(), "requests to the flag endpoint")

	first.Close()
	second.Close()
	require.Equal(t, 0, gateStats(t, gate).Leases, "leases after both connections closed")
	require.NoError(t, gate.Close(), "Gate.Close")
	srv.Close()
	requireNoLeaks(t, leaks)
}

// TestOpenWaitIsCappedByContext: a caller whose context ends before the open
// wait gets its connection back when its context ends.
func TestOpenWaitIsCappedByContext(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done() // never answers
	}))
	t.Cleanup(srv.Close)
	gate := newGate(t) // the default open wait: 2s

	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	begin := time.Now()
	conn := gate.Open(ctx, telemetry.ConnConfig{
		Host:          strings.TrimPrefix(srv.URL, "https://"),
		DriverVersion: driverVersion,
		Client:        srv.Client(),
	})
	defer conn.Close()
	elapsed := time.Since(begin)
	require.Less(t, elapsed, 2*time.Second, "Open took %v with a 50ms context", elapsed)
	require.False(t, conn.Enabled(), "Enabled at open")
	require.False(t, conn.Enabled(), "Enabled")
	require.ErrorIs(t, conn.Err(), context.DeadlineExceeded)
	require.NotErrorIs(t, conn.Err(), telemetry.ErrOpenWait, "the caller's deadline passed, not the open wait")
	require.NoError(t, gate.Close(), "Gate.Close") // cancels the fetch the server holds
}

// TestOpenFailedFetch: a flag service that answers an error does not fail
// the connection: telemetry is off and Err says why.
func TestOpenFailedFetch(t *testing.T) {
	server := startFlagServer(t, "true")
	server.SetMode(flagserver.Mode{Status: http.StatusInternalServerError})
	gate := newGate(t)

	conn := gate.Open(t.Context(), connConfig(server))
	defer conn.Close()
	require.False(t, conn.Enabled(), "Enabled at open")
	require.False(t, conn.Enabled(), "Enabled")
	var status *telemetry.StatusError
	require.ErrorAs(t, conn.Err(), &status)
	require.ErrorContains(t, status, "HTTP 500 Internal Server Error", "status in Err")
	require.Equal(t, int64(1), server.Requests(), "requests to the flag endpoint")
}

func TestOpenInvalidHost(t *testing.T) {
	for _, host := range []string{"", "   ", "https://host.example/path", "user@host.example", "host name.example", "host.example?x=1"} {
		t.Run(fmt.Sprintf("%q", host), func(t *testing.T) {
			server := startFlagServer(t, "true")
			gate := newGate(t)
			cfg := connConfig(server)
			cfg.Host = host

			conn := gate.Open(t.Context(), cfg)
			require.False(t, conn.Enabled(), "Enabled at open")
			require.False(t, conn.Enabled(), "Enabled")
			require.ErrorIs(t, conn.Err(), flagactor.ErrInvalidHost)
			conn.Close()
			conn.Close()

			require.Equal(t, int64(0), server.Requests(), "requests to the flag endpoint")
			stats := gateStats(t, gate)
			require.Equal(t, messages.Stats{}, stats, "actor stats after an invalid host")
		})
	}
}

func TestConnCloseIsIdempotent(t *testing.T) {
	server := startFlagServer(t, "true")
	gate := newGate(t)

	a := gate.Open(t.Context(), connConfig(server))
	b := gate.Open(t.Context(), connConfig(server))
	require.NoError(t, a.Err(), "a.Err")
	require.NoError(t, b.Err(), "b.Err")
	require.True(t, a.Enabled() && b.Enabled(), "Enabled: got a=%v b=%v, want both true", a.Enabled(), b.Enabled())
	require.Equal(t, 2, gateStats(t, gate).Leases, "leases with two connections open")

	a.Close()
	a.Close()
	require.Equal(t, 1, gateStats(t, gate).Leases, "leases after closing one connection twice")
	require.False(t, a.Enabled(), "Enabled on a closed connection")
	require.True(t, b.Enabled(), "Enabled on the connection still open")

	b.Close()
	require.Equal(t, 0, gateStats(t, gate).Leases, "leases after closing both")
	require.Equal(t, int64(1), server.Requests(), "requests to the flag endpoint")
}

func TestClosedGate(t *testing.T) {
	server := startFlagServer(t, "true")
	gate := newGate(t)
	before := gate.Open(t.Context(), connConfig(server))
	require.True(t, before.Enabled(), "Enabled before Gate.Close")

	require.NoError(t, gate.Close(), "Gate.Close")
	require.NoError(t, gate.Close(), "second Gate.Close")

	require.False(t, before.Enabled(), "Enabled, on a connection opened before Gate.Close, after it")
	before.Close() // does not block on the stopped actor

	after := gate.Open(t.Context(), connConfig(server))
	require.False(t, after.Enabled(), "Enabled at open after Gate.Close")
	require.False(t, after.Enabled(), "Enabled after Gate.Close")
	require.ErrorIs(t, after.Err(), flagactor.ErrClosed)
	after.Close()
	_, err := gate.Stats(t.Context())
	require.ErrorIs(t, err, flagactor.ErrClosed, "Stats after Gate.Close")
	require.Equal(t, int64(1), server.Requests(), "requests to the flag endpoint")
}

// TestDefaultGate: Open uses the process-wide Gate, closing it stops it, and
// the next Open starts a new one.
func TestDefaultGate(t *testing.T) {
	leaks := goleak.IgnoreCurrent()
	t.Cleanup(func() { require.NoError(t, telemetry.Default().Close(), "Close of the default Gate") })
	require.NoError(t, telemetry.Default().Close(), "Close of the default Gate with none started")
	server := startFlagServer(t, "false")

	first := telemetry.Default()
	require.Same(t, first, telemetry.Default(), "Default twice")
	conn := telemetry.Open(t.Context(), connConfig(server))
	require.NoError(t, conn.Err(), "Err")
	require.False(t, conn.Enabled(), "Enabled at open with the server flag false")
	require.False(t, conn.Enabled(), "Enabled with the server flag false")
	stats := gateStats(t, first)
	require.Equal(t, 1, stats.Leases, "leases on the default Gate: Open used another Gate")
	require.Equal(t, uint64(1), stats.Fetches, "fetches on the default Gate")

	require.NoError(t, telemetry.Default().Close(), "Close of the default Gate")
	conn.Close() // after the default Gate closed: must not block
	_, err := first.Stats(t.Context())
	require.ErrorIs(t, err, flagactor.ErrClosed, "Stats of the closed default Gate")
	server.Close()
	server.Client().CloseIdleConnections()
	requireNoLeaks(t, leaks)

	// The next Open starts a new Gate.
	server = startFlagServer(t, "true")
	conn = telemetry.Open(t.Context(), connConfig(server))
	defer conn.Close()
	second := telemetry.Default()
	require.NotSame(t, first, second, "Default after the default Gate closed")
	require.NoError(t, conn.Err(), "Err")
	require.True(t, conn.Enabled(), "Enabled with the server flag true")
	require.Equal(t, 1, gateStats(t, second).Leases, "leases on the new default Gate")
}

// TestEnabledFollowsServerFlag: a connection that lives past the flag's
// time-to-live sees the server's new answer through Enabled alone, without a
// reopen: Enabled returns the stale value at once and has it refreshed.
func TestEnabledFollowsServerFlag(t *testing.T) {
	server := startFlagServer(t, "true")
	mock := clock.NewMock()
	gate := newGate(t, telemetry.WithActorOptions(flagactor.WithClock(mock)))

	conn := gate.Open(t.Context(), connConfig(server))
	defer conn.Close()
	require.True(t, conn.Enabled(), "Enabled at open")

	server.SetFlag(telemetry.TelemetryFlag, "false")
	require.True(t, conn.Enabled(), "Enabled while the answer is fresh: the server is not asked again")
	require.Equal(t, int64(1), server.Requests(), "requests while the answer is fresh")

	mock.Add(15*time.Minute + time.Minute)
	require.Eventually(t, func() bool { return !conn.Enabled() }, 5*time.Second, 5*time.Millisecond,
		"Enabled still true after the TTL passed and the server turned the flag off")
	require.Equal(t, int64(2), server.Requests(), "requests: one at open, one refresh")
}

// A nil *Conn is telemetry off, so a driver whose Connect failed before Open
// can still close it.
func TestNilConnIsOff(t *testing.T) {
	var c *telemetry.Conn
	require.False(t, c.Enabled(), "Enabled")
	require.False(t, c.Enabled(), "Enabled at open")
	require.NoError(t, c.Err(), "Err")
	require.NotPanics(t, c.Close, "Close")
}
