package flagactor

import (
	"log/slog"
	"time"

	"github.com/benbjohnson/clock"
)

// DefaultTTL is how long an answer lives when neither the server
// (ttl_seconds) nor WithTTL says otherwise: 15 minutes, as the flag service
// advises. A driver that logs or documents its cache's behaviour names it.
const DefaultTTL = 15 * time.Minute

// defaultFetchTimeout bounds one fetch when WithFetchTimeout is not given.
const defaultFetchTimeout = 10 * time.Second

// Bounds applied to what the server sends: its time-to-live, and how long
// it may ask a client to wait with Retry-After (a larger wait would park a
// host, and keep its entry, for as long as the server liked).
const (
	minServerTTL  = time.Minute
	maxServerTTL  = time.Hour
	maxRetryAfter = 24 * time.Hour
)

// Option configures an Actor.
type Option func(*config)

type config struct {
	clock        clock.Clock
	wallClock    bool // clock is the default wall clock
	ttl          time.Duration
	fetchTimeout time.Duration
	mailboxSize  int
	logger       *slog.Logger

	// beforeHandle, when set, runs on the loop before each request. Tests use
	// it to inject a fault into the loop.
	beforeHandle func(request)
	// noJitter, set by tests only, takes the jitter off expiries and
	// backoffs, so that a model can compute them (see failpolicy.go).
	noJitter bool
}

func newConfig(opts []Option) config {
	cfg := config{
		clock:        clock.New(),
		wallClock:    true,
		ttl:          DefaultTTL,
		fetchTimeout: defaultFetchTimeout,
		mailboxSize:  256,
	}
	for _, opt := range opts {
		if opt != nil { // a nil Option is ignored
			opt(&cfg)
		}
	}
	return cfg
}

// WithClock sets the clock every time-to-live, backoff, fetch timeout and
// eviction is measured on. The default is the wall clock; tests pass a
// *clock.Mock. A nil clock keeps the default.
func WithClock(c clock.Clock) Option {
	return func(cfg *config) {
		if c != nil {
			cfg.clock, cfg.wallClock = c, false
		}
	}
}

// WithTTL sets how long an answer lives when the server does not say, and the
// cap of the failure backoff. The default is 15 minutes; d <= 0 keeps it. A d
// too long to add to the clock's time never expires.
func WithTTL(d time.Duration) Option {
	return func(cfg *config) {
		if d > 0 {
			cfg.ttl = d
		}
	}
}

// WithFetchTimeout bounds one fetch. The default is 10 seconds; d <= 0 keeps it.
// A fetch that outlives it is a failed fetch even if its Fetcher ignores its
// context, and Close waits at most this long, in real time, for such a
// Fetcher, and for a log handler (WithLogger) that blocks. Deadlines
// saturate: a d too long to add to the clock's time, such as math.MaxInt64,
// means no timeout (and Close then waits as long as they take: a Close
// called by one of the actor's own Fetchers or its log handler never
// returns).
func WithFetchTimeout(d time.Duration) Option {
	return func(cfg *config) {
		if d > 0 {
			cfg.fetchTimeout = d
		}
	}
}
