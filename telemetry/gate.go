package telemetry

import (
	"context"
	"errors"
	"log/slog"
	"maps"
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
// internal fault is replaced by the next connection of its version.
//
// Each connection lends its own client to the fetches its queries start.
// When the server rejects that client's credentials (an error wrapping
// flagactor.ErrCredentialRejected: HTTPFetcher's 401 and 403), only that
// connection's lease backs off, not the host: another connection's query
// fetches at once with its own client, and a good answer serves every
// connection.
//
// The zero Gate is ready to use with the default options. A Gate is safe for
// concurrent use; it must not be copied after first use.
type Gate struct {
	cfg *gateConfig // nil in a zero Gate: the defaults

	mu      sync.Mutex                  // guards the fields below; held only to look up or swap an actor
	actors  map[string]*flagactor.Actor // driver version -> its actor
	stopped []*flagactor.Actor          // actors replaced after a fault stopped them; Close waits for them
	closed  atomic.Bool                 // set under mu; read without it
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

// Close stops the Gate's actors and waits for their goroutines to exit.
// Connections still open see telemetry off, and a later Open answers
// flagactor.ErrClosed. Close is idempotent. It returns a non-nil error only
// when an actor's loop had stopped after an internal fault.
func (g *Gate) Close() error {
	g.mu.Lock()
	g.closed.Store(true)
	actors := slices.Collect(maps.Values(g.actors))
	actors = append(actors, g.stopped...)
	g.mu.Unlock()
	// In parallel: each may wait up to its fetch timeout for a Fetcher that
	// ignores its context.
	errs := make([]error, len(actors))
	var wg sync.WaitGroup
	for i, a := range actors {
		wg.Go(func() { errs[i] = a.Close() })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Closed reports whether Close has been called. A nil Gate is not closed: a
// Conn made without Open has none.
func (g *Gate) Closed() bool { return g != nil && g.closed.Load() }

// Open is called once as a connection opens. It never fails the connection:
// when telemetry cannot be decided it is off, and Conn.Err says why.
//
// The decision order is the client's explicit Override, then the server's
// flag, then off. An OverrideOff asks the server nothing. Otherwise Open waits
// (for the actor, then for the server's flag) at most the Gate's open wait,
// measured on the Gate's clock, and no longer than ctx allows; a flag that
// arrives later is seen by Conn.Enabled.
func (g *Gate) Open(ctx context.Context, cfg ConnConfig) *Conn {
	c := &Conn{gate: g, override: cfg.Override}
	switch {
	case cfg.Override == OverrideOff:
		return c
	case g.Closed():
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
	// The open wait bounds all of it: a full mailbox can hold Acquire too.
	waitCtx, cancel := g.withOpenWait(ctx)
	defer cancel()
	lease, err := g.acquire(waitCtx, cfg)
	if err != nil {
		c.err = openErr(ctx, waitCtx, err)
		return c
	}
	c.lease = lease
	on, err := lease.Enabled(waitCtx, TelemetryFlag)
	c.openedOn, c.err = on, openErr(ctx, waitCtx, err)
	return c
}

// acquire takes a lease for the connection from its driver version's actor.
// An actor whose loop stopped after a fault is replaced, once, by a new one.
func (g *Gate) acquire(ctx context.Context, cfg ConnConfig) (*flagactor.Lease, error) {
	actor, err := g.actorFor(cfg.DriverVersion, nil)
	if err != nil {
		return nil, err
	}
	fetcher := newConnFetcher(cfg, g.config().logger)
	lease, err := actor.Acquire(ctx, cfg.Host, fetcher)
	if !errors.Is(err, flagactor.ErrClosed) {
		return lease, err
	}
	if actor, err = g.actorFor(cfg.DriverVersion, actor); err != nil {
		return nil, err
	}
	return actor.Acquire(ctx, cfg.Host, fetcher)
}

// actorFor returns the actor of a driver version, starting it on first use.
// Given stale, an actor of the version that answered ErrClosed although the
// Gate is open (its loop stopped after a fault), it starts a new one in its
// place, unless another connection has replaced it already: that actor is
// the answer then.
func (g *Gate) actorFor(version string, stale *flagactor.Actor) (*flagactor.Actor, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed.Load() {
		return nil, flagactor.ErrClosed
	}
	a := g.actors[version]
	if a != nil && a != stale {
		return a, nil
	}
	if a != nil {
		g.stopped = append(g.stopped, a) // Close still waits for it
	}
	if g.actors == nil {
		g.actors = make(map[string]*flagactor.Actor)
	}
	a = flagactor.New(g.config().actorOpts...)
	g.actors[version] = a
	return a, nil
}
