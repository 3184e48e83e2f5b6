package telemetry

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/flagactor/flagactor/telemetry/flagactor"
)

// TestFetchFailureNamesItsCause makes the client's connection to a real TLS
// server on loopback fail in each way an operator can act on: the error's
// text names the cause in this package's words, and errors.Is still finds
// the cause where it is a sentinel.
func TestFetchFailureNamesItsCause(t *testing.T) {
	srv := startTLS(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Error("the flag request reached the server")
	}))
	trusting := func(t *testing.T, change func(*http.Transport)) *http.Client {
		base := srv.Client().Transport.(*http.Transport).Clone()
		change(base)
		t.Cleanup(base.CloseIdleConnections)
		return &http.Client{Transport: base}
	}
	silent, err := net.Listen("tcp", "127.0.0.1:0") // accepts, then says nothing
	require.NoError(t, err)
	t.Cleanup(func() { _ = silent.Close() })
	ssh := startGreeter(t, "SSH-2.0-OpenSSH_9.6\r\n")
	for _, tt := range []struct {
		name   string
		host   string // "" for the TLS server's
		client func(*testing.T) *http.Client
		says   string
		is     error
	}{
		{name: "nothing listens", host: closedAddr(),
			client: func(t *testing.T) *http.Client { return trusting(t, func(*http.Transport) {}) },
			says:   "could not connect to the host: connection refused", is: syscall.ECONNREFUSED},
		{name: "unknown authority",
			client: func(t *testing.T) *http.Client { return &http.Client{Transport: &http.Transport{}} },
			says:   "the TLS handshake failed: certificate signed by an unknown authority"},
		{name: "certificate for another name",
			client: func(t *testing.T) *http.Client {
				return trusting(t, func(tr *http.Transport) { tr.TLSClientConfig.ServerName = "flags.example" })
			},
			says: "the TLS handshake failed: certificate name mismatch"},
		{name: "certificate expired",
			client: func(t *testing.T) *http.Client {
				return trusting(t, func(tr *http.Transport) {
					tr.TLSClientConfig.Time = func() time.Time { return time.Now().AddDate(200, 0, 0) }
				})
			},
			says: "the TLS handshake failed: certificate expired"},
		{name: "not a TLS server", host: ssh,
			client: func(t *testing.T) *http.Client { return trusting(t, func(*http.Transport) {}) },
			says:   "the TLS handshake failed: not a TLS server"},
		{name: "handshake timeout", host: silent.Addr().String(),
			client: func(t *testing.T) *http.Client {
				return trusting(t, func(tr *http.Transport) { tr.TLSHandshakeTimeout = 50 * time.Millisecond })
			},
			says: "the TLS handshake failed: handshake timeout"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			host := tt.host
			if host == "" {
				host = hostOf(srv)
			}
			f := &HTTPFetcher{Client: tt.client(t), DriverVersion: testVersion}
			// Only bounds a failing run.
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()

			_, err := f.Fetch(ctx, host)

			require.ErrorIs(t, err, flagactor.ErrClientFailed)
			require.Equal(t, "telemetry: feature flags: GET https://"+host+flagsPath+testVersion+": "+tt.says, err.Error())
			if tt.is != nil {
				require.ErrorIs(t, err, tt.is)
			}
		})
	}
}

// startGreeter starts a TCP server on loopback that writes greeting to each
// connection and closes it, as a server of another protocol does. It
// returns its address.
func startGreeter(t *testing.T, greeting string) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			_, _ = conn.Write([]byte(greeting))
			_ = conn.Close()
		}
	}()
	t.Cleanup(func() {
		_ = l.Close()
		<-done
	})
	return l.Addr().String()
}

// TestFailureCauseWords names the causes no loopback server can stage: a
// DNS name not found or timed out, an unreachable network, a reset.
func TestFailureCauseWords(t *testing.T) {
	dial := func(err error) error {
		return &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", err)}
	}
	for _, tt := range []struct {
		err  error
		want string
	}{
		{&net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host " + secret, Name: secret, IsNotFound: true}}, "DNS name not found"},
		{&net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "i/o timeout", Name: secret, IsTimeout: true}}, "DNS timeout"},
		{&net.DNSError{Err: "server misbehaving", Name: secret}, "DNS failure"},
		{dial(syscall.ENETUNREACH), "network unreachable"},
		{dial(syscall.EHOSTUNREACH), "host unreachable"},
		{dial(syscall.ECONNREFUSED), "connection refused"},
		{dial(syscall.ECONNRESET), "connection reset"},
		{errors.New(secret), ""},
	} {
		kind, detail := failureOf(context.Background(), tt.err, sawGetConn) // looking for a connection
		require.Equal(t, failDial, kind, "%v", tt.err)
		require.Equal(t, tt.want, detail, "%v", tt.err)
	}
}

// TestFailureKindWhereTheStepsDoNotTell classifies failures the transport's
// hooks saw little of (a RoundTripper that drops the request's context, a
// dialer of the client's own that does TLS): the cause tells a dial or a
// TLS failure; an alert is the client's TLS failure even after the
// connection was the request's, and any other cause then is the server's.
func TestFailureKindWhereTheStepsDoNotTell(t *testing.T) {
	dial := func(err error) error {
		return &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", err)}
	}
	untrusted := &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}
	alert := &net.OpError{Op: "remote error", Err: errors.New("tls: certificate required")}
	for _, tt := range []struct {
		name   string
		err    error
		phase  uint32
		kind   failureKind
		detail string
	}{
		{"untrusted, no steps", untrusted, 0, failTLS, "certificate signed by an unknown authority"},
		{"untrusted, connected", untrusted, sawGetConn | sawConnected, failTLS, "certificate signed by an unknown authority"},
		{"refused, no steps", dial(syscall.ECONNREFUSED), 0, failDial, "connection refused"},
		{"reset, no steps", dial(syscall.ECONNRESET), 0, failRequest, "connection reset"},
		{"unknown, no steps", errors.New(secret), 0, failRequest, ""},
		{"unknown, connected", errors.New(secret), sawGetConn | sawConnected, failProxy, ""},
		{"alert, with the connection", alert, sawGetConn | sawConnected | sawGotConn, failTLS, "TLS alert from the server"},
		{"unreachable, with the connection", dial(syscall.EHOSTUNREACH), sawGetConn | sawConnected | sawGotConn, failClosed, "host unreachable"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			kind, detail := failureOf(context.Background(), tt.err, tt.phase)

			require.Equal(t, tt.kind, kind)
			require.Equal(t, tt.detail, detail)
		})
	}
}

// TestMalformedAnswerMatchesErrMalformedResponse checks that an answer the
// client could not read as HTTP (a bad status line or header, a bad chunk
// or trailer of the body) matches ErrMalformedResponse, as its text says,
// and that one cut short does not.
func TestMalformedAnswerMatchesErrMalformedResponse(t *testing.T) {
	var answered requestTrace
	answered.phase.Store(sawGetConn | sawConnected | sawGotConn | sawFirstByte)
	bad := errors.New(secret) // net/http's text repeats what the server sent
	for name, err := range map[string]error{
		"bad header":   requestError(context.Background(), "https://flags.example/", bad, &answered),
		"bad trailer":  readError(bad),
		"cut, request": requestError(context.Background(), "https://flags.example/", io.ErrUnexpectedEOF, &answered),
		"cut, body":    readError(io.ErrUnexpectedEOF),
	} {
		cut := strings.HasPrefix(name, "cut")
		require.Equal(t, !cut, errors.Is(err, ErrMalformedResponse), "%s: %v", name, err)
		require.Equal(t, cut, errors.Is(err, io.ErrUnexpectedEOF), "%s: %v", name, err)
		require.NotContains(t, err.Error(), secret)
	}
}
