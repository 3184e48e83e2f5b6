package telemetry

import (
	"context"
	"crypto/tls"
	"net/http/httptrace"
	"net/url"
	"sync/atomic"
)

// The steps of one request attempt the transport reported, as bits.
const (
	sawGetConn   = 1 << iota // the transport looked for a connection
	sawConnected             // a dial succeeded (to the host or the proxy)
	sawTLSFailed             // a TLS handshake failed
	sawGotConn               // the transport has a connection for the request
	sawFirstByte             // the server sent the first byte of its answer
	sawOther                 // the connection took another request (a token refresh of the client's)
)

// requestTrace records, from net/http's client trace hooks, how far the
// current request attempt got, so that a failure can be named by where it
// happened rather than by its text. The hooks run on the transport's
// goroutines, hence the atomic.
//
// A driver's RoundTripper may make requests of its own with the flag
// request's context (a token refresh), and the hooks see those too. Each
// attempt starts over at GetConn, and one whose Host header names another
// host or port than the flag request's is marked sawOther: what its
// connection did is not the flag request's. (A refresh from the flag host
// itself is not told apart: its connection is the host's.)
type requestTrace struct {
	target *url.URL // the flag request's URL
	phase  atomic.Uint32
}

// load returns the steps of the flag request's current attempt; none when
// the last attempt was another request's.
func (r *requestTrace) load() uint32 {
	if phase := r.phase.Load(); phase&sawOther == 0 {
		return phase
	}
	return 0
}

// with returns ctx with the hooks that feed r, after any the caller set.
func (r *requestTrace) with(ctx context.Context) context.Context {
	return httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GetConn: func(string) { r.phase.Store(sawGetConn) }, // a new attempt
		WroteHeaderField: func(key string, value []string) {
			// Host over HTTP/1, :authority over HTTP/2.
			if (key == "Host" || key == ":authority") && len(value) == 1 &&
				!sameHostAndPort(r.target, &url.URL{Scheme: r.target.Scheme, Host: value[0]}) {
				r.phase.Or(sawOther)
			}
		},
		ConnectDone: func(_, _ string, err error) {
			if err == nil {
				r.phase.Or(sawConnected)
			}
		},
		TLSHandshakeDone: func(_ tls.ConnectionState, err error) {
			if err != nil {
				r.phase.Or(sawTLSFailed)
			}
		},
		GotConn:              func(httptrace.GotConnInfo) { r.phase.Or(sawGotConn) },
		GotFirstResponseByte: func() { r.phase.Or(sawFirstByte) },
	})
}
