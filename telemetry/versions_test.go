package telemetry_test

import (
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/flagactor/flagactor/telemetry"
	"github.com/flagactor/flagactor/telemetry/flagactor"
	"github.com/flagactor/flagactor/telemetry/messages"
)

// versionServer is a TLS flag service whose TelemetryFlag depends on the
// driver version in the path, and which counts the requests per path.
type versionServer struct {
	*httptest.Server

	mu       sync.Mutex
	requests map[string]int // request path -> requests
}

// startVersionServer serves TelemetryFlag = values[version] (a version not
// in values gets no flags) until the test ends.
func startVersionServer(t *testing.T, values map[string]string) *versionServer {
	t.Helper()
	s := &versionServer{requests: map[string]int{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/2.0/connector-service/feature-flags/GOLANG/{version}", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests[r.URL.Path]++
		s.mu.Unlock()
		flags := ""
		if value, ok := values[r.PathValue("version")]; ok {
			flags = fmt.Sprintf(`{"name":%q,"value":%q}`, telemetry.TelemetryFlag, value)
		}
		fmt.Fprintf(w, `{"flags":[%s],"ttl_seconds":900}`, flags)
	})
	s.Server = httptest.NewTLSServer(mux)
	t.Cleanup(func() {
		s.Close()
		s.Client().CloseIdleConnections()
	})
	return s
}

func (s *versionServer) host() string { return strings.TrimPrefix(s.URL, "https://") }

// seen returns the requests per path so far.
func (s *versionServer) seen() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	seen := make(map[string]int, len(s.requests))
	for path, n := range s.requests {
		seen[path] = n
	}
	return seen
}

// flagPath is the path a fetch of version's flags asks for.
func flagPath(version string) string {
	return "/api/2.0/connector-service/feature-flags/GOLANG/" + version
}

// TestGateServesEachDriverVersion: two database/sql pools of two driver
// versions share one Gate and one host, and run their queries at the same
// time. Each version's connections get their own version's answer (the
// server turns telemetry on for one and off for the other), and the server
// sees one request per version.
func TestGateServesEachDriverVersion(t *testing.T) {
	leaks := goleak.IgnoreCurrent()
	const (
		onVersion  = "1.0.0"
		offVersion = "2.0.0"
		queries    = 200
		maxConns   = 10
	)
	server := startVersionServer(t, map[string]string{onVersion: "true", offVersion: "false"})
	gate := newGate(t, telemetry.WithOpenWait(10*time.Second))

	openPool := func(version string) (*sql.DB, *testConnector) {
		c := &testConnector{gate: gate, cfg: telemetry.ConnConfig{
			Host: server.host(), DriverVersion: version, Client: server.Client(),
		}}
		db := sql.OpenDB(c)
		t.Cleanup(func() { db.Close() })
		db.SetMaxOpenConns(maxConns)
		db.SetMaxIdleConns(0)
		return db, c
	}
	onDB, onConnector := openPool(onVersion)
	offDB, offConnector := openPool(offVersion)

	var on, off int
	var wg sync.WaitGroup
	wg.Go(func() { on = runQueries(t, t.Context(), onDB, queries) })
	wg.Go(func() { off = runQueries(t, t.Context(), offDB, queries) })
	wg.Wait()

	require.Equal(t, queries, on, "queries of version %s that found telemetry on (the server says true)", onVersion)
	require.Zero(t, off, "queries of version %s that found telemetry on (the server says false)", offVersion)
	closeDB(t, onDB, onConnector)
	closeDB(t, offDB, offConnector)
	require.Equal(t, onConnector.opened.Load(), onConnector.onAtOpen.Load(), "connections of version %s on at open", onVersion)
	require.Zero(t, offConnector.onAtOpen.Load(), "connections of version %s on at open", offVersion)
	require.Equal(t, map[string]int{flagPath(onVersion): 1, flagPath(offVersion): 1}, server.seen(),
		"requests per path: one per host and version")

	require.NoError(t, gate.Close(), "Gate.Close")
	server.Close()
	server.Client().CloseIdleConnections()
	requireNoLeaks(t, leaks)
}

// TestGateStatsSumsVersions: a Gate's Stats are its one actor's counters,
// over the entries of every driver version.
func TestGateStatsSumsVersions(t *testing.T) {
	server := startVersionServer(t, map[string]string{"1.0.0": "true", "2.0.0": "false"})
	gate := newGate(t)
	stats, err := gate.Stats(t.Context())
	require.NoError(t, err, "Stats of a Gate with no actor")
	require.Equal(t, messages.Stats{}, stats, "Stats of a Gate with no actor")

	open := func(version string) *telemetry.Conn {
		conn := gate.Open(t.Context(), telemetry.ConnConfig{Host: server.host(), DriverVersion: version, Client: server.Client()})
		require.NoError(t, conn.Err(), "Err of a connection of version %s", version)
		t.Cleanup(conn.Close)
		return conn
	}
	open("2.0.0")
	open("2.0.0")
	open("1.0.0")

	stats, err = gate.Stats(t.Context())
	require.NoError(t, err, "Stats")
	require.Equal(t, messages.Stats{Hosts: 2, Leases: 3, Fetches: 2}, stats, "Stats, summed over versions")

	require.NoError(t, gate.Close(), "Gate.Close")
	_, err = gate.Stats(t.Context())
	require.ErrorIs(t, err, flagactor.ErrClosed, "Stats after Close")
}
