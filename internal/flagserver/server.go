package flagserver

import (
	"context"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"

	"github.com/benbjohnson/clock"
)

// FlagPath is the path prefix the server answers; the driver version follows it.
const FlagPath = "/api/2.0/connector-service/feature-flags/GOLANG/"

// certName is a name the httptest certificate is valid for; ClientForAnyHost
// verifies the server as this name whatever host the URL names.
const certName = "example.com"

// Server is a running fake flag service. Its methods are safe for concurrent
// use; its setters take effect for the requests that arrive after them.
type Server struct {
	ts        *httptest.Server
	clock     clock.Clock
	onRequest func(host string)

	closing   chan struct{} // closed by Close to end every wait and drip
	closeOnce sync.Once

	setMu   sync.Mutex // orders read-modify-write of flags
	flags   atomic.Pointer[flagSet]
	latency atomic.Pointer[Latency]
	mode    atomic.Pointer[Mode]
	faults  atomic.Pointer[Faults]

	randMu sync.Mutex // guards rand: one seeded source shared by all handlers
	rand   *rand.Rand

	requests    atomic.Int64
	faultCounts [faultKinds]atomic.Int64
	record      recorder

	transportsMu sync.Mutex
	transports   []*http.Transport // made by ClientForAnyHost, closed by Close
}

// New starts a server on a loopback port with cfg. The caller must Close it.
func New(cfg Config) *Server {
	s := &Server{
		clock:     cfg.Clock,
		onRequest: cfg.OnRequest,
		closing:   make(chan struct{}),
		rand:      rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15)),
		record:    newRecorder(),
	}
	if s.clock == nil {
		s.clock = clock.New()
	}
	s.flags.Store(newFlagSet(cfg.Flags, cfg.TTL))
	s.SetLatency(cfg.Latency)
	s.SetMode(cfg.Mode)
	s.SetFaults(cfg.Faults)

	mux := http.NewServeMux()
	mux.HandleFunc("GET "+FlagPath+"{version}", s.serveFlags)
	s.ts = httptest.NewUnstartedServer(mux)
	s.ts.StartTLS()
	return s
}

// Host is the server's "127.0.0.1:PORT", the host a fetcher asks when it uses
// Client.
func (s *Server) Host() string { return s.ts.Listener.Addr().String() }

// URL is "https://" followed by Host.
func (s *Server) URL() string { return s.ts.URL }

// Client returns a client that trusts the server's certificate, for URLs whose
// host is Host (or example.com). Close closes its idle connections.
func (s *Server) Client() *http.Client { return s.ts.Client() }

// ClientForAnyHost returns a new client that sends every request to this
// server whatever host its URL names, so one server can stand for many hosts:
// the URL's host arrives as the Host header the server counts by. It still
// verifies TLS, against the test certificate's name example.com. Test use
// only. Close closes its idle connections.
func (s *Server) ClientForAnyHost() *http.Client {
	t := s.ts.Client().Transport.(*http.Transport).Clone()
	addr := s.Host()
	var dialer net.Dialer
	t.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return dialer.DialContext(ctx, network, addr)
	}
	t.TLSClientConfig.ServerName = certName

	s.transportsMu.Lock()
	s.transports = append(s.transports, t)
	s.transportsMu.Unlock()
	return &http.Client{Transport: t}
}

// Close stops the server: it ends every latency wait and drip, closes the idle
// connections of its clients, and returns once every handler has returned.
// It is idempotent; a concurrent call waits for the first.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.closing)
		s.closeIdleConnections()
		s.ts.Close()
		// Connections that were busy when Close began are idle or gone now.
		s.closeIdleConnections()
	})
}

func (s *Server) closeIdleConnections() {
	s.transportsMu.Lock()
	defer s.transportsMu.Unlock()
	for _, t := range s.transports {
		t.CloseIdleConnections()
	}
}

// SetLatency sets the wait before each answer.
func (s *Server) SetLatency(l Latency) { s.latency.Store(&l) }

// SetMode sets the status every request answers; Mode{} serves the flags.
func (s *Server) SetMode(m Mode) { s.mode.Store(&m) }

// SetFaults sets the fault probabilities; Faults{} turns faults off.
func (s *Server) SetFaults(f Faults) { s.faults.Store(&f) }
