package telemetry

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/flagactor/flagactor/telemetry/flagactor"
)

// refreshingTransport is a driver's RoundTripper that refreshes its OAuth
// token before each request, over a connection of its own to the token
// server and with the request's context (so the request's trace hooks see
// the refresh), then hands the request to next, or fails with failAfter.
type refreshingTransport struct {
	tokens    *http.Client // the token server's client
	tokenURL  string
	next      http.RoundTripper
	failAfter error
}

func (t refreshingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	refresh, err := http.NewRequestWithContext(r.Context(), http.MethodPost, t.tokenURL, nil)
	if err != nil {
		return nil, err
	}
	resp, err := t.tokens.Do(refresh)
	if err != nil {
		return nil, err
	}
	token, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if t.failAfter != nil {
		return nil, t.failAfter
	}
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+string(token))
	return t.next.RoundTrip(r)
}

// TestFetchTokenRefreshDoesNotMakeAFailureTheServers refreshes a token over
// a connection of its own to a second TLS server, with the flag request's
// context, and then fails before the flag request is written: in the
// RoundTripper itself, or in the client's own TLS with the flag server.
// What the refresh's connection did is not the flag request's: the failure
// is the client's own, and its text says what failed.
func TestFetchTokenRefreshDoesNotMakeAFailureTheServers(t *testing.T) {
	var flagRequests atomic.Int64
	srv := startTLS(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		flagRequests.Add(1)
		_, _ = io.WriteString(w, `{"flags":[]}`)
	}))
	var refreshes atomic.Int64
	tokenServer := startTLS(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		refreshes.Add(1)
		_, _ = io.WriteString(w, "dapi-refreshed")
	}))
	untrusting := &http.Transport{} // does not trust the flag server's certificate
	t.Cleanup(untrusting.CloseIdleConnections)
	for _, tt := range []struct {
		name      string
		next      http.RoundTripper
		failAfter error
		says      string
	}{
		{"the RoundTripper fails after the refresh", srv.Client().Transport, errors.New("oauth: invalid_grant"),
			"the client could not send the request"},
		{"the client's TLS fails after the refresh", untrusting, nil,
			"the TLS handshake failed: certificate signed by an unknown authority"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			flagRequests.Store(0)
			refreshes.Store(0)
			f := newFetcher(srv)
			f.Client = &http.Client{Transport: refreshingTransport{
				tokens: tokenServer.Client(), tokenURL: tokenServer.URL + "/oidc/v1/token",
				next: tt.next, failAfter: tt.failAfter,
			}}

			_, err := f.Fetch(context.Background(), hostOf(srv))

			require.Equal(t, int64(1), refreshes.Load(), "the token was not refreshed")
			require.Zero(t, flagRequests.Load(), "the flag request reached the server")
			require.ErrorIs(t, err, flagactor.ErrClientFailed, "%v", err)
			require.Contains(t, err.Error(), tt.says)
		})
	}
}

// startSilentProxy starts an HTTP proxy on loopback that accepts every
// CONNECT and never answers it, until the test ends.
func startSilentProxy(t *testing.T) *httptest.Server {
	var connects atomic.Int64
	release := make(chan struct{})
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodConnect {
			t.Errorf("proxy got %s, want CONNECT", r.Method)
		}
		connects.Add(1)
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("hijack: %v", err)
			return
		}
		defer conn.Close()
		<-release
	}))
	t.Cleanup(func() {
		close(release)
		proxy.Close()
		require.NotZero(t, connects.Load(), "the proxy got no CONNECT")
	})
	return proxy
}

// silentProxyClient is a client that trusts srv and goes through a proxy
// that never answers CONNECT.
func silentProxyClient(t *testing.T, srv *httptest.Server) *http.Client {
	base := srv.Client().Transport.(*http.Transport).Clone()
	proxy := startSilentProxy(t)
	base.Proxy = http.ProxyURL(&url.URL{Scheme: "http", Host: proxy.Listener.Addr().String()})
	t.Cleanup(base.CloseIdleConnections)
	return &http.Client{Transport: base}
}

// TestFetchProxyThatNeverAnswersIsTheClients sends the flag request
// through a proxy that accepts CONNECT and never answers: the fetch's
// deadline passes before the request was sent, which is the client's own
// failure (its proxy), not the server's.
func TestFetchProxyThatNeverAnswersIsTheClients(t *testing.T) {
	srv := startTLS(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Error("the flag request reached the server")
	}))
	f := newFetcher(srv)
	f.Client = silentProxyClient(t, srv)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()

	_, err := f.Fetch(ctx, hostOf(srv))

	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.ErrorIs(t, err, flagactor.ErrClientFailed, "%v", err)
	require.Contains(t, err.Error(), "timed out before the request was sent")
}

// TestActorGetsTheClientsFailureOfAHungProxy runs the same fetch through a
// flag actor: the connection's fetch ends a little before the actor's own
// timeout, so the query gets the client's failure (its lease backs off, not
// the host), not the actor's timeout. The fetch timeout is 5 s so that the
// fetch ends the most endEarly allows (half a second) before it: with 2 s, a
// 200 ms lead lost the race once on a machine at load 8.
func TestActorGetsTheClientsFailureOfAHungProxy(t *testing.T) {
	srv := startTLS(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Error("the flag request reached the server")
	}))
	actor := flagactor.New(flagactor.WithFetchTimeout(5 * time.Second))
	t.Cleanup(func() { _ = actor.Close() })
	fetcher := newConnFetcher(ConnConfig{Host: hostOf(srv), DriverVersion: testVersion, Client: silentProxyClient(t, srv)}, nil)
	lease, err := actor.Acquire(context.Background(), hostOf(srv), fetcher)
	require.NoError(t, err)
	defer lease.Release()

	on, err := lease.Enabled(context.Background(), TelemetryFlag)

	require.False(t, on)
	require.ErrorIs(t, err, flagactor.ErrClientFailed, "%v", err)
}
