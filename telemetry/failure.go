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
)

// failures gives each kind its text; whether it is the client's own: the
// request got no HTTP answer because of the connection's client, not the
// server (until the flag request is sent on a connection of its own, no
// server has it); and the sentinel it stands for, if any.
var failures = [...]struct {
	text     string
	client   bool
	sentinel error
}{
	failCanceled:  {"canceled", false, context.Canceled},
	failTimedOut:  {"timed out", false, context.DeadlineExceeded},
	failUnsent:    {"timed out before the request was sent", true, context.DeadlineExceeded},
	failRequest:   {"the client could not send the request", true, nil},
	failDial:      {"could not connect to the host", true, nil},
	failTLS:       {"the TLS handshake failed", true, nil},
	failProxy:     {"the proxy did not connect to the host", true, nil},
	failClosed:    {"the connection closed before an answer", false, nil},
	failCut:       {"the answer was cut short", false, io.ErrUnexpectedEOF},
	failMalformed: {"malformed answer", false, ErrMalformedResponse},
}

// fetchFailure is a request that failed without an answer Fetch could use:
// what it was doing, the kind of failure and its cause, in words of this
// package. It unwraps to nothing, so no chain, format verb or field of it
// shows what the server sent or the client added; errors.Is sees the
// cause, a cancelled context or a passed deadline,
// flagactor.ErrClientFailed when the client's own connection failed,
// io.ErrUnexpectedEOF when the answer was cut short, and
// ErrMalformedResponse when its framing was broken (status line, header,
// chunk or trailer).
type fetchFailure struct {
	doing  string // "GET <the fetcher's own URL>" or "reading the response"
	kind   failureKind
	detail string // the cause in this package's words (failureOf); "" for none
	// cause is net/http's error, for errors.Is only: its text repeats what
	// the server sent. Behind a pointer, so that no format verb prints it.
	cause *error
}

// Error names what the request was doing, the kind of failure and its
// cause, in this package's words only.
func (e *fetchFailure) Error() string {
	text := "telemetry: feature flags: " + e.doing + ": " + failures[e.kind].text
	if e.detail != "" {
		text += ": " + e.detail
	}
	return text
}

// Is reports whether target is what the failure's kind stands for (for a
// context's error, io.ErrUnexpectedEOF, ErrMalformedResponse and
// flagactor.ErrClientFailed, the kind alone decides), or, for any other
// target, whether the cause matches it.
func (e *fetchFailure) Is(target error) bool {
	switch target {
	case context.Canceled, context.DeadlineExceeded, io.ErrUnexpectedEOF, ErrMalformedResponse:
		return target == failures[e.kind].sentinel
	case flagactor.ErrClientFailed:
		return failures[e.kind].client
	}
	return errors.Is(*e.cause, target)
}

// requestError reports a request to target (the fetcher's own URL) that got
// no answer. It never names the URL the request was sent to at the end,
// which after a redirect is the server's Location. A refused redirect is
// its own error.
func requestError(ctx context.Context, target string, err error, seen *requestTrace) error {
	if refused, ok := errAs[*redirectError](err); ok {
		return refused
	}
	return newFetchFailure(ctx, "GET "+target, err, seen.load())
}

// readError reports a failure to read the body of an answer. The transport
// reports a cancelled or timed-out request's body as such.
func readError(err error) error {
	return newFetchFailure(context.Background(), "reading the response", err, sawGotConn|sawFirstByte)
}

// newFetchFailure describes err, a failure of doing (reading a body, or
// not) after the transport's steps in phase.
func newFetchFailure(ctx context.Context, doing string, err error, phase uint32) error {
	kind, detail := failureOf(ctx, err, phase)
	return &fetchFailure{doing: doing, kind: kind, detail: detail, cause: &err}
}

// failureOf classifies a failed request: its kind, by what the transport
// had done for the flag request's last attempt before it failed (phase,
// which leaves out the requests the client made of its own) and, where
// that does not tell, by its cause; and the cause in this package's words,
// for an operator to act on ("" when it has none of them, or when the
// kind says it all). It never repeats the error's text, which may hold
// what the peer sent. Until the flag request has a connection of its own,
// a failure is the client's, a passed deadline too.
func failureOf(ctx context.Context, err error, phase uint32) (failureKind, string) {
	// The caller's context first, since a transport torn down by it fails
	// in any way at all.
	ended := err
	if ctxErr := ctx.Err(); ctxErr != nil {
		ended = ctxErr
	}
	switch {
	case errors.Is(ended, context.Canceled):
		return failCanceled, ""
	case errors.Is(ended, context.DeadlineExceeded) && phase&sawGotConn == 0:
		// Dialing, TLS, a proxy that does not answer CONNECT, or the
		// client's RoundTripper: the server does not have the request.
		return failUnsent, ""
	case errors.Is(ended, context.DeadlineExceeded):
		// The client's Timeout and its Transport's ResponseHeaderTimeout too.
		return failTimedOut, ""
	}
	c := causeOf(err)
	kind := failRequest // the client's RoundTripper failed, or would not send it
	switch answered := phase&sawFirstByte != 0; {
	case answered && (errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, net.ErrClosed)):
		kind = failCut
	case answered:
		kind = failMalformed // a bad header, chunk or trailer: the server's
	case netOp(err) == "proxyconnect":
		kind = failProxy // dialing the proxy, or TLS with it
	case phase&sawTLSFailed != 0 || c.kind == failTLS:
		// The handshake failed, or the cause is TLS's where the hooks did
		// not run (a dialer of the client's own that does TLS); or the
		// server's TLS refusal, even after the handshake: in TLS 1.3 a
		// server refuses the client's certificate once the client is done.
		kind = failTLS
	case phase&sawGotConn != 0:
		// The server had the request and closed the connection unanswered.
		kind = failClosed
	case c.kind != failRequest:
		// A dial error, where the transport's hooks did not run (a
		// RoundTripper that drops the request's context).
		kind = c.kind
	case phase&sawConnected != 0:
		// Connected, then failed with neither TLS nor a connection to use:
		// the proxy's answer to CONNECT (a 407, say). A direct connection
		// goes on to TLS, or is the request's at once.
		kind = failProxy
	case phase&sawGetConn != 0:
		// Looking for a connection, it got none: resolving or dialing failed.
		kind = failDial
	}
	if netErr, ok := errAs[net.Error](err); ok && netErr.Timeout() && c.text == "" {
		if kind == failTLS {
			return kind, "handshake timeout"
		}
		return kind, "timeout"
	}
	return kind, c.text
}

// A cause is what made a request fail, in this package's words ("" for
// none), and the kind of failure it makes where the transport's steps do
// not tell: failDial or failTLS, or failRequest where the cause does not
// tell either.
type cause struct {
	kind  failureKind
	text  string
	match func(error) bool
}

// causes are tried in order: the first that matches an error is its cause.
var causes = [...]cause{
	{failDial, "DNS name not found", func(err error) bool {
		dnsErr, ok := errAs[*net.DNSError](err)
		return ok && dnsErr.IsNotFound
	}},
	{failDial, "DNS timeout", func(err error) bool {
		dnsErr, ok := errAs[*net.DNSError](err)
		return ok && dnsErr.IsTimeout
	}},
	{failDial, "DNS failure", errHas[*net.DNSError]},
	{failDial, "connection refused", errIs(syscall.ECONNREFUSED)},
	{failRequest, "connection reset", errIs(syscall.ECONNRESET)},
	{failDial, "network unreachable", errIs(syscall.ENETUNREACH)},
	{failDial, "host unreachable", errIs(syscall.EHOSTUNREACH)},
	{failTLS, "certificate signed by an unknown authority", errHas[x509.UnknownAuthorityError]},
	{failTLS, "certificate name mismatch", errHas[x509.HostnameError]},
	{failTLS, "certificate expired", func(err error) bool {
		invalid, ok := errAs[x509.CertificateInvalidError](err)
		return ok && invalid.Reason == x509.Expired
	}},
	{failTLS, "certificate not valid", errHas[x509.CertificateInvalidError]},
	{failTLS, "", errHas[*tls.CertificateVerificationError]},
	{failTLS, "not a TLS server", errHas[tls.RecordHeaderError]},
	{failTLS, "TLS alert from the server", func(err error) bool {
		// One the peer sent (crypto/tls reports it as a "remote error") or one of ours.
		return errHas[tls.AlertError](err) || netOp(err) == "remote error"
	}},
	{failDial, "", func(err error) bool {
		return netOp(err) == "dial" // resolving or dialing, for no cause above
	}},
}

// causeOf returns err's cause; of kind failRequest, with no text, when
// none matches.
func causeOf(err error) cause {
	for _, c := range causes {
		if c.match(err) {
			return c
		}
	}
	return cause{kind: failRequest}
}

// netOp is the Op of the first *net.OpError in err's chain ("dial",
// "proxyconnect", "remote error", ...); "" when it has none.
func netOp(err error) string {
	if opErr, ok := errAs[*net.OpError](err); ok {
		return opErr.Op
	}
	return ""
}

// errAs is errors.As returning the T it found.
func errAs[T error](err error) (T, bool) {
	var target T
	ok := errors.As(err, &target)
	return target, ok
}

// errHas reports whether err's chain holds a T.
func errHas[T error](err error) bool {
	_, ok := errAs[T](err)
	return ok
}

// errIs returns errors.Is with target.
func errIs(target error) func(error) bool {
	return func(err error) bool { return errors.Is(err, target) }
}
