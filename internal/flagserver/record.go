package flagserver

import (
	"cmp"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/flagactor/flagactor/telemetry/messages"
)

// HostCounts is what the server saw of one Host header.
type HostCounts struct {
	Requests    int64 // requests to the flag path
	InFlight    int   // requests being handled now
	MaxInFlight int   // most requests ever handled at once
}

// SecondCount is the number of requests that arrived in one second of the
// server's clock.
type SecondCount struct {
	Unix     int64 // the second, as Unix time
	Requests int
}

// FaultCounts is how many faults of each kind the server injected.
type FaultCounts struct {
	Error500, TooMany, Reset, Garbage, Oversized, Drip int64
}

// Total is the number of faults of all kinds.
func (c FaultCounts) Total() int64 {
	return c.Error500 + c.TooMany + c.Reset + c.Garbage + c.Oversized + c.Drip
}

// recorder keeps the per-host and per-second instrumentation. A mutex is
// plenty: this is test infrastructure and each request takes it twice.
type recorder struct {
	mu        sync.Mutex
	hosts     map[string]*hostRecord
	perSecond map[int64]int
}

type hostRecord struct {
	counts HostCounts
	served map[*flagSet]struct{} // every version of the flags sent to the host
}

func newRecorder() recorder {
	return recorder{hosts: map[string]*hostRecord{}, perSecond: map[int64]int{}}
}

// hostLocked returns host's record, creating it. r.mu must be held.
func (r *recorder) hostLocked(host string) *hostRecord {
	h := r.hosts[host]
	if h == nil {
		h = &hostRecord{served: map[*flagSet]struct{}{}}
		r.hosts[host] = h
	}
	return h
}

func (r *recorder) begin(host string, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	h := r.hostLocked(host)
	h.counts.Requests++
	h.counts.InFlight++
	h.counts.MaxInFlight = max(h.counts.MaxInFlight, h.counts.InFlight)
	r.perSecond[now.Unix()]++
}

func (r *recorder) end(host string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.hosts[host].counts.InFlight--
}

func (r *recorder) served(host string, fs *flagSet) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.hostLocked(host).served[fs] = struct{}{}
}

// Requests is the number of requests to the flag path so far, faults included.
func (s *Server) Requests() int64 { return s.requests.Load() }

// PerHost returns the counts of every Host header seen so far.
func (s *Server) PerHost() map[string]HostCounts {
	s.record.mu.Lock()
	defer s.record.mu.Unlock()
	counts := make(map[string]HostCounts, len(s.record.hosts))
	for host, h := range s.record.hosts {
		counts[host] = h.counts
	}
	return counts
}

// MaxInFlight is the largest MaxInFlight of any host: 1 means no host ever
// had two requests handled at once.
func (s *Server) MaxInFlight() int {
	s.record.mu.Lock()
	defer s.record.mu.Unlock()
	most := 0
	for _, h := range s.record.hosts {
		most = max(most, h.counts.MaxInFlight)
	}
	return most
}

// PerSecond returns the requests per second of the server's clock, in time
// order, seconds without requests left out.
func (s *Server) PerSecond() []SecondCount {
	s.record.mu.Lock()
	defer s.record.mu.Unlock()
	seconds := make([]SecondCount, 0, len(s.record.perSecond))
	for unix, n := range s.record.perSecond {
		seconds = append(seconds, SecondCount{Unix: unix, Requests: n})
	}
	slices.SortFunc(seconds, func(a, b SecondCount) int { return cmp.Compare(a.Unix, b.Unix) })
	return seconds
}

// FaultCounts returns how many faults of each kind were injected so far.
func (s *Server) FaultCounts() FaultCounts {
	return FaultCounts{
		Error500:  s.faultCounts[fault500].Load(),
		TooMany:   s.faultCounts[fault429].Load(),
		Reset:     s.faultCounts[faultReset].Load(),
		Garbage:   s.faultCounts[faultGarbage].Load(),
		Oversized: s.faultCounts[faultOversized].Load(),
		Drip:      s.faultCounts[faultDrip].Load(),
	}
}

// ServedBool reports whether host was ever sent flags whose flag reads as want
// (by messages.Flags.Bool, so an absent flag reads false). A soak checks with
// it that an answer an actor gave was really served. Drips count as sent once
// they start, even if the client gave up before the end.
func (s *Server) ServedBool(host, flag string, want bool) bool {
	s.record.mu.Lock()
	defer s.record.mu.Unlock()
	h := s.record.hosts[host]
	if h == nil {
		return false
	}
	for fs := range h.served {
		if (messages.Flags{Values: fs.values}).Bool(flag) == want {
			return true
		}
	}
	return false
}

// ServedValues returns the distinct values of flag ever sent to host, sorted;
// versions of the flags without it add nothing.
func (s *Server) ServedValues(host, flag string) []string {
	s.record.mu.Lock()
	defer s.record.mu.Unlock()
	h := s.record.hosts[host]
	if h == nil {
		return nil
	}
	values := map[string]struct{}{}
	for fs := range h.served {
		if v, ok := fs.values[flag]; ok {
			values[v] = struct{}{}
		}
	}
	return slices.Sorted(maps.Keys(values))
}
