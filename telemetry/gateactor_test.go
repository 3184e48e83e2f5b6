package telemetry_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/flagactor/flagactor/telemetry"
	"github.com/flagactor/flagactor/telemetry/flagactor"
	"github.com/flagactor/flagactor/telemetry/messages"
)

// TestOpenRefusesBadDriverVersion: a DriverVersion that cannot be a path
// segment, or that holds a control character, is refused at Open, with an
// error matching ErrBadDriverVersion: no request is made and no actor is
// started.
func TestOpenRefusesBadDriverVersion(t *testing.T) {
	server := startFlagServer(t, "true")
	leaks := goleak.IgnoreCurrent()
	gate := telemetry.NewGate()
	for _, version := range []string{"", ".", "..", "http\x001.2.3", "1.2.3\n", "1.2\t3", "\x7f", "1.2\u00853"} {
		cfg := connConfig(server)
		cfg.DriverVersion = version
		conn := gate.Open(t.Context(), cfg)
		require.ErrorIs(t, conn.Err(), telemetry.ErrBadDriverVersion, "Err, DriverVersion %q", version)
		require.False(t, conn.Enabled(), "Enabled at open, DriverVersion %q", version)
		require.False(t, conn.Enabled(), "Enabled, DriverVersion %q", version)
		requireNoLeaks(t, leaks) // with the connection still open
		conn.Close()
	}
	require.Zero(t, telemetry.ActorsOf(gate), "actors of the Gate")
	require.Zero(t, server.Requests(), "requests to the flag endpoint")
	require.NoError(t, gate.Close(), "Gate.Close")
}

// TestVersionNeverPassesForPlainHTTP: a plain-http connection of version
// 1.2.3 fetches its answer (true) over http; an https connection to the same
// host and port whose DriverVersion is "http\x001.2.3" must not be served
// that answer: it is refused, and asks nothing.
func TestVersionNeverPassesForPlainHTTP(t *testing.T) {
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"flags":[{"name":%q,"value":"true"}]}`, telemetry.TelemetryFlag)
	}))
	defer plain.Close()
	sent := &countingTransport{next: plain.Client().Transport}
	client := &http.Client{Transport: sent}
	gate := newGate(t)

	overHTTP := gate.Open(t.Context(), telemetry.ConnConfig{Host: plain.URL, DriverVersion: driverVersion, Client: client})
	defer overHTTP.Close()
	require.True(t, overHTTP.Enabled(), "Enabled at open of the plain-http connection; Err: %v", overHTTP.Err())

	host := strings.TrimPrefix(plain.URL, "http://")
	forged := gate.Open(t.Context(), telemetry.ConnConfig{Host: host, DriverVersion: "http\x00" + driverVersion, Client: client})
	defer forged.Close()
	require.False(t, forged.Enabled(), "Enabled at open over https with version %q: served the plain-http answer", "http\x00"+driverVersion)
	require.ErrorIs(t, forged.Err(), telemetry.ErrBadDriverVersion, "Err over https with version %q", "http\x00"+driverVersion)
	require.Equal(t, int64(1), sent.requests.Load(), "requests: the plain-http connection's only")
}

// TestInvalidateReachesWhatHostsLists: each entry Hosts lists names its
// scheme and any port other than the scheme's default (a plain-http
// connection to port 443 is http://flags.example:443, not http://flags.example),
// and Invalidate of a host as Hosts lists it reaches that entry, and only
// entries of that scheme, host and port.
func TestInvalidateReachesWhatHostsLists(t *testing.T) {
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"flags":[{"name":%q,"value":"true"}]}`, telemetry.TelemetryFlag)
	}))
	defer plain.Close()
	// Every address is the plain server.
	transport := &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, plain.Listener.Addr().String())
	}}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport}
	written := []string{"http://flags.example:443", "http://flags.example", "http://flags.example:8080"}
	openAll := func(t *testing.T) *telemetry.Gate {
		gate := newGate(t)
		for _, host := range written {
			conn := gate.Open(t.Context(), telemetry.ConnConfig{Host: host, DriverVersion: driverVersion, Client: client})
			t.Cleanup(conn.Close)
			require.True(t, conn.Enabled(), "Enabled at open of %s; Err: %v", host, conn.Err())
		}
		return gate
	}
	listedHosts := func(t *testing.T, gate *telemetry.Gate) []messages.HostStatus {
		hosts, err := gate.Hosts(t.Context())
		require.NoError(t, err, "Hosts")
		return hosts
	}

	var listed []string
	for _, h := range listedHosts(t, openAll(t)) {
		listed = append(listed, h.Host)
		require.True(t, strings.HasPrefix(h.Host, "http://"), "the scheme of %s", h.Host)
		require.Equal(t, driverVersion, h.Namespace, "the driver version of %s", h.Host)
	}
	require.Equal(t, []string{"http://flags.example", "http://flags.example:443", "http://flags.example:8080"}, listed, "Hosts")

	for _, invalidated := range listed {
		t.Run(invalidated, func(t *testing.T) {
			gate := openAll(t)
			require.NoError(t, gate.Invalidate(t.Context(), invalidated), "Invalidate")
			for _, h := range listedHosts(t, gate) {
				require.Equal(t, h.Host != invalidated, h.Fresh, "Fresh of %s after Invalidate(%q)", h.Host, invalidated)
			}
		})
	}
}

// TestGateOfManyVersionsRunsOneActor: connections of 30 driver versions,
// over https and plain http, start at most one loop goroutine (and one for
// logging with a logger): the Gate's goroutines do not grow with versions,
// and each version's connections get an entry of their own.
func TestGateOfManyVersionsRunsOneActor(t *testing.T) {
	const versions = 30
	secure := startFlagServer(t, "true")
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"flags":[{"name":%q,"value":"true"}]}`, telemetry.TelemetryFlag)
	}))
	defer plain.Close()
	defer plain.Client().CloseIdleConnections()
	for _, logger := range []*slog.Logger{nil, slog.New(slog.NewTextHandler(io.Discard, nil))} {
		started := 1
		if logger != nil {
			started = 2
		}
		t.Run(fmt.Sprintf("goroutines %d", started), func(t *testing.T) {
			gate := telemetry.NewGate(telemetry.WithActorOptions(flagactor.WithClock(clock.NewMock())), telemetry.WithLogger(logger))
			defer func() { require.NoError(t, gate.Close(), "Gate.Close") }()
			for i := range versions {
				version := fmt.Sprintf("1.0.%d", i)
				for _, cfg := range []telemetry.ConnConfig{
					{Host: secure.Host(), DriverVersion: version, Client: secure.Client()},
					{Host: plain.URL, DriverVersion: version, Client: plain.Client()},
				} {
					conn := gate.Open(t.Context(), cfg)
					require.True(t, conn.Enabled(), "Enabled at open of %s, version %s; Err: %v", cfg.Host, version, conn.Err())
					defer conn.Close()
				}
			}
			// Fetch goroutines end just after their answers arrive: wait for them.
			require.Eventually(t, func() bool { return actorGoroutines() <= started }, 10*time.Second, time.Millisecond,
				"goroutines of flag actors with %d versions over both schemes: %d", versions, actorGoroutines())
			require.Equal(t, 1, telemetry.ActorsOf(gate), "actors")
			require.Equal(t, 2*versions, gateStats(t, gate).Hosts, "entries: one per version and scheme")
		})
	}
}

// TestIdleEntriesGoByTheActorsRules: an entry no connection holds goes once
// its value has expired, on the Gate's clock, without Gate.Close and
// without a timer of the Gate's own; a version whose entry went opens
// again, and fetches again.
func TestIdleEntriesGoByTheActorsRules(t *testing.T) {
	const versions = 200
	server := startFlagServer(t, "true")
	mock := clock.NewMock()
	gate := newGate(t, telemetry.WithActorOptions(flagactor.WithClock(mock)))
	open := func(i int) *telemetry.Conn {
		cfg := connConfig(server)
		cfg.DriverVersion = fmt.Sprintf("1.0.%d", i)
		conn := gate.Open(t.Context(), cfg)
		require.True(t, conn.Enabled(), "Enabled at open of version %s; Err: %v", cfg.DriverVersion, conn.Err())
		return conn
	}
	for i := range versions {
		open(i).Close()
	}
	require.Equal(t, versions, gateStats(t, gate).Hosts, "entries with every connection just closed")
	mock.Add(2 * time.Hour)
	require.Zero(t, gateStats(t, gate).Hosts, "entries once their values expired")

	conn := open(7)
	require.True(t, conn.Enabled(), "Enabled of a version opened again")
	conn.Close()
	require.Equal(t, int64(versions+1), server.Requests(), "requests: one per version, and one for the version opened again")
}

// TestGateCloseLeavesNothingRunning: once Gate.Close has returned, no
// goroutine of the Gate runs, however far its clock moves.
func TestGateCloseLeavesNothingRunning(t *testing.T) {
	server := startFlagServer(t, "true")
	leaks := goleak.IgnoreCurrent()
	mock := clock.NewMock()
	gate := telemetry.NewGate(telemetry.WithActorOptions(flagactor.WithClock(mock)))
	conn := gate.Open(t.Context(), connConfig(server))
	require.NoError(t, conn.Err(), "Err")
	conn.Close()
	require.NoError(t, gate.Close(), "Gate.Close")

	mock.Add(2 * time.Hour)
	server.Client().CloseIdleConnections()
	requireNoLeaks(t, leaks)
	require.Zero(t, telemetry.ActorsOf(gate), "actors after Gate.Close")
}

// actorGoroutines counts the goroutines running code of package flagactor.
func actorGoroutines() int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	count := 0
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "telemetry/flagactor.") {
			count++
		}
	}
	return count
}
