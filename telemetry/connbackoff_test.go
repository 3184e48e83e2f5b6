package telemetry_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flagactor/flagactor/telemetry"
	"github.com/flagactor/flagactor/telemetry/flagactor"
)

// Conn.Enabled, which a driver calls per statement, allocates nothing (so
// sends the actor nothing) on a connection whose credentials the server
// rejected, inside that connection's own backoff.
func TestConnEnabledSilentInsideLeaseBackoff(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "bad token", http.StatusUnauthorized)
	}))
	t.Cleanup(func() {
		srv.Client().CloseIdleConnections()
		srv.Close()
	})
	gate := newGate(t)
	conn := gate.Open(t.Context(), telemetry.ConnConfig{
		Host: strings.TrimPrefix(srv.URL, "https://"), DriverVersion: driverVersion, Client: srv.Client(),
	})
	t.Cleanup(conn.Close)
	require.ErrorIs(t, conn.Err(), flagactor.ErrCredentialRejected)

	allocs := testing.AllocsPerRun(1000, func() {
		if conn.Enabled() {
			t.Fatal("Enabled on a connection whose credentials were rejected")
		}
	})
	require.Zero(t, allocs, "allocations of Conn.Enabled inside the connection's own backoff")
	require.Equal(t, uint64(1), gateStats(t, gate).Fetches, "fetches")
}
