package telemetry

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"syscall"

	"github.com/flagactor/flagactor/telemetry/flagactor"
)

// failureKind is what went wrong with a request that got no usable answer,
// in words of this package. net/http's own error text is never repeated:
// it quotes some of what the server sent and not all, and not the same on
// every Go release (net/textproto's header errors carry the raw line on
// go1.25.0 to go1.25.10 and go1.26.0), and a server may echo the driver's
// credentials into any of it.
type failureKind uint8

const (
	failCanceled  failureKind = iota // the caller's context was cancelled
	failTimedOut                     // a deadline passed (the context's or the client's)
	failUnsent                       // a deadline passed before the flag request was sent
	failRequest                      // the client would not send the request (a bad header, its RoundTripper's error)
	failDial                         // no connection to the host (DNS, refused, unreachable)
	failTLS                          // the TLS handshake or the certificate failed
	failProxy                        // the proxy refused or failed the connection
	failClosed                       // the connection closed or broke before any answer
	failCut                          // the answer stopped before its end
	failMalformed                    // what the server sent is not HTTP, or not an answer the client takes
	failUnknown                      // none of the above
)

var failureTexts = [...]string{
	failCanceled:  "canceled",
	failTimedOut:  "timed out",
	failUnsent:    "timed out before the request was sent",
	failRequest:   "the client could not send the request",
	failDial:      "could not connect to the host",
	failTLS:       "the TLS handshake failed",
	failProxy:     "the proxy did not connect to the host",
	failClosed:    "the connection closed before an answer",
	failCut:       "the answer was cut short",
	failMalformed: "malformed answer",
	failUnknown:   "no answer",
}

// clientFailed reports the kinds that are the client's own: the request got
// no HTTP answer because of the connection's client, not the server. Until
// the flag request is sent on a connection of its own, no server has it.
func (k failureKind) clientFailed() bool {
	switch k {
	case failUnsent, failRequest, failDial, failTLS, failProxy:
		return true
	}
	return false
}

// fetchFailure is a request that failed without an answer Fetch could use:
// what it was doing, the kind of failure and its cause, in words of this
// package. It unwraps to nothing, so no chain, format verb or field of it
// shows what the server sent or the client added; errors.Is sees the
// cause, a cancelled context or a passed deadline,
// flagactor.ErrClientFailed when the client's own connection failed,
// io.ErrUnexpectedEOF when the answer was cut short, and
// ErrMalformedResponse when a body's framing was.
type fetchFailure struct {
	doing  string // "GET <the fetcher's own URL>" or "reading the response"
	kind   failureKind
	detail string // the cause in this package's words (failureCause); "" for none
	body   bool   // reading the body of a 200
	// cause is net/http's error, for errors.Is only: its text repeats what
	// the server sent. Behind a pointer, so that no format verb prints it.
	cause *error
}

func (e *fetchFailure) Error() string {
	text := "telemetry: feature flags: " + e.doing + ": " + failureTexts[e.kind]
	if e.detail != "" {
		text += ": " + e.detail
	}
	return text
}

// Is reports whether target is the sentinel the failure's kind stands for,
// or, for any other target, whether the cause matches it.
func (e *fetchFailure) Is(target error) bool {
	switch target {
	case context.Canceled:
		return e.kind == failCanceled
	case context.DeadlineExceeded:
		return e.kind == failTimedOut || e.kind == failUnsent
	case flagactor.ErrClientFailed:
		return e.kind.clientFailed()
	case io.ErrUnexpectedEOF:
		return e.kind == failCut
	case ErrMalformedResponse:
		return e.kind == failMalformed && e.body // a bad chunk or trailer
	}
	return errors.Is(*e.cause, target)
}

// requestError reports a request to target (the fetcher's own URL) that got
// no answer. It never names the URL the request was sent to at the end,
// which after a redirect is the server's Location. A refused redirect is
// its own error.
func requestError(ctx context.Context, target string, err error, seen *requestTrace) error {
	var refused *redirectError
	if errors.As(err, &refused) {
		return refused
	}
	kind := requestFailureKind(ctx, err, seen)
	return &fetchFailure{doing: "GET " + target, kind: kind, detail: failureCause(kind, err), cause: &err}
}

// readError reports a failure to read the response body.
func readError(err error) error {
	kind := readFailureKind(err)
	return &fetchFailure{doing: "reading the response", kind: kind, detail: failureCause(kind, err), body: true, cause: &err}
}

// requestFailureKind classifies a failed request by what the transport had
// done for the flag request's last attempt before it failed (seen, which
// leaves out the requests the client made of its own) and, where the
// transport's hooks did not run (a RoundTripper that drops the request's
// context), by the error's type. Until the flag request has a connection
// of its own, a failure is the client's, a passed deadline too.
func requestFailureKind(ctx context.Context, err error, seen *requestTrace) failureKind {
	phase := seen.load()
	if kind, ok := deadlineKind(ctx, err); ok {
		if kind == failTimedOut && phase&sawGotConn == 0 {
			// Dialing, TLS, a proxy that does not answer CONNECT, or the
			// client's RoundTripper: the server does not have the request.
			return failUnsent
		}
		return kind
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "proxyconnect" {
		return failProxy // dialing the proxy, or TLS with it
	}
	if isTLSAlert(err) {
		// The server's TLS refusal, even after the handshake: in TLS 1.3 a
		// server refuses the client's certificate once the client is done.
		return failTLS
	}
	switch {
	case phase&sawGotConn != 0:
		// The server had the request: what failed is the server's.
		switch {
		case phase&sawFirstByte == 0:
			return failClosed
		case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
			return failCut
		}
		return failMalformed
	case isTLSFailure(err), phase&sawTLSFailed != 0:
		return failTLS
	case isDialFailure(err):
		return failDial
	case phase&sawConnected != 0:
		// Connected, then failed with neither TLS nor a connection to use:
		// the proxy's answer to CONNECT (a 407, say). A direct connection
		// goes on to TLS, or is the request's at once.
		return failProxy
	case phase&(sawGetConn|sawDialFailed) != 0:
		return failDial
	}
	return failRequest
}

// readFailureKind classifies a failure to read a body. The transport
// reports a cancelled or timed-out request's body as such.
func readFailureKind(err error) failureKind {
	if kind, ok := deadlineKind(context.Background(), err); ok {
		return kind
	}
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, net.ErrClosed):
		return failCut
	}
	return failMalformed // a bad chunk, a bad trailer
}

// deadlineKind tells a cancelled or timed-out request: the caller's context
// first, since a transport torn down by it fails in any way at all.
func deadlineKind(ctx context.Context, err error) (failureKind, bool) {
	if ctxErr := ctx.Err(); ctxErr != nil {
		err = ctxErr
	}
	switch {
	case errors.Is(err, context.Canceled):
		return failCanceled, true
	case errors.Is(err, context.DeadlineExceeded):
		// The client's Timeout and its Transport's ResponseHeaderTimeout too.
		return failTimedOut, true
	}
	return 0, false
}

// failureCause names the cause of a failure of kind in this package's
// words, for an operator to act on; "" when it has none of them. It never
// repeats the error's text, which may hold what the peer sent.
func failureCause(kind failureKind, err error) string {
	var (
		dnsErr  *net.DNSError
		unknown x509.UnknownAuthorityError
		name    x509.HostnameError
		invalid x509.CertificateInvalidError
		record  tls.RecordHeaderError
		netErr  net.Error
	)
	switch {
	case kind == failCanceled || kind == failTimedOut || kind == failUnsent:
		return "" // the kind says it all
	case errors.As(err, &dnsErr):
		switch {
		case dnsErr.IsNotFound:
			return "DNS name not found"
		case dnsErr.IsTimeout:
			return "DNS timeout"
		}
		return "DNS failure"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	case errors.Is(err, syscall.ENETUNREACH):
		return "network unreachable"
	case errors.Is(err, syscall.EHOSTUNREACH):
		return "host unreachable"
	case errors.As(err, &unknown):
		return "certificate signed by an unknown authority"
	case errors.As(err, &name):
		return "certificate name mismatch"
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		return "certificate expired"
	case errors.As(err, &invalid):
		return "certificate not valid"
	case errors.As(err, &record):
		return "not a TLS server"
	case isTLSAlert(err):
		return "TLS alert from the server"
	case errors.As(err, &netErr) && netErr.Timeout():
		if kind == failTLS {
			return "handshake timeout"
		}
		return "timeout"
	}
	return ""
}

// isTLSFailure reports the errors of a TLS handshake or of checking the
// server's certificate.
func isTLSFailure(err error) bool {
	var (
		record  tls.RecordHeaderError
		alert   tls.AlertError
		verify  *tls.CertificateVerificationError
		unknown x509.UnknownAuthorityError
		name    x509.HostnameError
		invalid x509.CertificateInvalidError
	)
	return errors.As(err, &record) || errors.As(err, &alert) || errors.As(err, &verify) ||
		errors.As(err, &unknown) || errors.As(err, &name) || errors.As(err, &invalid)
}

// isTLSAlert reports a TLS alert the peer sent (crypto/tls reports it as a
// "remote error") or one of ours.
func isTLSAlert(err error) bool {
	var alert tls.AlertError
	var opErr *net.OpError
	return errors.As(err, &alert) || errors.As(err, &opErr) && opErr.Op == "remote error"
}

// isDialFailure reports the errors of resolving or dialing the host.
func isDialFailure(err error) bool {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return true
	}
	var opErr *net.OpError
	return errors.As(err, &opErr) && opErr.Op == "dial"
}
