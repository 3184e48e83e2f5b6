package telemetry

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestFetchRedirectKeepsHostAndPort redirects the flag request of one TLS
// server to another, through a client whose Transport adds a token to every
// request: the redirect is refused and the token never reaches the other
// server, nor the same server under another name.
func TestFetchRedirectKeepsHostAndPort(t *testing.T) {
	const token = "dapi-REDIRECT-TOKEN"
	var otherRequests, otherTokens atomic.Int64
	other := startTLS(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		otherRequests.Add(1)
		if strings.Contains(r.Header.Get("Authorization"), token) {
			otherTokens.Add(1)
		}
		_, _ = io.WriteString(w, `{"flags":[{"name":"a","value":"other"}]}`)
	}))
	var location atomic.Value // the Location the first request is sent to
	var requests atomic.Int64
	srv := startTLS(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if requests.Add(1) == 1 {
			http.Redirect(w, r, location.Load().(string), http.StatusFound)
			return
		}
		_, _ = io.WriteString(w, `{"flags":[{"name":"a","value":"same"}]}`)
	}))
	_, port, err := net.SplitHostPort(hostOf(srv))
	require.NoError(t, err)

	tests := []struct {
		name     string
		location string
		refused  bool
	}{
		{"another port", other.URL + flagsPath + "x", true},
		{"another host name, same port", "https://localhost:" + port + flagsPath + "x", true},
		{"another host, no port", "https://flags.example" + flagsPath + "x", true},
		{"same host and port", srv.URL + flagsPath + "moved", false},
		{"same host and port, upper case scheme", "HTTPS://" + hostOf(srv) + flagsPath + "moved", false},
		{"relative", "/moved", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			requests.Store(0)
			otherRequests.Store(0)
			otherTokens.Store(0)
			location.Store(tt.location)
			f := newFetcher(srv)
			f.Client = &http.Client{Transport: tokenTransport{base: srv.Client().Transport, token: token}}

			got, err := f.Fetch(context.Background(), hostOf(srv))

			require.Zero(t, otherTokens.Load(), "the token reached another server")
			require.Zero(t, otherRequests.Load(), "the redirect to another server was followed")
			if tt.refused {
				require.ErrorAs(t, err, new(*redirectError))
				require.Equal(t, int64(1), requests.Load(), "the redirect to another name was followed")
				return
			}
			require.NoError(t, err)
			require.Equal(t, "same", got.Values["a"])
			require.Equal(t, int64(2), requests.Load())
		})
	}
}

func TestSameHostAndPort(t *testing.T) {
	for _, tt := range []struct {
		from, to string
		want     bool
	}{
		{"https://flags.example/a", "https://flags.example/b?x=1", true},
		{"https://flags.example/a", "https://FLAGS.Example/b", true},
		{"https://flags.example/a", "https://flags.example:443/b", true},
		{"https://flags.example:443/a", "https://flags.example/b", true},
		{"https://flags.example:8443/a", "https://flags.example:8443/b", true},
		{"https://[::1]:8443/a", "https://[::1]:8443/b", true},
		{"https://flags.example/a", "https://flags.example:8443/b", false},
		{"https://flags.example:8443/a", "https://flags.example/b", false},
		{"https://flags.example/a", "https://other.example/b", false},
		{"https://flags.example/a", "https://flags.example.evil.example/b", false},
		{"https://flags.example/a", "https://user@other.example/b", false},
		{"https://127.0.0.1:8443/a", "https://localhost:8443/b", false},
	} {
		from, err := url.Parse(tt.from)
		require.NoError(t, err)
		to, err := url.Parse(tt.to)
		require.NoError(t, err)
		require.Equal(t, tt.want, sameHostAndPort(from, to), "%s -> %s", tt.from, tt.to)
	}
}

// TestFetchFollowsAtMostTenRedirects loops a same-host redirect through a
// client whose own policy follows every redirect: Fetch still stops after
// net/http's ten requests, each of which carried the client's token. A
// refusal of the client's policy is a refused redirect too, and its
// http.ErrUseLastResponse takes the redirect as the answer.
func TestFetchFollowsAtMostTenRedirects(t *testing.T) {
	var requests atomic.Int64
	srv := startTLS(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		http.Redirect(w, r, flagsPath+"loop", http.StatusFound)
	}))
	errPolicy := errors.New("driver policy: no")
	for _, tt := range []struct {
		name         string
		policy       func(*http.Request, []*http.Request) error
		wantRequests int64
		check        func(*testing.T, error)
	}{
		{"policy follows all", func(*http.Request, []*http.Request) error { return nil }, maxRedirects,
			func(t *testing.T, err error) { require.ErrorAs(t, err, new(*redirectError)) }},
		{"no policy", nil, maxRedirects,
			func(t *testing.T, err error) { require.ErrorAs(t, err, new(*redirectError)) }},
		{"policy refuses", func(*http.Request, []*http.Request) error { return errPolicy }, 1,
			func(t *testing.T, err error) {
				require.ErrorAs(t, err, new(*redirectError))
				require.NotContains(t, err.Error(), errPolicy.Error())
			}},
		{"policy takes the redirect as the answer", func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }, 1,
			func(t *testing.T, err error) {
				var status *StatusError
				require.ErrorAs(t, err, &status)
				require.Equal(t, http.StatusFound, status.code)
			}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			requests.Store(0)
			f := newFetcher(srv)
			f.Client = &http.Client{
				Transport:     tokenTransport{base: srv.Client().Transport, token: "dapi-LOOP"},
				CheckRedirect: tt.policy,
			}
			// Only bounds a failing run: a passing one stops after ten requests.
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()

			_, err := f.Fetch(ctx, hostOf(srv))

			tt.check(t, err)
			require.Equal(t, tt.wantRequests, requests.Load())
		})
	}
}

// TestFetchRedirectCheckedAfterTheClientsPolicy gives the fetcher a client
// whose CheckRedirect moves the redirected request to another server (one a
// driver's policy might pick): the move is refused after the policy
// returns, and the token never reaches the other server.
func TestFetchRedirectCheckedAfterTheClientsPolicy(t *testing.T) {
	const token = "dapi-POLICY-TOKEN"
	var otherRequests atomic.Int64
	other := startTLS(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		otherRequests.Add(1)
		_, _ = io.WriteString(w, `{"flags":[{"name":"a","value":"other"}]}`)
	}))
	srv := startTLS(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, flagsPath+"moved", http.StatusFound)
	}))
	otherURL, err := url.Parse(other.URL)
	require.NoError(t, err)
	for name, move := range map[string]func(*http.Request){
		"another port":   func(r *http.Request) { r.URL.Host = otherURL.Host },
		"another scheme": func(r *http.Request) { r.URL.Scheme = "http" },
		"a new URL":      func(r *http.Request) { r.URL = otherURL.JoinPath(flagsPath, "moved") },
	} {
		t.Run(name, func(t *testing.T) {
			otherRequests.Store(0)
			f := newFetcher(srv)
			f.Client = &http.Client{
				Transport: tokenTransport{base: srv.Client().Transport, token: token},
				CheckRedirect: func(r *http.Request, _ []*http.Request) error {
					move(r)
					return nil
				},
			}

			_, err := f.Fetch(context.Background(), hostOf(srv))

			require.ErrorAs(t, err, new(*redirectError))
			require.Zero(t, otherRequests.Load(), "the moved request reached another server")
		})
	}
}
