package telemetry

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/require"

	"github.com/flagactor/flagactor/telemetry/flagactor"
)

// heldBody answers with Retry-After: 3600 and what start writes, and then
// keeps the body open until release is called, as a stuck server or proxy
// does. It counts the requests it gets.
func heldBody(start func(http.ResponseWriter), requests *atomic.Int64) (handler http.Handler, release func()) {
	released := make(chan struct{})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if requests != nil {
			requests.Add(1)
		}
		w.Header().Set("Retry-After", "3600")
		start(w)
		http.NewResponseController(w).Flush()
		<-released
	}), func() { close(released) }
}

// TestFetchStatusDoesNotWaitForItsBody checks that a non-200 answer returns
// at once with its *StatusError, whatever the server does with the body.
func TestFetchStatusDoesNotWaitForItsBody(t *testing.T) {
	tests := []struct {
		name  string
		start func(http.ResponseWriter)
	}{
		{"chunked body left open", func(w http.ResponseWriter) {
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = io.WriteString(w, `{"error":"slow down"`)
		}},
		{"no byte of the body", func(w http.ResponseWriter) {
			w.WriteHeader(http.StatusTooManyRequests)
		}},
		{"content length not yet sent", func(w http.ResponseWriter) {
			w.Header().Set("Content-Length", "4096")
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = io.WriteString(w, `{"error":`)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			handler, release := heldBody(tt.start, nil)
			srv := startTLS(t, handler)
			// Cleanups run last-in first-out: the handler returns before the
			// server waits for it.
			t.Cleanup(release)
			done := make(chan error, 1)
			go func() {
				_, err := newFetcher(srv).Fetch(context.Background(), hostOf(srv))
				done <- err
			}()

			select {
			case err := <-done:
				var status *StatusError
				require.ErrorAs(t, err, &status)
				require.Equal(t, http.StatusTooManyRequests, status.code)
				require.Equal(t, time.Hour, status.RetryAfter())
			case <-time.After(5 * time.Second):
				t.Fatal("Fetch waited for the body of a 429")
			}
		})
	}
}

// TestActorKeepsRetryAfterOfAHeldBody runs the same 429 through the actor on
// a mock clock: the fetch fails with the server's Retry-After, so the next
// fetch is an hour away, not the first backoff step of a second.
func TestActorKeepsRetryAfterOfAHeldBody(t *testing.T) {
	var requests atomic.Int64
	handler, release := heldBody(func(w http.ResponseWriter) {
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = io.WriteString(w, `{"error":"slow down"`)
	}, &requests)
	srv := startTLS(t, handler)
	mock := clock.NewMock()
	actor := flagactor.New(flagactor.WithClock(mock))
	t.Cleanup(func() { _ = actor.Close() })
	t.Cleanup(release) // first: the actor's fetch and the handler end before Close waits
	// Only bounds a failing run: a passing one returns well before.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	lease, err := actor.Acquire(ctx, hostOf(srv), newFetcher(srv))
	require.NoError(t, err)
	defer lease.Release()

	on, err := lease.Enabled(ctx, TelemetryFlag)
	require.False(t, on)
	var status *StatusError
	require.ErrorAs(t, err, &status, "the query did not get the fetch's status error")
	require.Equal(t, time.Hour, status.RetryAfter())
	require.Equal(t, int64(1), requests.Load())

	mock.Add(2 * time.Second) // past a first backoff step with its jitter
	on, err = lease.Enabled(ctx, TelemetryFlag)
	require.False(t, on)
	require.Error(t, err)
	require.Equal(t, int64(1), requests.Load(), "fetched again before the Retry-After passed")

	mock.Add(time.Hour)
	_, _ = lease.Enabled(ctx, TelemetryFlag)
	require.Equal(t, int64(2), requests.Load(), "no fetch once the Retry-After passed")
}

// TestFetchCredentialRejected checks that 401 and 403 are both a
// *StatusError and a flagactor.ErrCredentialRejected, and no other status is
// the latter.
func TestFetchCredentialRejected(t *testing.T) {
	for _, tt := range []struct {
		status   int
		rejected bool
	}{
		{http.StatusUnauthorized, true},
		{http.StatusForbidden, true},
		{http.StatusNotFound, false},
		{http.StatusTooManyRequests, false},
		{http.StatusInternalServerError, false},
	} {
		t.Run(http.StatusText(tt.status), func(t *testing.T) {
			srv := startTLS(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Error(w, "no", tt.status)
			}))

			_, err := newFetcher(srv).Fetch(context.Background(), hostOf(srv))

			var status *StatusError
			require.ErrorAs(t, err, &status)
			require.Equal(t, tt.status, status.code)
			require.Equal(t, tt.rejected, errors.Is(err, flagactor.ErrCredentialRejected))
			require.Equal(t, "telemetry: feature flags: HTTP "+strconv.Itoa(tt.status)+" "+http.StatusText(tt.status), err.Error())
		})
	}
}

// TestFetchUsesACompleteAnswerHeldOpen checks that a 200 whose JSON object is
// complete is the answer even while the server (or a proxy) holds the body
// open, and that data after the object that has arrived still makes it
// malformed.
func TestFetchUsesACompleteAnswerHeldOpen(t *testing.T) {
	const answer = `{"flags":[{"name":"a","value":"b"}],"ttl_seconds":60}`
	flushed := func(w http.ResponseWriter, parts ...string) {
		for _, part := range parts {
			_, _ = io.WriteString(w, part)
			http.NewResponseController(w).Flush()
		}
	}
	tests := []struct {
		name    string
		start   func(http.ResponseWriter)
		wantErr error
	}{
		{"chunked body left open", func(w http.ResponseWriter) { flushed(w, answer) }, nil},
		{"white space, then left open", func(w http.ResponseWriter) { flushed(w, answer, " \r\n", "\t") }, nil},
		{"content length not yet sent", func(w http.ResponseWriter) {
			w.Header().Set("Content-Length", "4096")
			flushed(w, answer)
		}, nil},
		{"data after the object, then left open", func(w http.ResponseWriter) { flushed(w, answer+` {"flags":[]}`) }, ErrMalformedResponse},
		{"data after the object in a later write", func(w http.ResponseWriter) { flushed(w, answer, "\n", "x") }, ErrMalformedResponse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			handler, release := heldBody(func(w http.ResponseWriter) {
				w.Header().Del("Retry-After")
				tt.start(w)
			}, nil)
			srv := startTLS(t, handler)
			t.Cleanup(release)
			// Only bounds a failing run: a passing one returns well before.
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()

			got, err := newFetcher(srv).Fetch(ctx, hostOf(srv))

			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err, "the complete answer was not used")
			require.Equal(t, "b", got.Values["a"])
			require.Equal(t, time.Minute, got.TTL)
		})
	}
}

// TestFetchPlainHTTPProxyRefusal sends a plain-http fetch through an HTTP
// proxy that answers 407 with the request's Proxy-Authorization as its
// reason phrase: no CONNECT, so the 407 is the answer. It is a *StatusError
// that matches flagactor.ErrClientFailed (only the client's proxy sends
// it) and repeats no part of the reason phrase.
func TestFetchPlainHTTPProxyRefusal(t *testing.T) {
	var asked atomic.Int64
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		hijacked(t, "HTTP/1.1 407 "+r.Header.Get("Proxy-Authorization")+"\r\nContent-Length: 0\r\n\r\n")(w, r)
	}))
	t.Cleanup(proxy.Close)
	base := &http.Transport{Proxy: http.ProxyURL(&url.URL{Scheme: "http", User: proxyUser, Host: proxy.Listener.Addr().String()})}
	t.Cleanup(base.CloseIdleConnections)
	f := newConnFetcher(ConnConfig{Host: "http://flags.example", DriverVersion: testVersion, Client: &http.Client{Transport: base}}, nil)

	_, err := f.Fetch(context.Background(), "flags.example")

	var status *StatusError
	require.ErrorAs(t, err, &status)
	require.Equal(t, http.StatusProxyAuthRequired, status.code)
	require.ErrorIs(t, err, flagactor.ErrClientFailed)
	require.NotErrorIs(t, err, flagactor.ErrCredentialRejected)
	requireNoSecret(t, err, proxyAuthEcho)
	require.Equal(t, int64(1), asked.Load())
}
