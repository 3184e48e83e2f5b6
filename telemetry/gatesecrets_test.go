package telemetry

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/require"

	"github.com/flagactor/flagactor/telemetry/flagactor"
)

// TestGateSurfacesHoldNoSecret runs the answers whose net/http errors carry
// the raw line on go1.25.0 (and, quoted, on the newest Go) through a Gate:
// Conn.Err, HostStatus.LastError and the actor's log records hold no byte
// of the token the server echoed.
func TestGateSurfacesHoldNoSecret(t *testing.T) {
	for _, p := range fetchErrorPaths() {
		// The actor's fetch outlives the caller's context, so the path that
		// cancels it has nothing to show here.
		if !strings.HasPrefix(p.path, "transport: ") && !strings.HasPrefix(p.path, "client: ") ||
			strings.Contains(p.path, "cancelled") {
			continue
		}
		t.Run(p.path, func(t *testing.T) {
			var logged bytes.Buffer
			logger := slog.New(slog.NewTextHandler(&logged, &slog.HandlerOptions{Level: slog.LevelDebug}))
			g := NewGate(WithActorOptions(flagactor.WithClock(clock.NewMock()), flagactor.WithLogger(logger)))
			t.Cleanup(func() { require.NoError(t, g.Close()) })
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var handler http.HandlerFunc
			if p.handler != nil {
				handler = p.handler(t, cancel)
			}
			srv := startTLS(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if handler == nil {
					_, _ = w.Write([]byte(`{"flags":[]}`))
					return
				}
				handler(w, r)
			}))
			token := p.token
			if token == "" {
				token = bearer
			}
			client := &http.Client{Transport: tokenTransport{base: srv.Client().Transport, token: token}}
			if p.client != nil {
				client = p.client(t, srv)
			}
			host := hostOf(srv)
			if p.host != nil {
				host = p.host(host)
			}

			c := g.Open(ctx, ConnConfig{Host: host, DriverVersion: testVersion, Client: client})
			defer c.Close()
			hosts, err := g.Hosts(context.Background())
			require.NoError(t, err)

			require.Error(t, c.Err())
			requireNoSecret(t, c.Err(), p.echoed)
			require.NotEmpty(t, hosts)
			for _, h := range hosts {
				require.NotEmpty(t, h.LastError)
				requireNoSecret(t, errors.New(h.LastError), p.echoed)
			}
			// The actor logs on a goroutine of its own; Close waits for it.
			c.Close()
			require.NoError(t, g.Close())
			require.Contains(t, logged.String(), "level=WARN")
			requireNoSecret(t, errors.New(logged.String()), p.echoed)
		})
	}
}

// TestGateInvalidHostRepeatsNoInput gives the Gate hosts written as URLs or
// DSNs with a token in them: Conn.Err and Gate.Invalidate name what is wrong
// and never repeat the input.
func TestGateInvalidHostRepeatsNoInput(t *testing.T) {
	g := NewGate(WithActorOptions(flagactor.WithClock(clock.NewMock())))
	t.Cleanup(func() { require.NoError(t, g.Close()) })
	for _, raw := range []string{
		"https://adb-1234567890.12.azuredatabricks.net/?access_token=" + bearer,
		"host.example.com/sql/1.0/warehouses/abc?access_token=" + bearer,
		"host.example.com;PWD=" + bearer,
		"token%3A" + bearer + "%40host.example.com",
		"host.example.com#" + bearer,
		"token:" + bearer + "@host.example.com",
	} {
		c := g.Open(context.Background(), ConnConfig{Host: raw, DriverVersion: testVersion})
		require.ErrorIs(t, c.Err(), flagactor.ErrInvalidHost, "Conn.Err for %q", raw)
		requireNoSecret(t, c.Err())
		c.Close()
		err := g.Invalidate(context.Background(), raw)
		require.ErrorIs(t, err, flagactor.ErrInvalidHost, "Gate.Invalidate(%q)", raw)
		requireNoSecret(t, err)
	}
}
