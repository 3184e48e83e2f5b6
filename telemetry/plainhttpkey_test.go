package telemetry_test

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flagactor/flagactor/telemetry"
)

// TestPlainHTTPHostIsACacheEntryOfItsOwn opens http://flags.example and
// https://flags.example on one Gate: port 80 and port 443, which may be two
// servers. An answer fetched over plain http (which anyone on the path can
// forge) must never serve an https connection, nor the other way round, so
// the two are two entries, each fetched over its own scheme.
func TestPlainHTTPHostIsACacheEntryOfItsOwn(t *testing.T) {
	answer := func(value string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(`{"flags":[{"name":"` + telemetry.TelemetryFlag + `","value":"` + value + `"}]}`))
		}
	}
	plain := httptest.NewServer(answer("false"))
	defer plain.Close()
	secure := httptest.NewTLSServer(answer("true"))
	defer secure.Close()

	// flags.example:80 is the plain server, flags.example:443 the TLS one.
	transport := &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: secure.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs, ServerName: "example.com"},
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			target := map[string]string{"flags.example:80": plain.Listener.Addr().String(), "flags.example:443": secure.Listener.Addr().String()}[addr]
			var d net.Dialer
			return d.DialContext(ctx, network, target)
		},
	}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport}
	g := newGate(t)

	overHTTPS := g.Open(context.Background(), telemetry.ConnConfig{Host: "https://flags.example", DriverVersion: driverVersion, Client: client})
	defer overHTTPS.Close()
	overHTTP := g.Open(context.Background(), telemetry.ConnConfig{Host: "http://flags.example", DriverVersion: driverVersion, Client: client})
	defer overHTTP.Close()

	require.NoError(t, overHTTPS.Err())
	require.NoError(t, overHTTP.Err())
	require.True(t, overHTTPS.EnabledAtOpen(), "the https connection got the plain server's answer")
	require.False(t, overHTTP.EnabledAtOpen(), "the http connection got the TLS server's answer")
	hosts, err := g.Hosts(context.Background())
	require.NoError(t, err)
	var names []string
	for _, h := range hosts {
		names = append(names, h.Host)
	}
	require.Equal(t, []string{"flags.example", "flags.example:80"}, names, "one entry per scheme's port")
}
