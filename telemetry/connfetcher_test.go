package telemetry

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flagactor/flagactor/telemetry/flagactor"
)

// TestConnFetcherPlainHTTPRedirects checks that a plain-http fetch follows a
// redirect on its own host and port only: not to https, not to another
// port.
func TestConnFetcherPlainHTTPRedirects(t *testing.T) {
	var otherRequests atomic.Int64
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		otherRequests.Add(1)
		_, _ = io.WriteString(w, `{"flags":[{"name":"a","value":"other"}]}`)
	}))
	t.Cleanup(other.Close)
	var location atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("moved") == "" {
			http.Redirect(w, r, location.Load().(string), http.StatusFound)
			return
		}
		_, _ = io.WriteString(w, `{"flags":[{"name":"a","value":"same"}]}`)
	}))
	t.Cleanup(srv.Close)
	addr := srv.Listener.Addr().String()
	tests := []struct {
		name, location string
		refused        bool
	}{
		{"same host and port", "/x?moved=1", false},
		{"to https on the same host and port", "https://" + addr + "/x?moved=1", true},
		{"to another port", other.URL + "/x?moved=1", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			location.Store(tt.location)
			f := newConnFetcher(ConnConfig{Host: "http://" + addr, DriverVersion: testVersion, Client: srv.Client()}, nil)

			got, err := f.Fetch(context.Background(), addr)

			require.Zero(t, otherRequests.Load())
			if tt.refused {
				require.ErrorAs(t, err, new(*redirectError))
				return
			}
			require.NoError(t, err)
			require.Equal(t, "same", got.Values["a"])
		})
	}
}

// TestConnFetcherURL checks the URL a connection's fetcher asks for each way
// of writing its host, given the host key the flag actor passes.
func TestConnFetcherURL(t *testing.T) {
	tests := []struct {
		written, key, want string
	}{
		{"flags.example", "flags.example", "https://flags.example"},
		{"https://flags.example:443/", "flags.example", "https://flags.example"},
		// The Gate gives a plain-http host written without a port its port 80
		// (leaseHost), so a key without one is port 443.
		{"http://flags.example", "flags.example:80", "http://flags.example:80"},
		{" Http://flags.example:8080 ", "flags.example:8080", "http://flags.example:8080"},
		// NormalizeHost drops 443 as https's default; over http it is not.
		{"http://flags.example:443", "flags.example", "http://flags.example:443"},
		{"http://flags.example:0443/", "flags.example", "http://flags.example:443"},
		{"http://[::1]:443", "[::1]", "http://[::1]:443"},
		{"httpx://flags.example", "flags.example", "https://flags.example"},
	}
	for _, tt := range tests {
		t.Run(tt.written, func(t *testing.T) {
			var asked string
			client := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
				asked = r.URL.String()
				return &http.Response{StatusCode: http.StatusOK, Body: io.NopCloser(strings.NewReader(`{}`)), Request: r}, nil
			})}
			f := newConnFetcher(ConnConfig{Host: tt.written, DriverVersion: testVersion, Client: client}, nil)

			_, err := f.Fetch(context.Background(), tt.key)

			require.NoError(t, err)
			require.Equal(t, tt.want+flagsPath+testVersion, asked)
		})
	}
}

// newConnFetcher returns the Fetcher a connection with cfg lends, as
// Gate.Open makes it.
func newConnFetcher(cfg ConnConfig, logger *slog.Logger) flagactor.Fetcher {
	_, scheme := leaseHost(cfg.Host)
	return &connFetcher{
		fetcher: HTTPFetcher{Client: cfg.Client, DriverVersion: cfg.DriverVersion},
		scheme:  scheme,
		logger:  logger,
	}
}
