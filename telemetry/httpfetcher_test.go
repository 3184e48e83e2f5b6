package telemetry

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/flagactor/flagactor/telemetry/flagactor"
	"github.com/flagactor/flagactor/telemetry/messages"
)

const (
	testVersion   = "1.2.3"
	testUserAgent = "flagactor-test/1.0"
)

// startTLS starts a real TLS server on loopback and closes it, and its
// client's idle connections, when the test ends.
func startTLS(t *testing.T, handler http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewTLSServer(handler)
	t.Cleanup(func() {
		srv.Client().CloseIdleConnections()
		srv.Close()
	})
	return srv
}

// hostOf is the name[:port] the flag actor would pass for srv.
func hostOf(srv *httptest.Server) string {
	return strings.TrimPrefix(srv.URL, "https://")
}

func newFetcher(srv *httptest.Server) *HTTPFetcher {
	return &HTTPFetcher{Client: srv.Client(), DriverVersion: testVersion, UserAgent: testUserAgent}
}

// checkRequest reports, from a handler, a request that is not the fetcher's.
func checkRequest(t *testing.T, r *http.Request, version string) {
	t.Helper()
	if r.Method != http.MethodGet {
		t.Errorf("method = %q, want GET", r.Method)
	}
	if want := flagsPath + url.PathEscape(version); r.URL.EscapedPath() != want {
		t.Errorf("path = %q, want %q", r.URL.EscapedPath(), want)
	}
	if got := r.Header.Get("User-Agent"); got != testUserAgent {
		t.Errorf("User-Agent = %q, want %q", got, testUserAgent)
	}
	if got := r.Header.Get("Accept"); got != "application/json" {
		t.Errorf("Accept = %q, want application/json", got)
	}
}

func TestFetch(t *testing.T) {
	now := time.Date(2030, time.March, 4, 5, 6, 7, 0, time.UTC)
	// White space inside the object, which the object needs to end: a
	// rest after it is read only for a while (TestFetchUsesACompleteAnswerWhileTheRestTrickles).
	objectOf := func(size int) string {
		body := `{"flags":[{"name":"` + TelemetryFlag + `","value":"true"}],"ttl_seconds":60`
		return body + strings.Repeat(" ", size-len(body)-1) + "}"
	}
	tests := []struct {
		name           string
		status         int
		header         http.Header
		body           string
		want           messages.Flags
		wantErr        error // matched with errors.Is
		wantStatus     int   // a *StatusError with this code
		wantText       string
		wantRetryAfter time.Duration
	}{
		{
			name:   "several flags and a ttl",
			status: http.StatusOK,
			body: `{"flags":[{"name":"` + TelemetryFlag + `","value":"true"},` +
				`{"name":"other.flag","value":"false"},{"name":"limit","value":"250"}],"ttl_seconds":900}`,
			want: messages.Flags{Values: map[string]string{
				TelemetryFlag: "true", "other.flag": "false", "limit": "250",
			}, TTL: 900 * time.Second},
		},
		{
			name:   "unknown fields ignored",
			status: http.StatusOK,
			body: `{"version":7,"flags":[{"name":"a","value":"1","owner":{"team":["x"]}}],` +
				`"meta":null,"ttl_seconds":60,"extra":[true,{"k":1.5}]}`,
			want: messages.Flags{Values: map[string]string{"a": "1"}, TTL: time.Minute},
		},
		{
			name:   "no ttl",
			status: http.StatusOK,
			body:   `{"flags":[]}`,
			want:   messages.Flags{Values: map[string]string{}},
		},
		{
			name:       "500 names the status",
			status:     http.StatusInternalServerError,
			body:       `{"error":"boom"}`,
			wantStatus: http.StatusInternalServerError,
			wantText:   "telemetry: feature flags: HTTP 500 Internal Server Error",
		},
		{
			name:       "404 names the status",
			status:     http.StatusNotFound,
			body:       "no such endpoint",
			wantStatus: http.StatusNotFound,
			wantText:   "telemetry: feature flags: HTTP 404 Not Found",
		},
		{
			name:       "500 ignores Retry-After",
			status:     http.StatusInternalServerError,
			header:     http.Header{"Retry-After": {"60"}},
			wantStatus: http.StatusInternalServerError,
		},
		{
			name:           "429 with Retry-After seconds",
			status:         http.StatusTooManyRequests,
			header:         http.Header{"Retry-After": {"60"}},
			wantStatus:     http.StatusTooManyRequests,
			wantText:       "telemetry: feature flags: HTTP 429 Too Many Requests",
			wantRetryAfter: 60 * time.Second,
		},
		{
			name:           "503 with Retry-After date",
			status:         http.StatusServiceUnavailable,
			header:         http.Header{"Retry-After": {now.Add(2 * time.Minute).Format(http.TimeFormat)}},
			wantStatus:     http.StatusServiceUnavailable,
			wantText:       "telemetry: feature flags: HTTP 503 Service Unavailable",
			wantRetryAfter: 2 * time.Minute,
		},
		{
			name:       "503 with Retry-After date passed",
			status:     http.StatusServiceUnavailable,
			header:     http.Header{"Retry-After": {now.Add(-time.Minute).Format(http.TimeFormat)}},
			wantStatus: http.StatusServiceUnavailable,
		},
		{
			name:       "429 without Retry-After",
			status:     http.StatusTooManyRequests,
			wantStatus: http.StatusTooManyRequests,
		},
		{
			name:       "429 with bad Retry-After",
			status:     http.StatusTooManyRequests,
			header:     http.Header{"Retry-After": {"soon"}},
			wantStatus: http.StatusTooManyRequests,
		},
		{
			name:       "201 is not 200",
			status:     http.StatusCreated,
			body:       `{"flags":[]}`,
			wantStatus: http.StatusCreated,
		},
		{
			name:    "body over 1 MiB",
			status:  http.StatusOK,
			body:    objectOf(maxResponseBytes + 1),
			wantErr: errResponseTooLarge,
		},
		{
			name:   "body of exactly 1 MiB",
			status: http.StatusOK,
			body:   objectOf(maxResponseBytes),
			want:   messages.Flags{Values: map[string]string{TelemetryFlag: "true"}, TTL: time.Minute},
		},
		{
			name:    "malformed JSON",
			status:  http.StatusOK,
			body:    `{"flags":[{"name":"a","value":"1"}`,
			wantErr: ErrMalformedResponse,
		},
		{
			name:    "trailing garbage",
			status:  http.StatusOK,
			body:    `{"flags":[]} {"flags":[]}`,
			wantErr: ErrMalformedResponse,
		},
		{
			name:    "empty body",
			status:  http.StatusOK,
			wantErr: ErrMalformedResponse,
		},
		{
			name:    "html error page with 200",
			status:  http.StatusOK,
			body:    "<html><body>Sign in</body></html>",
			wantErr: ErrMalformedResponse,
		},
	}
	realNow := timeNow
	timeNow = func() time.Time { return now }
	t.Cleanup(func() { timeNow = realNow })
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startTLS(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				checkRequest(t, r, testVersion)
				for k, v := range tt.header {
					w.Header()[k] = v
				}
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, tt.body)
			}))
			f := newFetcher(srv)

			got, err := f.Fetch(context.Background(), hostOf(srv))

			switch {
			case tt.wantStatus != 0:
				var statusErr *StatusError
				require.ErrorAs(t, err, &statusErr)
				require.Equal(t, tt.wantStatus, statusErr.code)
				require.Equal(t, tt.wantRetryAfter, statusErr.RetryAfter())
				if tt.wantText != "" {
					require.EqualError(t, err, tt.wantText)
				}
				require.Equal(t, messages.Flags{}, got)
			case tt.wantErr != nil:
				require.ErrorIs(t, err, tt.wantErr)
				require.Equal(t, messages.Flags{}, got)
			default:
				require.NoError(t, err)
				require.Equal(t, tt.want, got)
			}
		})
	}
}

func TestFetchCancelledContext(t *testing.T) {
	started := make(chan struct{})
	release := make(chan struct{})
	srv := startTLS(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release // until the test ends, whatever the client does
	}))
	// Cleanups run last-in first-out: release the handler, then close the server.
	t.Cleanup(func() { close(release) })

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-started
		cancel()
	}()
	done := make(chan error, 1)
	go func() {
		_, err := newFetcher(srv).Fetch(ctx, hostOf(srv))
		done <- err
	}()

	select {
	case err := <-done:
		require.ErrorIs(t, err, context.Canceled)
	case <-time.After(5 * time.Second):
		t.Fatal("Fetch did not return after its context was cancelled")
	}
}

func TestFetchCancelledBeforeStart(t *testing.T) {
	var requests atomic.Int64
	srv := startTLS(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
	}))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()

	_, err := newFetcher(srv).Fetch(ctx, hostOf(srv))

	require.ErrorIs(t, err, context.Canceled)
	require.Zero(t, requests.Load())
}

func TestFetchVersionIsOnePathSegment(t *testing.T) {
	for _, version := range []string{"1.0/../x", "1.0 beta?x=1#frag", "100%/2", "v1;a=b", "版本/1", "..."} {
		t.Run(version, func(t *testing.T) {
			srv := startTLS(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				checkRequest(t, r, version)
				segment, ok := strings.CutPrefix(r.URL.EscapedPath(), flagsPath)
				if !ok || strings.Contains(segment, "/") {
					t.Errorf("version is not one path segment: %q", r.URL.EscapedPath())
				}
				if got, err := url.PathUnescape(segment); err != nil || got != version {
					t.Errorf("server got version %q (%v), want %q", got, err, version)
				}
				_, _ = io.WriteString(w, `{"flags":[{"name":"v","value":"ok"}]}`)
			}))
			f := newFetcher(srv)
			f.DriverVersion = version

			got, err := f.Fetch(context.Background(), hostOf(srv))

			require.NoError(t, err)
			require.Equal(t, "ok", got.Values["v"])
		})
	}
}

func TestFetchRejectsBeforeRequest(t *testing.T) {
	var requests atomic.Int64
	srv := startTLS(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		_, _ = io.WriteString(w, `{"flags":[]}`)
	}))
	host := hostOf(srv)
	_, port, err := net.SplitHostPort(host)
	require.NoError(t, err)
	tests := []struct {
		name    string
		host    string
		version string
		wantErr error
	}{
		{"empty host", "", testVersion, flagactor.ErrInvalidHost},
		{"path", host + "/x", testVersion, flagactor.ErrInvalidHost},
		{"scheme", "https://" + host, testVersion, flagactor.ErrInvalidHost},
		{"query", host + "?a=b", testVersion, flagactor.ErrInvalidHost},
		{"fragment", host + "#f", testVersion, flagactor.ErrInvalidHost},
		{"user info", "user@" + host, testVersion, flagactor.ErrInvalidHost},
		{"user and password", "user:pw@" + host, testVersion, flagactor.ErrInvalidHost},
		{"backslash", host + `\x`, testVersion, flagactor.ErrInvalidHost},
		{"space", host + " ", testVersion, flagactor.ErrInvalidHost},
		{"inner space", "127.0.0.1 " + host, testVersion, flagactor.ErrInvalidHost},
		{"tab", "\t" + host, testVersion, flagactor.ErrInvalidHost},
		{"newline", host + "\n", testVersion, flagactor.ErrInvalidHost},
		{"NUL", host + "\x00", testVersion, flagactor.ErrInvalidHost},
		{"DEL", host + "\x7f", testVersion, flagactor.ErrInvalidHost},
		{"no-break space", host + "\u00a0", testVersion, flagactor.ErrInvalidHost},
		{"unclosed bracket", "[::1", testVersion, flagactor.ErrInvalidHost},
		{"bad port", "127.0.0.1:port", testVersion, flagactor.ErrInvalidHost},
		// A host NormalizeHost would change is refused, not mended: Fetch
		// asks what its caller named, as the flag actor names it.
		{"upper case", "LOCALHOST:" + port, testVersion, flagactor.ErrInvalidHost},
		{"trailing dot", "localhost.:" + port, testVersion, flagactor.ErrInvalidHost},
		{"port with a leading zero", "127.0.0.1:0" + port, testVersion, flagactor.ErrInvalidHost},
		{"empty version", host, "", ErrBadDriverVersion},
		{"dot version", host, ".", ErrBadDriverVersion},
		{"dot-dot version", host, "..", ErrBadDriverVersion},
		{"version with a control character", host, "1.0\n", ErrBadDriverVersion},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFetcher(srv)
			f.DriverVersion = tt.version

			got, err := f.Fetch(context.Background(), tt.host)

			require.ErrorIs(t, err, tt.wantErr)
			// One sentinel for a bad host, whichever package reports it.
			require.Equal(t, tt.wantErr == flagactor.ErrInvalidHost, errors.Is(err, flagactor.ErrInvalidHost),
				"errors.Is(%v, flagactor.ErrInvalidHost)", err)
			require.True(t, strings.HasPrefix(err.Error(), "telemetry: "), "error %q lacks the package prefix", err)
			require.Equal(t, messages.Flags{}, got)
		})
	}
	require.Zero(t, requests.Load(), "a rejected fetch reached the server")
}

func TestFetchNilClientUsesDefaultClient(t *testing.T) {
	srv := startTLS(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"flags":[{"name":"a","value":"b"}]}`)
	}))
	saved := http.DefaultClient
	http.DefaultClient = srv.Client() // trusts the test server's certificate
	t.Cleanup(func() { http.DefaultClient = saved })

	got, err := (&HTTPFetcher{DriverVersion: testVersion}).Fetch(context.Background(), hostOf(srv))

	require.NoError(t, err)
	require.Equal(t, map[string]string{"a": "b"}, got.Values)
}

func TestFetchRedirects(t *testing.T) {
	var plainRequests atomic.Int64
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		plainRequests.Add(1)
		_, _ = io.WriteString(w, `{"flags":[{"name":"a","value":"plain"}]}`)
	}))
	t.Cleanup(plain.Close)
	srv := startTLS(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("to") {
		case "":
			_, _ = io.WriteString(w, `{"flags":[{"name":"a","value":"tls"}]}`)
		case "tls":
			http.Redirect(w, r, "/moved", http.StatusFound)
		case "plain":
			http.Redirect(w, r, plain.URL+"/moved", http.StatusFound)
		}
	}))
	// The fetcher builds its own URL, so the test steers the handler through
	// the client: a transport that adds the query to the first request.
	redirectTo := func(to string) *HTTPFetcher {
		f := newFetcher(srv)
		f.Client = &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			if strings.HasPrefix(r.URL.Path, flagsPath) {
				r = r.Clone(r.Context())
				r.URL.RawQuery = "to=" + to
			}
			return srv.Client().Transport.RoundTrip(r)
		})}
		return f
	}

	got, err := redirectTo("tls").Fetch(context.Background(), hostOf(srv))
	require.NoError(t, err, "an https redirect is followed")
	require.Equal(t, "tls", got.Values["a"])

	_, err = redirectTo("plain").Fetch(context.Background(), hostOf(srv))
	require.ErrorAs(t, err, new(*redirectError))
	require.Zero(t, plainRequests.Load(), "the redirect off https was followed")
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestFetchReusesConnection checks that a body Fetch does not use is drained,
// so the next fetch goes over the same connection.
func TestFetchReusesConnection(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		firstBody string
		wantErr   error
	}{
		{"error status with a body", http.StatusInternalServerError, strings.Repeat("e", 16<<10), nil},
		{"429 with a body", http.StatusTooManyRequests, `{"error":"slow down"}`, nil},
		{"oversized body within the drain bound", http.StatusOK,
			`{"flags":[` + strings.Repeat(" ", maxResponseBytes+maxDrainBytes/2) + `]}`, errResponseTooLarge},
		{"trailing garbage", http.StatusOK, `{"flags":[]}]` + strings.Repeat("x", 1<<10), ErrMalformedResponse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var served atomic.Int64
			var newConns atomic.Int64
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if served.Add(1) == 1 {
					w.WriteHeader(tt.status)
					_, _ = io.WriteString(w, tt.firstBody)
					return
				}
				_, _ = io.WriteString(w, `{"flags":[{"name":"a","value":"b"}]}`)
			}))
			srv.Config.ConnState = func(_ net.Conn, state http.ConnState) {
				if state == http.StateNew {
					newConns.Add(1)
				}
			}
			srv.StartTLS()
			t.Cleanup(func() {
				srv.Client().CloseIdleConnections()
				srv.Close()
			})
			f := newFetcher(srv)

			_, err := f.Fetch(context.Background(), hostOf(srv))
			require.Error(t, err)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
			}

			var reused []bool
			ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
				GotConn: func(info httptrace.GotConnInfo) { reused = append(reused, info.Reused) },
			})
			got, err := f.Fetch(ctx, hostOf(srv))
			require.NoError(t, err)
			require.Equal(t, "b", got.Values["a"])
			require.Equal(t, []bool{true}, reused, "the second fetch did not reuse the connection")
			require.Equal(t, int64(1), newConns.Load())
		})
	}
}

// tokenTransport adds the driver's credentials to every request, as an
// authenticated driver client does.
type tokenTransport struct {
	base  http.RoundTripper
	token string
}

func (t tokenTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+t.token)
	return t.base.RoundTrip(r)
}
