package telemetry

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/benbjohnson/clock"

	"github.com/flagactor/flagactor/telemetry/flagactor"
	"github.com/flagactor/flagactor/telemetry/internal/actorclock"
)

// DefaultOpenWait bounds how long opening a connection waits for a flag the
// actor does not know yet.
const DefaultOpenWait = 2 * time.Second

// ConnConfig is what a driver knows about a connection as it opens it.
type ConnConfig struct {
	Host          string       // the workspace host, as the user wrote it
	DriverVersion string       // the driver's version, part of the flag URL
	UserAgent     string       // sent as User-Agent when set
	Client        *http.Client // the connection's authenticated client; nil = http.DefaultClient
	Override      Override     // the client's own enableTelemetry setting
}

// Gate decides, for every connection a driver opens, whether telemetry is on.
//
// A Gate serves any number of driver versions. The version is part of the
// flag's URL, so each has its own answer: the Gate keeps one flag actor per
// version, started by the first connection of that version that asks the
// server, and a host's flag is fetched once per version and time-to-live
// however many connections use it. A connection whose client set its
// Override asks nothing and starts nothing. An actor that stopped after an
// internal fault is replaced by the next connection of its version. A
// version gives its actor back once its last connection has closed and the
// actor holds no host any more (a host's value lingers until it expires, on
// the Gate's clock): the next connection of the version starts a new one.
//
// Each connection lends its own client to the fetches its queries start.
// When that client fails on its own (no answer from the server because of a
// dial, TLS or proxy failure, flagactor.ErrClientFailed; or the server
// rejects its credentials, flagactor.ErrCredentialRejected: a 401 or 403),
// only that connection's lease backs off: another connection's query fetches
// at once with its own client, and a good answer serves every connection.
// When a second connection's client fails in a row, the host backs off too,
// so an outage every connection sees costs about what one connection's does.
// Connections whose host is written with an explicit http:// are asked over
// plain http, and served by an actor of their own.
//
// The zero Gate is ready to use with the default options. A Gate is safe for
// concurrent use; it must not be copied after first use.
type Gate struct {
	cfg       *gateConfig               // nil in a zero Gate: the defaults
	state     atomic.Pointer[gateState] // nil until a version's actor starts or Close
	idleCheck atomic.Pointer[idleTimer] // armed while a version has no connection
	tasks     taskGroup                 // the Gate's own goroutines: the idle check, retiring actors
}

// GateOption configures a Gate.
type GateOption func(*gateConfig)

type gateConfig struct {
	openWait  time.Duration
	actorOpts []flagactor.Option
	clock     clock.Clock  // the actors' clock, which times the open wait too
	logger    *slog.Logger // the actors' and fetchers' records; nil = none
}

// defaultGateConfig is the configuration of a zero Gate.
var defaultGateConfig = gateConfig{openWait: DefaultOpenWait, clock: clock.New()}

// WithOpenWait sets how long Open waits for an unknown flag; DefaultOpenWait
// when not given. With d <= 0 Open does not wait: it takes the flag only if
// the actor has it already, and otherwise starts the fetch, whose answer
// Conn.Enabled sees later.
func WithOpenWait(d time.Duration) GateOption {
	return func(c *gateConfig) { c.openWait = max(d, 0) }
}

// WithActorOptions passes options (a clock, a TTL, a fetch timeout) to the
// Gate's flag actors; nil ones are dropped. The Gate times its open wait on
// the actors' clock.
func WithActorOptions(opts ...flagactor.Option) GateOption {
	return func(c *gateConfig) {
		for _, opt := range opts {
			if opt != nil {
				c.actorOpts = append(c.actorOpts, opt)
			}
		}
	}
}

// WithLogger sends the Gate's records to logger: its actors' (see
// flagactor.WithLogger) and its fetchers' (the parts of an answer they
// skipped). It replaces a logger given through WithActorOptions. Without it,
// or with a nil logger, the Gate writes no record (none to slog.Default
// either), but for its actors' to a logger given through WithActorOptions.
func WithLogger(logger *slog.Logger) GateOption {
	return func(c *gateConfig) { c.logger = logger }
}

// NewGate makes a private Gate: for tests, or for a driver that wants one per
// sql.DB. Most drivers use Open and the process-wide Gate. It starts no
// goroutine: each driver version's actor starts with the first connection
// that needs it. Nil options are ignored.
func NewGate(opts ...GateOption) *Gate {
	cfg := defaultGateConfig
	for _, opt := range opts {
		if opt != nil {
			opt(&cfg)
		}
	}
	if cfg.logger != nil {
		cfg.actorOpts = append(slices.Clip(cfg.actorOpts), flagactor.WithLogger(cfg.logger))
	}
	cfg.clock = actorclock.Of(cfg.actorOpts)
	return &Gate{cfg: &cfg}
}

// config returns the Gate's configuration.
func (g *Gate) config() *gateConfig {
	if g.cfg == nil {
		return &defaultGateConfig
	}
	return g.cfg
}

// Close stops the Gate's actors and waits for their goroutines, and the
// Gate's own, to exit. Connections still open see telemetry off, and a later
// Open answers flagactor.ErrClosed. Close is idempotent: a second call waits
// for the first and returns what it returned, a non-nil error only when an
// actor's loop had stopped after an internal fault.
func (g *Gate) Close() error {
	closing := &gateState{closed: true, drained: make(chan struct{}), done: make(chan struct{})}
	var was *gateState
	for {
		was = g.state.Load()
		if was != nil && was.closed {
			<-was.done
			return was.err
		}
		if g.state.CompareAndSwap(was, closing) {
			break // from here no version can be added: was holds them all
		}
	}
	if g.tasks.close() {
		close(closing.drained)
	}
	// In parallel: each may wait up to its fetch timeout for a Fetcher that
	// ignores its context.
	versions := was.all()
	errs := make([]error, len(versions))
	var wg sync.WaitGroup
	for i, v := range versions {
		wg.Go(func() { errs[i] = v.actor.Close() })
	}
	g.sealIdleCheck()
	wg.Wait()
	<-closing.drained // idle checks and retiring actors, which closed actors answer at once
	closing.err = errors.Join(errs...)
	close(closing.done)
	return closing.err
}

// Open is called once as a connection opens. It never fails the connection:
// when telemetry cannot be decided it is off, and Conn.Err says why.
//
// The decision order is the client's explicit Override, then the server's
// flag, then off. An OverrideOff asks the server nothing. Otherwise Open waits
// (for the actor, then for the server's flag) at most the Gate's open wait,
// measured on the Gate's clock, and no longer than ctx allows; a flag that
// arrives later is seen by Conn.Enabled. A nil ctx is context.Background().
// A host that is not name[:port], or a DriverVersion that cannot be a path
// segment (ErrBadDriverVersion), asks nothing and starts nothing.
func (g *Gate) Open(ctx context.Context, cfg ConnConfig) *Conn {
	if ctx == nil {
		ctx = context.Background()
	}
	c := &Conn{gate: g, override: cfg.Override}
	switch {
	case cfg.Override == OverrideOff:
		return c
	case g.isClosed():
		c.err = flagactor.ErrClosed
		return c
	case cfg.Override == OverrideOn:
		c.openedOn = true
		return c
	}
	c.override = OverrideUnset // an unknown setting follows the server
	if _, err := flagactor.NormalizeHost(cfg.Host); err != nil {
		c.err = err // no actor could ever ask the server: start none
		return c
	}
	if err := checkDriverVersion(cfg.DriverVersion); err != nil {
		c.err = err
		return c
	}
	// The open wait bounds all of it: a full mailbox can hold Acquire too.
	waitCtx, cancel := g.withOpenWait(ctx)
	defer cancel()
	v, lease, err := g.acquire(waitCtx, cfg)
	if err != nil {
		c.err = openErr(ctx, waitCtx, err)
		return c
	}
	c.version, c.lease = v, lease
	on, err := lease.Enabled(waitCtx, TelemetryFlag)
	c.openedOn, c.err = on, openErr(ctx, waitCtx, err)
	return c
}

// acquire takes a lease for the connection from its driver version's actor,
// and counts the connection on the version until Conn.Close. An actor whose
// loop stopped after a fault is replaced, once, by a new one.
func (g *Gate) acquire(ctx context.Context, cfg ConnConfig) (*version, *flagactor.Lease, error) {
	v, err := g.versionFor(actorKey(cfg), nil)
	if err != nil {
		return nil, nil, err
	}
	fetcher := newConnFetcher(cfg, g.config().logger)
	host := leaseHost(cfg.Host)
	lease, err := v.actor.Acquire(ctx, host, fetcher)
	if errors.Is(err, flagactor.ErrClosed) {
		g.leave(v)
		if v, err = g.versionFor(actorKey(cfg), v); err != nil {
			return nil, nil, err
		}
		lease, err = v.actor.Acquire(ctx, host, fetcher)
	}
	if err != nil {
		g.leave(v)
		return nil, nil, err
	}
	return v, lease, nil
}
