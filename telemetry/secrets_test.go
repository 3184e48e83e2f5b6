package telemetry

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
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

// errorTexts is every text err's chain can show: %v and %+v of err and of
// every error below it, through Unwrap() error and Unwrap() []error.
func errorTexts(err error) []string {
	var texts []string
	queue := []error{err}
	for len(queue) > 0 {
		e := queue[0]
		queue = queue[1:]
		if e == nil {
			continue
		}
		texts = append(texts, fmt.Sprintf("%v", e), fmt.Sprintf("%+v", e))
		switch u := e.(type) {
		case interface{ Unwrap() error }:
			queue = append(queue, u.Unwrap())
		case interface{ Unwrap() []error }:
			queue = append(queue, u.Unwrap()...)
		}
	}
	return texts
}

// requireNoSecret fails when any text of err's chain holds the secret.
func requireNoSecret(t *testing.T, err error) {
	t.Helper()
	for _, text := range errorTexts(err) {
		require.NotContains(t, text, secret, "an error in the chain of %q", err)
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
	client  func(*httptest.Server) *http.Client                            // nil: trusts the server and adds the token
	check   func(*testing.T, error)                                        // that the error is the path's
}

// fetchErrorPaths is every error path of Fetch: bad host, refused redirect,
// status, body too large, malformed body, truncated body, transport error.
func fetchErrorPaths() []fetchErrorPath {
	isStatus := func(code int) func(*testing.T, error) {
		return func(t *testing.T, err error) {
			var status *StatusError
			require.ErrorAs(t, err, &status)
			require.Equal(t, code, status.StatusCode)
		}
	}
	is := func(target error) func(*testing.T, error) {
		return func(t *testing.T, err error) { require.ErrorIs(t, err, target) }
	}
	anyError := func(t *testing.T, err error) { require.Error(t, err) }

	return []fetchErrorPath{
		// Bad host: no request is made.
		{path: "bad host: user and password", carrier: "input host `token:<secret>@host`",
			host: func(h string) string { return "token:" + bearer + "@" + h }, check: is(ErrBadRequestHost)},
		{path: "bad host: user only", carrier: "input host `<secret>@host`",
			host: func(h string) string { return bearer + "@" + h }, check: is(ErrBadRequestHost)},
		{path: "bad host: path", carrier: "input host `host/<secret>`",
			host: func(h string) string { return h + "/" + secret }, check: is(ErrBadRequestHost)},
		{path: "bad host: query", carrier: "input host `host?token=<secret>`",
			host: func(h string) string { return h + "?token=" + secret }, check: is(ErrBadRequestHost)},
		{path: "bad host: fragment", carrier: "input host `host#<secret>`",
			host: func(h string) string { return h + "#" + secret }, check: is(ErrBadRequestHost)},
		{path: "bad host: space", carrier: "input host `host <secret>`",
			host: func(h string) string { return h + " " + secret }, check: is(ErrBadRequestHost)},
		{path: "bad host: control character", carrier: "input host `<secret>\\x00host`",
			host: func(h string) string { return secret + "\x00" + h }, check: is(ErrBadRequestHost)},
		{path: "bad host: bad port", carrier: "input host `127.0.0.1:<secret>`",
			host: func(string) string { return "127.0.0.1:" + secret }, check: is(ErrBadRequestHost)},
		{path: "bad host: unclosed bracket", carrier: "input host `[<secret>`",
			host: func(string) string { return "[" + secret }, check: is(ErrBadRequestHost)},

		// Refused redirects: the secret is in the Location and in the token.
		{path: "refused redirect: leaves https", carrier: "Location user info, path, query and fragment; bearer token",
			handler: func(_ *testing.T, _ context.CancelFunc) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) {
					redirectTo("http://u:"+secret+"@"+r.Host+"/"+secret+"?sig="+secret+"#"+secret)(w, r)
				}
			}, check: is(ErrRedirectRefused)},
		{path: "refused redirect: another host", carrier: "Location user info, path and query; bearer token",
			handler: func(*testing.T, context.CancelFunc) http.HandlerFunc {
				return redirectTo("https://u:" + secret + "@flags.example/" + secret + "?sig=" + secret)
			}, check: is(ErrRedirectRefused)},
		{path: "refused redirect: another port", carrier: "Location user name, path and query; bearer token",
			handler: func(*testing.T, context.CancelFunc) http.HandlerFunc {
				return redirectTo("https://" + secret + "@127.0.0.1:1/" + secret + "?sig=" + secret)
			}, check: is(ErrRedirectRefused)},
		{path: "refused redirect: too many", carrier: "Location path and query; bearer token",
			handler: func(*testing.T, context.CancelFunc) http.HandlerFunc {
				return redirectTo("/" + secret + "?sig=" + secret)
			}, check: is(ErrRedirectRefused)},
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
			}, check: is(ErrResponseTooLarge)},
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

		// Transport errors.
		{path: "transport: connection closed before the answer", carrier: "bearer token",
			handler: func(t *testing.T, _ context.CancelFunc) http.HandlerFunc { return hijacked(t, "") },
			check:   anyError},
		{path: "transport: garbage for a status line", carrier: "bearer token, echoed as the status line",
			handler: func(t *testing.T, _ context.CancelFunc) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) {
					hijacked(t, r.Header.Get("Authorization")+"\r\n\r\n")(w, r)
				}
			}, check: anyError},
		{path: "transport: header value the client refuses", carrier: "bearer token with a line break",
			token: bearer + "\r\nX-Leak: " + secret, check: anyError},
		{path: "transport: certificate not trusted", carrier: "bearer token",
			client: func(*httptest.Server) *http.Client {
				return &http.Client{Transport: tokenTransport{base: &http.Transport{}, token: bearer}}
			}, check: anyError},
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
			}, check: is(context.Canceled)},
	}
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
		f.Client = p.client(srv)
	}
	host := hostOf(srv)
	if p.host != nil {
		host = p.host(host)
	}

	_, err := f.Fetch(ctx, host)

	t.Logf("%s (secret in: %s): %v", p.path, p.carrier, err)
	p.check(t, err)
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
			requireNoSecret(t, p.run(t))
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
