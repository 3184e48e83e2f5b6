package telemetry_test

import (
	"context"
	"database/sql"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flagactor/flagactor/telemetry"
	"github.com/flagactor/flagactor/telemetry/flagactor"
)

// schemeServer serves the telemetry flag on, over plain http or TLS, and
// counts the requests that reached its handler and those that came over TLS.
type schemeServer struct {
	*httptest.Server
	requests, overTLS atomic.Int64
}

func startSchemeServer(t *testing.T, tls bool) *schemeServer {
	s := &schemeServer{}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		if r.TLS != nil {
			s.overTLS.Add(1)
		}
		_, _ = w.Write([]byte(`{"flags":[{"name":"` + telemetry.TelemetryFlag + `","value":"true"}]}`))
	}))
	if tls {
		s.StartTLS()
	} else {
		s.Start()
	}
	t.Cleanup(func() {
		s.Client().CloseIdleConnections()
		s.Close()
	})
	return s
}

// addr is the server's name[:port], without a scheme.
func (s *schemeServer) addr() string { return s.Listener.Addr().String() }

// TestPlainHTTPHostThroughSQLPool opens a database/sql pool whose
// connections name their host with an explicit http://: the flag is asked
// over plain http, and a query sees it on.
func TestPlainHTTPHostThroughSQLPool(t *testing.T) {
	s := startSchemeServer(t, false)
	g := newGate(t)
	c := &testConnector{gate: g, cfg: telemetry.ConnConfig{
		Host: "http://" + s.addr(), DriverVersion: driverVersion, Client: s.Client(),
	}}
	db := sql.OpenDB(c)

	on, err := telemetryOn(t.Context(), db)

	require.NoError(t, err)
	require.True(t, on, "telemetry off: the http:// host was not asked over http")
	closeDB(t, db, c)
	require.Positive(t, s.requests.Load())
	require.Zero(t, s.overTLS.Load())
}

// TestHostSchemeDecidesHTTP checks every spelling of a host against a plain
// http and a TLS server: only an explicit http:// (any case, space around
// it) is asked over plain http; a bare or https:// host is asked over https
// only, and a plain server never sees its request.
func TestHostSchemeDecidesHTTP(t *testing.T) {
	plain := startSchemeServer(t, false)
	secure := startSchemeServer(t, true)
	tests := []struct {
		name   string
		server *schemeServer
		host   func(addr string) string
		on     bool
	}{
		{"http:// to plain", plain, func(a string) string { return "http://" + a }, true},
		{"HTTP:// with space and a slash to plain", plain, func(a string) string { return "  HTTP://" + a + "/ " }, true},
		{"bare to plain: not downgraded", plain, func(a string) string { return a }, false},
		{"https:// to plain: not downgraded", plain, func(a string) string { return "https://" + a }, false},
		{"bare to TLS", secure, func(a string) string { return a }, true},
		{"https:// to TLS", secure, func(a string) string { return "HTTPS://" + a }, true},
		{"http:// to TLS: asked over http", secure, func(a string) string { return "http://" + a }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plain.requests.Store(0)
			secure.requests.Store(0)
			g := newGate(t)

			c := g.Open(context.Background(), telemetry.ConnConfig{
				Host: tt.host(tt.server.addr()), DriverVersion: driverVersion, Client: tt.server.Client(),
			})
			defer c.Close()

			require.Equal(t, tt.on, c.Enabled(), "Conn.Err: %v", c.Err())
			if tt.on {
				require.NoError(t, c.Err())
				return
			}
			require.Error(t, c.Err())
			if tt.server == plain {
				require.Zero(t, plain.requests.Load(), "a plain server got the request")
				require.ErrorIs(t, c.Err(), flagactor.ErrClientFailed, "TLS to a plain server is the client's failure")
			}
			require.False(t, strings.Contains(c.Err().Error(), "http://"), "Conn.Err %q", c.Err())
		})
	}
}
