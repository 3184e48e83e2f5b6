package telemetry

import (
	"context"
	"net/http"
	"time"

	"github.com/flagactor/flagactor/telemetry/flagactor"
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
// It shares one flag actor among all connections, so a host's flag is fetched
// once however many connections use it. A Gate is safe for concurrent use.
//
// A Gate files answers by host alone: it serves one driver version (the
// version is part of the flag's URL), and the connection whose query starts
// a fetch lends it its client, so a connection with bad credentials puts its
// host into the failure backoff for every connection of that Gate.
type Gate struct {
	actor    *flagactor.Actor
	openWait time.Duration
}

// GateOption configures a Gate.
type GateOption func(*gateConfig)

type gateConfig struct {
	openWait  time.Duration
	actorOpts []flagactor.Option
}

// WithOpenWait sets how long Open waits for an unknown flag (DefaultOpenWait
// when not given; d <= 0 keeps the default).
func WithOpenWait(d time.Duration) GateOption {
	return func(c *gateConfig) {
		if d > 0 {
			c.openWait = d
		}
	}
}

// WithActorOptions passes options (a clock, a TTL, a fetch timeout) to the
// Gate's flag actor.
func WithActorOptions(opts ...flagactor.Option) GateOption {
	return func(c *gateConfig) { c.actorOpts = append(c.actorOpts, opts...) }
}

// NewGate starts a private Gate with its own actor: for tests, or for a driver
// that wants one per sql.DB. Most drivers use Open and the process-wide Gate.
func NewGate(opts ...GateOption) *Gate {
	cfg := gateConfig{openWait: DefaultOpenWait}
	for _, opt := range opts {
		opt(&cfg)
	}
	return &Gate{actor: flagactor.New(cfg.actorOpts...), openWait: cfg.openWait}
}

// Actor returns the Gate's flag actor, for its Stats.
func (g *Gate) Actor() *flagactor.Actor { return g.actor }

// Close stops the Gate's actor. Connections still open see telemetry off.
func (g *Gate) Close() error { return g.actor.Close() }

// Open is called once as a connection opens. It never fails the connection:
// when telemetry cannot be decided it is off, and Conn.Err says why.
//
// The decision order is the client's explicit Override, then the server's
// flag, then off. An OverrideOff asks the server nothing. Otherwise Open waits
// for the server's flag at most the Gate's open wait (and no longer than ctx
// allows); a flag that arrives later is seen by Conn.Enabled.
func (g *Gate) Open(ctx context.Context, cfg ConnConfig) *Conn {
	c := &Conn{override: cfg.Override}
	switch cfg.Override {
	case OverrideOn, OverrideOff:
		return c
	default:
		c.override = OverrideUnset // an unknown setting follows the server
	}
	fetcher := &HTTPFetcher{Client: cfg.Client, DriverVersion: cfg.DriverVersion, UserAgent: cfg.UserAgent}
	lease, err := g.actor.Acquire(ctx, cfg.Host, fetcher)
	if err != nil {
		c.err = err
		return c
	}
	c.lease = lease
	waitCtx, cancel := context.WithTimeout(ctx, g.openWait)
	defer cancel()
	c.openedOn, c.err = lease.Enabled(waitCtx, TelemetryFlag)
	return c
}
