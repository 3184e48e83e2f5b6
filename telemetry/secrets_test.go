package telemetry

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flagactor/flagactor/telemetry/flagactor"
)

// secret is in every secret a test below hides: in the host given to Fetch,
// in the token the client's Transport adds, in a redirect's Location.
const secret = "SECRET-7f3a9c"

// bearer is the credential the token-adding Transport sends.
const bearer = "dapi-" + secret

// errorTexts is every text err's chain can show: %v, %+v and %#v of err and
// of every error below it, through Unwrap() error and Unwrap() []error. %#v
// prints the fields of a stored cause that is not a pointer.
func errorTexts(err error) []string {
	var texts []string
	queue := []error{err}
	for len(queue) > 0 {
		e := queue[0]
		queue = queue[1:]
		if e == nil {
			continue
		}
		texts = append(texts, fmt.Sprintf("%v", e), fmt.Sprintf("%+v", e), fmt.Sprintf("%#v", e))
		switch u := e.(type) {
		case interface{ Unwrap() error }:
			queue = append(queue, u.Unwrap())
		case interface{ Unwrap() []error }:
			queue = append(queue, u.Unwrap()...)
		}
	}
	return texts
}

// requireNoSecret fails when any text of err's chain holds the secret, or
// one of also (the secret as a server echoes it in another encoding).
func requireNoSecret(t *testing.T, err error, also ...string) {
	t.Helper()
	for _, text := range errorTexts(err) {
		for _, hidden := range append([]string{secret}, also...) {
			if hidden == "" {
				continue
			}
			// A URL's parser lowers the case of a scheme.
			require.NotContains(t, strings.ToLower(text), strings.ToLower(hidden), "an error in the chain of %q: %s", err, text)
		}
	}
}

// redirectTo answers every request with a 302 to location, verbatim.
func redirectTo(location string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", location)
		w.WriteHeader(http.StatusFound)
	}
}

// hijacked takes the connection over and writes raw, then closes it.
func hijacked(t *testing.T, raw string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("hijack: %v", err)
			return
		}
		_, _ = buf.WriteString(raw)
		_ = buf.Flush()
		_ = conn.Close()
	}
}

// fetchErrorPath is one way Fetch fails, with a secret where it can be.
type fetchErrorPath struct {
	path    string
	carrier string                                                         // where the secret travels
	host    func(srvHost string) string                                    // the host given to Fetch; nil: the server's
	handler func(t *testing.T, cancel context.CancelFunc) http.HandlerFunc // nil: a good answer
	token   string                                                         // the bearer token sent; "" means bearer
	client  func(*testing.T, *httptest.Server) *http.Client                // nil: trusts the server and adds the token
	check   func(*testing.T, error)                                        // that the error is the path's
	says    string                                                         // what the error's text says of the failure; "" for no check
	echoed  string                                                         // the secret as the server echoes it, when not verbatim

	// clientFailed: the request got no HTTP answer because of the client
	// (dial, TLS, proxy), so the error matches flagactor.ErrClientFailed.
	clientFailed bool
}

// fetchErrorPaths is every error path of Fetch: bad host, refused redirect,
// status, body too large, malformed body, truncated body, transport error.
func fetchErrorPaths() []fetchErrorPath {
	isStatus := func(code int) func(*testing.T, error) {
		return func(t *testing.T, err error) {
			var status *StatusError
			require.ErrorAs(t, err, &status)
			require.Equal(t, code, status.code)
		}
	}
	refusedRedirect := func(t *testing.T, err error) { require.ErrorAs(t, err, new(*redirectError)) }
	is := func(target error) func(*testing.T, error) {
		return func(t *testing.T, err error) { require.ErrorIs(t, err, target) }
	}
	anyError := func(t *testing.T, err error) { require.Error(t, err) }

	return []fetchErrorPath{
		// Bad host: no request is made.
		{path: "bad host: user and password", carrier: "input host `token:<secret>@host`",
			host: func(h string) string { return "token:" + bearer + "@" + h }, check: is(flagactor.ErrInvalidHost)},
		{path: "bad host: user only", carrier: "input host `<secret>@host`",
			host: func(h string) string { return bearer + "@" + h }, check: is(flagactor.ErrInvalidHost)},
		{path: "bad host: path", carrier: "input host `host/<secret>`",
			host: func(h string) string { return h + "/" + secret }, check: is(flagactor.ErrInvalidHost)},
		{path: "bad host: query", carrier: "input host `host?token=<secret>`",
			host: func(h string) string { return h + "?token=" + secret }, check: is(flagactor.ErrInvalidHost)},
		{path: "bad host: fragment", carrier: "input host `host#<secret>`",
			host: func(h string) string { return h + "#" + secret }, check: is(flagactor.ErrInvalidHost)},
		{path: "bad host: space", carrier: "input host `host <secret>`",
			host: func(h string) string { return h + " " + secret }, check: is(flagactor.ErrInvalidHost)},
		{path: "bad host: control character", carrier: "input host `<secret>\\x00host`",
			host: func(h string) string { return secret + "\x00" + h }, check: is(flagactor.ErrInvalidHost)},
		{path: "bad host: bad port", carrier: "input host `127.0.0.1:<secret>`",
			host: func(string) string { return "127.0.0.1:" + secret }, check: is(flagactor.ErrInvalidHost)},
		{path: "bad host: unclosed bracket", carrier: "input host `[<secret>`",
			host: func(string) string { return "[" + secret }, check: is(flagactor.ErrInvalidHost)},

		// Refused redirects: the secret is in the Location and in the token.
		{path: "refused redirect: leaves https", carrier: "Location user info, path, query and fragment; bearer token",
			handler: func(_ *testing.T, _ context.CancelFunc) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) {
					redirectTo("http://u:"+secret+"@"+r.Host+"/"+secret+"?sig="+secret+"#"+secret)(w, r)
				}
			}, check: refusedRedirect},
		{path: "refused redirect: another host", carrier: "Location user info, path and query; bearer token",
			handler: func(*testing.T, context.CancelFunc) http.HandlerFunc {
				return redirectTo("https://u:" + secret + "@flags.example/" + secret + "?sig=" + secret)
			}, check: refusedRedirect},
		{path: "refused redirect: another port", carrier: "Location user name, path and query; bearer token",
			handler: func(*testing.T, context.CancelFunc) http.HandlerFunc {
				return redirectTo("https://" + secret + "@127.0.0.1:1/" + secret + "?sig=" + secret)
			}, check: refusedRedirect},
		{path: "refused redirect: token as a host label", carrier: "Location host; bearer token",
			handler: func(*testing.T, context.CancelFunc) http.HandlerFunc {
				return redirectTo("https://" + secret + ".flags.example/x")
			}, check: refusedRedirect},
		{path: "refused redirect: token as the scheme", carrier: "Location scheme; bearer token",
			handler: func(*testing.T, context.CancelFunc) http.HandlerFunc {
				return redirectTo(secret + "://x/")
			}, check: refusedRedirect},
		{path: "refused redirect: too many", carrier: "Location path and query; bearer token",
			handler: func(*testing.T, context.CancelFunc) http.HandlerFunc {
				return redirectTo("/" + secret + "?sig=" + secret)
			}, check: refusedRedirect},
		{path: "redirect: Location not a URL", carrier: "Location user info and query; bearer token",
			handler: func(_ *testing.T, _ context.CancelFunc) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) {
					redirectTo("https://u:"+secret+"@"+r.Host+"/%zz?sig="+secret)(w, r)
				}
			}, check: anyError},
		{path: "transport error after a followed redirect", carrier: "Location path and query; bearer token",
			handler: func(t *testing.T, _ context.CancelFunc) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) {
					if r.URL.RawQuery == "" {
						redirectTo(flagsPath+secret+"?sig="+secret)(w, r)
						return
					}
					hijacked(t, "")(w, r)
				}
			}, check: anyError},

		// Status: the server echoes the token wherever it can.
		{path: "status 500", carrier: "bearer token, echoed in the body",
			handler: func(*testing.T, context.CancelFunc) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) {
					http.Error(w, "bad token: "+r.Header.Get("Authorization"), http.StatusInternalServerError)
				}
			}, check: isStatus(http.StatusInternalServerError)},
		{path: "status 429", carrier: "bearer token, echoed in Retry-After and the body",
			handler: func(*testing.T, context.CancelFunc) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Retry-After", r.Header.Get("Authorization"))
					http.Error(w, r.Header.Get("Authorization"), http.StatusTooManyRequests)
				}
			}, check: isStatus(http.StatusTooManyRequests)},
		{path: "status 401", carrier: "bearer token, echoed in WWW-Authenticate and the body",
			handler: func(*testing.T, context.CancelFunc) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("WWW-Authenticate", r.Header.Get("Authorization"))
					http.Error(w, r.Header.Get("Authorization"), http.StatusUnauthorized)
				}
			}, check: is(flagactor.ErrCredentialRejected)},
		{path: "status with the token as reason phrase", carrier: "bearer token, echoed in the status line",
			handler: func(t *testing.T, _ context.CancelFunc) http.HandlerFunc {
				return hijacked(t, "HTTP/1.1 503 "+bearer+"\r\nContent-Length: 0\r\n\r\n")
			}, check: isStatus(http.StatusServiceUnavailable)},
		{path: "status with an unknown code", carrier: "bearer token, echoed in the status line",
			handler: func(t *testing.T, _ context.CancelFunc) http.HandlerFunc {
				return hijacked(t, "HTTP/1.1 599 "+bearer+"\r\nContent-Length: 0\r\n\r\n")
			}, check: isStatus(599)},

		// Bodies of a 200.
		{path: "body too large", carrier: "bearer token, echoed in the body",
			handler: func(*testing.T, context.CancelFunc) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) {
					_, _ = io.WriteString(w, `{"flags":[{"name":"`+r.Header.Get("Authorization")+`","value":"`)
					_, _ = io.WriteString(w, strings.Repeat("x", maxResponseBytes))
				}
			}, check: is(errResponseTooLarge)},
		{path: "malformed body: not JSON", carrier: "bearer token, as the body",
			handler: func(*testing.T, context.CancelFunc) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) {
					_, _ = io.WriteString(w, r.Header.Get("Authorization"))
				}
			}, check: is(ErrMalformedResponse)},
		{path: "malformed body: flags of the wrong type", carrier: "bearer token, as the flags",
			handler: func(*testing.T, context.CancelFunc) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) {
					_, _ = fmt.Fprintf(w, `{"flags":%q}`, r.Header.Get("Authorization"))
				}
			}, check: is(ErrMalformedResponse)},
		{path: "malformed body: flags an object", carrier: "bearer token, as a key of flags",
			handler: func(*testing.T, context.CancelFunc) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) {
					_, _ = fmt.Fprintf(w, `{"flags":{%q:1}}`, r.Header.Get("Authorization"))
				}
			}, check: is(ErrMalformedResponse)},
		{path: "malformed body: data after the object", carrier: "bearer token, after the JSON",
			handler: func(*testing.T, context.CancelFunc) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) {
					_, _ = io.WriteString(w, `{"flags":[]} `+r.Header.Get("Authorization"))
				}
			}, check: is(ErrMalformedResponse)},
		{path: "malformed body: syntax error inside", carrier: "bearer token, as a bare word in the JSON",
			handler: func(*testing.T, context.CancelFunc) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) {
					_, _ = io.WriteString(w, `{"flags":[{"name":`+r.Header.Get("Authorization")+`}]}`)
				}
			}, check: is(ErrMalformedResponse)},
		{path: "truncated body", carrier: "bearer token, in the body cut short",
			handler: func(t *testing.T, _ context.CancelFunc) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) {
					hijacked(t, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"+
						`{"flags":[{"name":"`+r.Header.Get("Authorization"))(w, r)
				}
			}, check: func(t *testing.T, err error) {
				require.ErrorIs(t, err, ErrMalformedResponse)
				require.ErrorIs(t, err, io.ErrUnexpectedEOF, "the cause of a cut body is lost")
			}},

		// Transport errors: the server's bytes are not HTTP.
		{path: "transport: connection closed before the answer", carrier: "bearer token",
			handler: func(t *testing.T, _ context.CancelFunc) http.HandlerFunc { return hijacked(t, "") },
			check:   anyError, says: "closed"},
		{path: "transport: garbage for a status line", carrier: "bearer token, echoed as the status line",
			handler: echoRaw("", "\r\n\r\n"), check: anyError, says: "malformed answer"},
		{path: "transport: status code not a number", carrier: "bearer token, echoed as the status code",
			handler: echoRaw("HTTP/1.1 ", "\r\n\r\n"), check: anyError, says: "malformed answer"},
		{path: "transport: bad protocol version", carrier: "bearer token, echoed as the version",
			handler: func(t *testing.T, _ context.CancelFunc) http.HandlerFunc {
				return hijacked(t, bearer+" 200 OK\r\n\r\n")
			}, check: anyError, says: "malformed answer"},
		{path: "transport: header line without a colon", carrier: "bearer token, echoed as a header line (unquoted by net/textproto on go1.25.0-go1.25.10, go1.26.0)",
			handler: echoRaw("HTTP/1.1 200 OK\r\nContent-Length: 12\r\n", "\r\n\r\n{\"flags\":[]}"), check: anyError, says: "malformed answer"},
		{path: "transport: header continuation as the first line", carrier: "bearer token, echoed as the first header line (initial line error, unquoted on go1.25.0)",
			handler: echoRaw("HTTP/1.1 200 OK\r\n ", "\r\nContent-Length: 0\r\n\r\n"), check: anyError, says: "malformed answer"},
		{path: "transport: header name with a space", carrier: "bearer token, echoed as a header name (unquoted on go1.25.0)",
			handler: echoRaw("HTTP/1.1 200 OK\r\n", ": x\r\nContent-Length: 0\r\n\r\n"), check: anyError, says: "malformed"},
		{path: "transport: header value with a control byte", carrier: "bearer token, echoed in a header value (unquoted on go1.25.0)",
			handler: echoRaw("HTTP/1.1 200 OK\r\nX-Echo: ", "\x01\r\nContent-Length: 0\r\n\r\n"), check: anyError, says: "malformed"},
		{path: "transport: bad trailer of a chunked body", carrier: "bearer token, echoed as a trailer line",
			handler: func(t *testing.T, _ context.CancelFunc) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) {
					hijacked(t, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"+
						"c\r\n{\"flags\":[]}\r\n0\r\n"+r.Header.Get("Authorization")+"\r\n\r\n")(w, r)
				}
			}, check: is(ErrMalformedResponse)},
		{path: "transport: header value the client refuses", carrier: "bearer token with a line break",
			token: bearer + "\r\nX-Leak: " + secret, check: anyError, clientFailed: true, says: "could not send"},

		// The client's own connection fails: no HTTP answer at all.
		{path: "client: connection refused", carrier: "bearer token (never sent)",
			host: func(string) string { return closedAddr() }, check: anyError, clientFailed: true, says: "connect"},
		{path: "client: certificate not trusted", carrier: "bearer token",
			client: func(*testing.T, *httptest.Server) *http.Client {
				return &http.Client{Transport: tokenTransport{base: &http.Transport{}, token: bearer}}
			}, check: anyError, clientFailed: true, says: "TLS"},
		{path: "client: certificate for another name", carrier: "bearer token (never sent)",
			client: func(t *testing.T, srv *httptest.Server) *http.Client {
				base := srv.Client().Transport.(*http.Transport).Clone()
				base.TLSClientConfig.ServerName = "flags.example"
				t.Cleanup(base.CloseIdleConnections)
				return &http.Client{Transport: tokenTransport{base: base, token: bearer}}
			}, check: anyError, clientFailed: true, says: "TLS"},
		{path: "client: server does not speak TLS", carrier: "bearer token (never sent)",
			client: func(t *testing.T, _ *httptest.Server) *http.Client {
				plain := httptest.NewServer(http.NotFoundHandler())
				t.Cleanup(plain.Close)
				base := &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
					return (&net.Dialer{}).DialContext(ctx, network, plain.Listener.Addr().String())
				}}
				t.Cleanup(base.CloseIdleConnections)
				return &http.Client{Transport: tokenTransport{base: base, token: bearer}}
			}, check: anyError, clientFailed: true, says: "TLS"},
		{path: "client: proxy answers CONNECT with 407 echoing Proxy-Authorization", carrier: "proxy password, base64 in the echoed reason phrase; bearer token",
			client: func(t *testing.T, srv *httptest.Server) *http.Client {
				return proxiedClient(t, srv, startEchoProxy(t).Listener.Addr().String())
			}, echoed: proxyAuthEcho, check: anyError, clientFailed: true, says: "proxy"},
		{path: "client: proxy refuses the connection", carrier: "proxy password; bearer token",
			client: func(t *testing.T, srv *httptest.Server) *http.Client {
				return proxiedClient(t, srv, closedAddr())
			}, echoed: proxyAuthEcho, check: anyError, clientFailed: true, says: "proxy"},
		{path: "transport: cancelled while waiting", carrier: "bearer token; Location query",
			handler: func(_ *testing.T, cancel context.CancelFunc) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) {
					if r.URL.RawQuery == "" {
						redirectTo(flagsPath+"x?sig="+secret)(w, r)
						return
					}
					cancel() // the caller gives up while the server thinks
					<-r.Context().Done()
					// No answer at all: one sent now could still reach the
					// client while it closes the connection.
					panic(http.ErrAbortHandler)
				}
			}, check: is(context.Canceled), says: "canceled"},
	}
}

// echoRaw answers with before, the request's Authorization header and after,
// verbatim, on the hijacked connection.
func echoRaw(before, after string) func(*testing.T, context.CancelFunc) http.HandlerFunc {
	return func(t *testing.T, _ context.CancelFunc) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			hijacked(t, before+r.Header.Get("Authorization")+after)(w, r)
		}
	}
}

// closedAddr is a loopback address nothing listens on.
func closedAddr() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}

// proxyUser and proxyAuthEcho are the proxy URL's credentials and the
// Proxy-Authorization header net/http makes of them.
var (
	proxyUser     = url.UserPassword("u", bearer)
	proxyAuthEcho = base64.StdEncoding.EncodeToString([]byte("u:" + bearer))
)

// startEchoProxy starts an HTTP proxy on loopback that answers every CONNECT
// with 407 and the request's Proxy-Authorization as the reason phrase, as a
// proxy that echoes what it refused does.
func startEchoProxy(t *testing.T) *httptest.Server {
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodConnect {
			t.Errorf("proxy got %s, want CONNECT", r.Method)
		}
		if r.Header.Get("Proxy-Authorization") != "Basic "+proxyAuthEcho {
			t.Errorf("proxy got Proxy-Authorization %q", r.Header.Get("Proxy-Authorization"))
		}
		hijacked(t, "HTTP/1.1 407 "+r.Header.Get("Proxy-Authorization")+"\r\nContent-Length: 0\r\n\r\n")(w, r)
	}))
	t.Cleanup(proxy.Close)
	return proxy
}

// proxiedClient is a client that trusts srv, adds the token and goes through
// the HTTP proxy at proxyAddr with proxyUser's credentials.
func proxiedClient(t *testing.T, srv *httptest.Server, proxyAddr string) *http.Client {
	base := srv.Client().Transport.(*http.Transport).Clone()
	base.Proxy = http.ProxyURL(&url.URL{Scheme: "http", User: proxyUser, Host: proxyAddr})
	t.Cleanup(base.CloseIdleConnections)
	return &http.Client{Transport: tokenTransport{base: base, token: bearer}}
}

// run makes the fetch of p and returns its error, checked to be p's.
func (p fetchErrorPath) run(t *testing.T) error {
	t.Helper()
	var requests, tokens atomic.Int64
	token := p.token
	if token == "" {
		token = bearer
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var handler http.HandlerFunc
	if p.handler != nil {
		handler = p.handler(t, cancel)
	}
	srv := startTLS(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		if strings.Contains(r.Header.Get("Authorization"), secret) {
			tokens.Add(1)
		}
		if handler == nil {
			_, _ = io.WriteString(w, `{"flags":[]}`)
			return
		}
		handler(w, r)
	}))
	f := newFetcher(srv)
	f.Client = &http.Client{Transport: tokenTransport{base: srv.Client().Transport, token: token}}
	if p.client != nil {
		f.Client = p.client(t, srv)
	}
	host := hostOf(srv)
	if p.host != nil {
		host = p.host(host)
	}

	_, err := f.Fetch(ctx, host)

	t.Logf("%s (secret in: %s): %v", p.path, p.carrier, err)
	p.check(t, err)
	require.Equal(t, p.clientFailed, errors.Is(err, flagactor.ErrClientFailed),
		"errors.Is(%q, flagactor.ErrClientFailed)", err)
	if p.says != "" {
		require.Contains(t, err.Error(), p.says)
	}
	if p.handler != nil {
		require.Equal(t, requests.Load(), tokens.Load(), "a request went without the token")
		require.NotZero(t, requests.Load(), "no request was made")
	}
	if p.host != nil {
		require.Zero(t, requests.Load(), "a bad host was asked")
	}
	return err
}

// TestFetchErrorsHoldNoSecret runs every error path of Fetch with a secret in
// its input host, in the client's request headers (a bearer token a
// Transport adds, which handlers echo back wherever they can) and in a
// redirect's Location, and checks that no error in the chain holds it.
func TestFetchErrorsHoldNoSecret(t *testing.T) {
	var logged bytes.Buffer
	savedOutput, savedFlags := log.Writer(), log.Flags()
	log.SetOutput(&logged)
	t.Cleanup(func() { log.SetOutput(savedOutput); log.SetFlags(savedFlags) })

	for _, p := range fetchErrorPaths() {
		t.Run(p.path, func(t *testing.T) {
			requireNoSecret(t, p.run(t), p.echoed)
		})
	}
	require.NotContains(t, logged.String(), secret)
}

// TestFetchErrorsHaveOnePrefix checks that every error of Fetch reads as one
// sentence of this package: its prefix once, at the start.
func TestFetchErrorsHaveOnePrefix(t *testing.T) {
	for _, p := range fetchErrorPaths() {
		t.Run(p.path, func(t *testing.T) {
			text := p.run(t).Error()
			require.True(t, strings.HasPrefix(text, "telemetry: "), "error %q lacks the package prefix", text)
			require.Equal(t, 1, strings.Count(text, "telemetry:"), "error %q repeats the package prefix", text)
			require.NotContains(t, text, "flagactor:", "error %q has a second package prefix", text)
		})
	}
}
