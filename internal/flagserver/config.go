package flagserver

import (
	"time"

	"github.com/benbjohnson/clock"
)

// Config is how a Server starts. The zero value serves no flags, at once,
// with status 200 and no faults. Everything but Seed, Clock and OnRequest can
// be changed later with the Server's setters.
type Config struct {
	Flags   map[string]string // flag name -> value served; copied
	TTL     time.Duration     // served as ttl_seconds (whole seconds); 0 sends 0
	Latency Latency           // wait before answering
	Mode    Mode              // status to answer instead of the flags
	Faults  Faults            // fault probabilities, drawn per request
	Seed    uint64            // seeds the random source of latency and faults
	// Clock times each request for PerSecond; nil means the real clock.
	Clock clock.Clock
	// OnRequest, when set, is called with the Host header of each request to
	// the flag path as it arrives, on the request's goroutine. It must be safe
	// for concurrent use and return quickly.
	OnRequest func(host string)
}

// Latency is how long the server waits before it answers: Min when Max is not
// above Min, else a uniform draw from [Min, Max]. The wait ends early when the
// request's context ends or the server closes, and the request then gets no
// answer.
type Latency struct {
	Min, Max time.Duration
}

// Mode makes every request to the flag path, after its latency, answer Status
// instead of the flags: a scenario such as an outage (500) or a rate limit
// (429). Status 0 or 200 serves the flags. RetryAfter, when positive, is sent
// as a Retry-After header in whole seconds, rounded up.
type Mode struct {
	Status     int
	RetryAfter time.Duration
}

// Faults are the probabilities, each in [0, 1], that a request to the flag
// path gets a fault instead of its answer. One draw per request picks at most
// one fault, tried in field order, so the probabilities should add up to at
// most 1; a probability of 1 forces that fault. A Mode other than 200 comes
// before faults.
type Faults struct {
	Error500 float64 // answer 500 with a JSON error body
	TooMany  float64 // answer 429 with a Retry-After header
	// RetryAfter is the Retry-After of a TooMany fault; 0 means one second.
	RetryAfter time.Duration
	Reset      float64 // send part of a 200 answer, then reset the connection
	Garbage    float64 // answer 200 with a body that is not JSON
	Oversized  float64 // answer 200 with valid JSON of OversizedBodyLen bytes
	Drip       float64 // answer 200 with the flags, a few bytes at a time
	// DripLasts is the least time a drip takes to send its whole body; 0 means
	// 2s. Set it above a fetcher's timeout to make the drip a timeout.
	DripLasts time.Duration
	// DripEvery is the pause between a drip's writes; 0 means 50ms.
	DripEvery time.Duration
}

// OversizedBodyLen is the length of an Oversized fault's body: 1 MiB and 1 KiB,
// just past the 1 MiB a fetcher may read.
const OversizedBodyLen = 1<<20 + 1<<10

const (
	defaultRetryAfter = time.Second
	defaultDripLasts  = 2 * time.Second
	defaultDripEvery  = 50 * time.Millisecond
	dripChunk         = 8 // bytes per drip write
)

func (f Faults) retryAfter() time.Duration {
	if f.RetryAfter <= 0 {
		return defaultRetryAfter
	}
	return f.RetryAfter
}

func (f Faults) dripLasts() time.Duration {
	if f.DripLasts <= 0 {
		return defaultDripLasts
	}
	return f.DripLasts
}

func (f Faults) dripEvery() time.Duration {
	if f.DripEvery <= 0 {
		return defaultDripEvery
	}
	return f.DripEvery
}
