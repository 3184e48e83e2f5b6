package telemetry_test

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flagactor/flagactor/telemetry"
)

// TestPlainHTTPHostIsACacheEntryOfItsOwn opens a host over plain http, then
// the same name over https, on one Gate: flags.example:80 is a plain server
// answering false, flags.example:443 a TLS one answering true. An answer
// fetched over plain http (which anyone on the path can forge) must never
// serve an https connection, whatever port either names, so they are two
// entries, each fetched over its own scheme; Hosts lists the plain one as
// http://. Invalidate reaches every entry of the name and port it names,
// over either scheme.
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

	tests := []struct {
		name            string
		overHTTP        string // opened first: its answer must not serve the other
		overHTTPS       string
		httpOn, httpsOn bool
		hosts           []string
		samePort        bool // both name one port: Invalidate of one reaches both
	}{
		{"no port", "http://flags.example", "https://flags.example", false, true,
			[]string{"flags.example", "http://flags.example"}, false},
		{"http on 443", "http://flags.example:443", "https://flags.example", false, true,
			[]string{"flags.example", "http://flags.example:443"}, true},
		{"https on 80", "http://flags.example", "flags.example:80", false, false,
			[]string{"flags.example:80", "http://flags.example"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newGate(t)
			overHTTP := g.Open(context.Background(), telemetry.ConnConfig{Host: tt.overHTTP, DriverVersion: driverVersion, Client: client})
			defer overHTTP.Close()
			overHTTPS := g.Open(context.Background(), telemetry.ConnConfig{Host: tt.overHTTPS, DriverVersion: driverVersion, Client: client})
			defer overHTTPS.Close()

			require.Equal(t, tt.httpOn, overHTTP.Enabled(), "the http connection; Conn.Err: %v", overHTTP.Err())
			require.Equal(t, tt.httpsOn, overHTTPS.Enabled(), "the https connection; Conn.Err: %v", overHTTPS.Err())
			if !tt.httpsOn {
				require.Error(t, overHTTPS.Err(), "the https connection got the plain server's answer")
			}
			hosts, err := g.Hosts(context.Background())
			require.NoError(t, err)
			var names []string
			for _, h := range hosts {
				names = append(names, h.Host)
				require.Equal(t, driverVersion, h.Namespace, "the driver version of %s", h.Host)
			}
			require.Equal(t, tt.hosts, names, "one entry per scheme")

			// Invalidate names the entry the way its connections wrote it.
			require.NoError(t, g.Invalidate(context.Background(), tt.overHTTP))
			hosts, err = g.Hosts(context.Background())
			require.NoError(t, err)
			for _, h := range hosts {
				plain := strings.HasPrefix(h.Host, "http://")
				require.Equal(t, plain || tt.samePort || h.Values == nil, !h.Fresh, "%s after Invalidate(%q)", h.Host, tt.overHTTP)
			}
		})
	}
}
