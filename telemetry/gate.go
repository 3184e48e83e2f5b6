package telemetry

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"
	"unicode"

	"github.com/flagactor/flagactor/telemetry/flagactor"
)

// defaultOpenWait bounds how long opening a connection waits for a flag the
// actor does not know yet (WithOpenWait).
const defaultOpenWait = 2 * time.Second

// ConnConfig is what a driver knows about a connection as it opens it. The
// flag request goes through Client as the driver's own requests do: what its
// transport adds to every request (credentials, a User-Agent) it adds here.
type ConnConfig struct {
	Host          string       // the workspace host, as the user wrote it
	DriverVersion string       // the driver's version, part of the flag URL
	Client        *http.Client // the connection's authenticated client; nil = http.DefaultClient
	Override      Override     // the client's own enableTelemetry setting
}

// Gate decides, for every connection a driver opens, whether telemetry is on.
//
// A Gate runs one flag actor, started by the first connection that asks the
// server, whatever the driver versions and schemes of its connections: its
// goroutines (the actor's loop, and one for logging with WithLogger) do not
// grow with versions. The actor files each answer under what it depends on,
// the scheme, the host and the driver version (part of the flag's URL), so
// an answer never serves a connection of another version or scheme, and a
// host's flag is fetched once per version and time-to-live however many
// connections use it. An entry no connection holds goes by the actor's own
// rules (kept until its value expires or its backoff ends); a Gate holding
// nothing holds no timer. A connection whose client set its Override asks
// nothing and starts nothing. An actor that stopped after an internal fault
// is replaced by the next connection that asks; Close still reports it.
//
// Each connection lends its own client to the fetches its queries start.
// When that client fails on its own (no answer from the server because of a
// dial, TLS or proxy failure, flagactor.ErrClientFailed; or the server
// rejects its credentials, flagactor.ErrCredentialRejected: a 401 or 403),
// only that connection's lease backs off: another connection's query fetches
// at once with its own client, and a good answer serves every connection.
// When such failures follow one another the host backs off too, as the
// failure table in telemetry/flagactor/failpolicy.go says.
// Connections whose host is written with an explicit http:// are asked over
// plain http, in entries of their own: an answer anyone on the path could
// forge never serves an https connection, whatever port either names.
//
// The zero Gate is ready to use with the default options. A Gate is safe for
// concurrent use; it must not be copied after first use.
type Gate struct {
	cfg   *gateConfig               // nil in a zero Gate: the defaults
	state atomic.Pointer[gateActor] // nil until the first connection that asks the server; Close's mark after Close
}

// gateActor is the Gate's actor, published whole; or, with closed set, the
// mark Close leaves.
type gateActor struct {
	actor *flagactor.Actor
	// faulted is the actor this one replaced after its loop stopped on an
	// internal fault: Close still closes it and reports the fault.
	faulted *gateActor

	// Set in the mark Close swaps in, which nothing replaces.
	closed bool
	done   chan struct{} // closed once Close has stopped everything; err is set then
	err    error
}

// GateOption configures a Gate.
type GateOption func(*gateConfig)

type gateConfig struct {
	openWait  time.Duration
	actorOpts []flagactor.Option
	logger    *slog.Logger // the actor's and fetchers' records; nil = none
}

// defaultGateConfig is the configuration of a zero Gate.
var defaultGateConfig = gateConfig{openWait: defaultOpenWait}

// WithOpenWait sets how long Open waits for an unknown flag; 2 seconds when
// not given. With d <= 0 Open does not wait: it takes the flag only if
// the actor has it already, and otherwise starts the fetch, whose answer
// Conn.Enabled sees later.
func WithOpenWait(d time.Duration) GateOption {
	return func(c *gateConfig) { c.openWait = max(d, 0) }
}

// WithActorOptions passes options (a clock, a TTL, a fetch timeout) to the
// Gate's flag actor (flagactor.New ignores nil ones). The Gate times its open
// wait on the actor's clock.
func WithActorOptions(opts ...flagactor.Option) GateOption {
	return func(c *gateConfig) { c.actorOpts = append(c.actorOpts, opts...) }
}

// WithLogger sends the Gate's records to logger: its actor's (see
// flagactor.WithLogger) and its fetchers' (the parts of an answer they
// skipped). It replaces a logger given through WithActorOptions. Without it,
// or with a nil logger, the Gate writes no record (none to slog.Default
// either), but for its actor's to a logger given through WithActorOptions.
func WithLogger(logger *slog.Logger) GateOption {
	return func(c *gateConfig) { c.logger = logger }
}

// NewGate makes a Gate: for a driver that wants options of its own (it keeps
// the Gate for the process), or one per sql.DB, and for tests. Open uses the
// process-wide Gate, with the default options (see Default). It starts no
// goroutine: its actor starts with the first connection that asks the
// server. Nil options are ignored.
func NewGate(opts ...GateOption) *Gate {
	cfg := defaultGateConfig
	for _, opt := range opts {
		if opt != nil {
			opt(&cfg)
		}
	}
	if cfg.logger != nil {
		cfg.actorOpts = append(cfg.actorOpts, flagactor.WithLogger(cfg.logger)) // this NewGate's own slice
	}
	return &Gate{cfg: &cfg}
}

// config returns the Gate's configuration.
func (g *Gate) config() *gateConfig {
	if g.cfg == nil {
		return &defaultGateConfig
	}
	return g.cfg
}

// Close stops the Gate's actor and waits for its goroutines to exit.
// Connections still open see telemetry off, and a later Open answers
// flagactor.ErrClosed. Close is idempotent: a second call waits for the first
// and returns what it returned, a non-nil error only when an actor's loop
// had stopped after an internal fault.
func (g *Gate) Close() error {
	mark := &gateActor{closed: true, done: make(chan struct{})}
	var was *gateActor
	for {
		was = g.state.Load()
		if was != nil && was.closed {
			<-was.done
			return was.err
		}
		if g.state.CompareAndSwap(was, mark) {
			break // from here no actor starts: was holds them all
		}
	}
	// Each may wait up to its fetch timeout for a Fetcher that ignores its
	// context; there is more than one only after loop faults.
	var errs []error
	for a := was; a != nil; a = a.faulted {
		errs = append(errs, a.actor.Close())
	}
	mark.err = errors.Join(errs...)
	close(mark.done)
	return mark.err
}

// Open is called once as a connection opens. It never fails the connection:
// when telemetry cannot be decided it is off, and Conn.Err says why.
//
// The decision order is the client's explicit Override, then the server's
// flag, then off. OverrideOn and OverrideOff ask the server nothing. Otherwise Open
// answers at once from a fresh flag, and else waits (for the actor, then for
// the server's flag) at most the Gate's open wait, measured on the actor's
// clock, and no longer than ctx allows; a flag that arrives later is seen by
// Conn.Enabled. Once an Open's wait has run out on a host's fetch, later
// Opens of that host, scheme and version do not wait while that fetch is in
// flight or the host backs off after it: they are off at once, with Conn.Err
// matching ErrOpenWait; the next fetch brings the wait back.
// A nil ctx is context.Background(). A host that is not name[:port], or a
// DriverVersion that cannot be a path segment or holds a control character
// (ErrBadDriverVersion), asks nothing and starts nothing.
func (g *Gate) Open(ctx context.Context, cfg ConnConfig) *Conn {
	c := &Conn{gate: g, override: cfg.Override}
	switch {
	case cfg.Override == OverrideOff:
	case g.isClosed():
		c.err = flagactor.ErrClosed
	case cfg.Override != OverrideOn:
		c.err = g.ask(cmp.Or(ctx, context.Background()), c, cfg)
	}
	return c
}

// ask takes c's lease for a connection with cfg and waits for the server's
// flag, which Conn.Enabled reads, as Open says; it returns what Conn.Err
// says.
func (g *Gate) ask(ctx context.Context, c *Conn, cfg ConnConfig) error {
	err := checkDriverVersion(cfg.DriverVersion)
	if err != nil {
		return err
	}
	host, scheme := leaseHost(cfg.Host)
	c.fetcher = connFetcher{
		fetcher: HTTPFetcher{Client: cfg.Client, DriverVersion: cfg.DriverVersion},
		scheme:  scheme,
		logger:  g.config().logger,
	}
	c.wait = openWait{Context: ctx, caller: ctx, d: g.config().openWait}
	defer c.wait.stop()
	// A fresh answer (the common case) asks c.wait nothing: no timer is armed.
	if c.lease, err = g.acquire(&c.wait, c.fetcher.namespace(), host, &c.fetcher); err == nil {
		_, err = c.lease.Enabled(&c.wait, TelemetryFlag)
	}
	return c.wait.openErr(err)
}

// noActor is a zero flagactor.Actor, which answers every call at once with
// an error matching flagactor.ErrClosed: the Gate's actor before the first
// connection that asks the server, and after Close.
var noActor flagactor.Actor

// actor returns the Gate's actor, or noActor when it has none.
func (g *Gate) actor() *flagactor.Actor {
	if a := g.state.Load(); a != nil && !a.closed {
		return a.actor
	}
	return &noActor
}

// acquire takes a lease for a connection on the Gate's actor, timing w on
// that actor's clock. The first connection that asks the server starts the
// actor, and an actor whose loop stopped after a fault is replaced, once,
// by a new one: each is the ErrClosed of an Acquire. An Acquire checks host
// before all else, so a host no actor could ask starts none.
func (g *Gate) acquire(w *openWait, ns, host string, f flagactor.Fetcher) (*flagactor.Lease, error) {
	a := g.actor()
	w.clock = a.Clock()
	lease, err := a.AcquireIn(w, ns, host, f)
	if !errors.Is(err, flagactor.ErrClosed) {
		return lease, err
	}
	if a, err = g.replace(a); err != nil {
		return nil, err
	}
	w.clock = a.Clock()
	return a.AcquireIn(w, ns, host, f)
}

// replace returns the Gate's actor in place of stale: the one an Open found
// stopped after a fault, or noActor. It starts a new one unless another
// Open has done so already: that one is the answer then. After Close it
// returns flagactor.ErrClosed.
func (g *Gate) replace(stale *flagactor.Actor) (*flagactor.Actor, error) {
	var fresh *gateActor // started by an earlier round that lost its race
	for {
		a := g.state.Load()
		if a != nil && (a.closed || a.actor != stale) {
			if fresh != nil {
				_ = fresh.actor.Close() // never used
			}
			if a.closed {
				return nil, flagactor.ErrClosed
			}
			return a.actor, nil
		}
		if fresh == nil {
			fresh = &gateActor{actor: flagactor.New(g.config().actorOpts...)}
		}
		fresh.faulted = a // Close still closes and reports it
		if g.state.CompareAndSwap(a, fresh) {
			return fresh.actor, nil
		}
	}
}

// isClosed reports whether Close has been called. A nil Gate is not closed:
// a Conn made without Open has none.
func (g *Gate) isClosed() bool {
	if g == nil {
		return false
	}
	a := g.state.Load()
	return a != nil && a.closed
}

// checkDriverVersion refuses a driver version that cannot be the flag URL's
// last path segment: "" names no version, and "." and ".." would move the
// path. A control character is refused too: the Gate keys plain-http
// entries with one (see namespace), so no version can pass for another
// scheme's. A connection with such a version asks nothing and starts
// nothing, and an HTTPFetcher with one sends no request (flagsURL): one
// rule for both.
func checkDriverVersion(version string) error {
	if version == "" || version == "." || version == ".." || strings.ContainsFunc(version, unicode.IsControl) {
		return fmt.Errorf("%w: %q", ErrBadDriverVersion, version)
	}
	return nil
}
