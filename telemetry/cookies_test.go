package telemetry

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestFetchSendsAndKeepsNoCookies gives Fetch a client whose cookie jar
// holds the driver's session cookie for the host, against a server that
// sets cookies on a redirect and on the answer: the flag request sends
// none, and the jar ends as it began.
func TestFetchSendsAndKeepsNoCookies(t *testing.T) {
	var requests, withCookies atomic.Int64
	srv := startTLS(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		if len(r.Cookies()) > 0 {
			withCookies.Add(1)
		}
		if r.URL.RawQuery == "" {
			http.SetCookie(w, &http.Cookie{Name: "flags_redirect", Value: "r", Path: "/"})
			http.Redirect(w, r, r.URL.Path+"?moved=1", http.StatusFound)
			return
		}
		http.SetCookie(w, &http.Cookie{Name: "flags_session", Value: "s", Path: "/"})
		_, _ = io.WriteString(w, `{"flags":[{"name":"a","value":"b"}]}`)
	}))
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	site, err := url.Parse(srv.URL + "/")
	require.NoError(t, err)
	jar.SetCookies(site, []*http.Cookie{{Name: "driver_session", Value: "d", Path: "/"}})
	client := *srv.Client() // the server's own client stays as it is
	client.Jar = jar
	f := newFetcher(srv)
	f.Client = &client

	got, err := f.Fetch(context.Background(), hostOf(srv))

	require.NoError(t, err)
	require.Equal(t, "b", got.Values["a"])
	require.Equal(t, int64(2), requests.Load())
	require.Zero(t, withCookies.Load(), "the flag request sent cookies")
	var names []string
	for _, c := range jar.Cookies(site) {
		names = append(names, c.Name)
	}
	require.Equal(t, []string{"driver_session"}, names, "the flag endpoint's cookies reached the driver's jar")
}
