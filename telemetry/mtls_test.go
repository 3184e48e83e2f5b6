package telemetry_test

import (
	"context"
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flagactor/flagactor/telemetry"
	"github.com/flagactor/flagactor/telemetry/flagactor"
)

// TestRejectedClientCertificateIsTheClientsFailure asks a TLS 1.3 server
// that requires a client certificate with a client that has none. In TLS
// 1.3 the server refuses it with an alert after the client's handshake is
// done, so the transport has a connection by then: the failure is still the
// client's own (its certificate), and backs off only its lease.
func TestRejectedClientCertificateIsTheClientsFailure(t *testing.T) {
	s := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"flags":[{"name":"` + telemetry.TelemetryFlag + `","value":"true"}]}`))
	}))
	s.TLS = &tls.Config{ClientAuth: tls.RequireAnyClientCert, MinVersion: tls.VersionTLS13}
	s.StartTLS()
	defer s.Close()
	client := s.Client()
	defer client.CloseIdleConnections()

	_, err := (&telemetry.HTTPFetcher{Client: client, DriverVersion: "1.0.0"}).Fetch(context.Background(), s.Listener.Addr().String())

	require.Error(t, err)
	require.ErrorIs(t, err, flagactor.ErrClientFailed, "a refused client certificate: %v", err)
}
