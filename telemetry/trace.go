package telemetry

import (
	"context"
	"crypto/tls"
	"net/http/httptrace"
	"sync/atomic"
)

// The steps of one request attempt the transport reported, as bits.
const (
	sawGetConn    = 1 << iota // the transport looked for a connection
	sawDialFailed             // resolving or dialing failed
	sawConnected              // a dial succeeded (to the host or the proxy)
	sawTLSFailed              // a TLS handshake failed
	sawGotConn                // the transport has a connection for the request
	sawFirstByte              // the server sent the first byte of its answer
)

// requestTrace records, from net/http's client trace hooks, how far the
// current request attempt got, so that a failure can be named by where it
// happened rather than by its text. The hooks run on the transport's
// goroutines, hence the atomic.
type requestTrace struct {
	phase atomic.Uint32
}

func (r *requestTrace) set(bit uint32) { r.phase.Or(bit) }

func (r *requestTrace) load() uint32 { return r.phase.Load() }

// restart forgets the steps of the attempt before a redirect.
func (r *requestTrace) restart() { r.phase.Store(0) }

// with returns ctx with the hooks that feed r, after any the caller set.
func (r *requestTrace) with(ctx context.Context) context.Context {
	return httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GetConn: func(string) { r.set(sawGetConn) },
		DNSDone: func(info httptrace.DNSDoneInfo) {
			if info.Err != nil {
				r.set(sawDialFailed)
			}
		},
		ConnectDone: func(_, _ string, err error) {
			if err != nil {
				r.set(sawDialFailed)
				return
			}
			r.set(sawConnected)
		},
		TLSHandshakeDone: func(_ tls.ConnectionState, err error) {
			if err != nil {
				r.set(sawTLSFailed)
			}
		},
		GotConn:              func(httptrace.GotConnInfo) { r.set(sawGotConn) },
		GotFirstResponseByte: func() { r.set(sawFirstByte) },
	})
}
