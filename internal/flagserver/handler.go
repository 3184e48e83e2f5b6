package flagserver

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// serveFlags answers one request to the flag path: it records it, waits its
// latency, then answers the mode's status, a fault, or the flags.
func (s *Server) serveFlags(w http.ResponseWriter, r *http.Request) {
	host := r.Host
	s.requests.Add(1)
	s.record.begin(host, s.clock.Now())
	defer s.record.end(host)
	if s.onRequest != nil {
		s.onRequest(host)
	}

	faults := *s.faults.Load()
	latency, fault := s.draw(*s.latency.Load(), faults)
	if !s.wait(r.Context(), latency) {
		// NB: ErrAbortHandler drops the connection without a log line, so a
		// client still listening sees an error, never an empty 200.
		panic(http.ErrAbortHandler)
	}
	if m := *s.mode.Load(); m.Status != 0 && m.Status != http.StatusOK {
		writeStatus(w, m.Status, m.RetryAfter)
		return
	}
	if fault != faultNone {
		s.faultCounts[fault].Add(1)
	}
	flags := s.flags.Load()
	switch fault {
	case faultNone:
		s.record.served(host, flags)
		w.Header().Set("Content-Type", "application/json")
		w.Write(flags.body)
	case fault500:
		writeStatus(w, http.StatusInternalServerError, 0)
	case fault429:
		writeStatus(w, http.StatusTooManyRequests, faults.retryAfter())
	case faultReset:
		resetMidResponse(w, flags)
	case faultGarbage:
		writeGarbage(w)
	case faultOversized:
		writeOversized(w, flags)
	case faultDrip:
		s.record.served(host, flags)
		s.drip(r.Context(), w, flags, faults)
	default:
		panic(fmt.Sprintf("flagserver: unknown fault %d", fault))
	}
}

// draw picks this request's latency and fault from the shared seeded source.
func (s *Server) draw(l Latency, f Faults) (time.Duration, fault) {
	s.randMu.Lock()
	defer s.randMu.Unlock()
	latency := l.Min
	if l.Max > l.Min {
		latency += time.Duration(s.rand.Int64N(int64(l.Max-l.Min) + 1))
	}
	return latency, f.pick(s.rand.Float64())
}

// wait sleeps d of real time and reports whether it ran out, rather than the
// request's context ending or the server closing.
func (s *Server) wait(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		select {
		case <-ctx.Done():
			return false
		case <-s.closing:
			return false
		default:
			return true
		}
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-s.closing:
		return false
	}
}

// writeStatus answers status with a small JSON error body, the way the real
// service does, and Retry-After in whole seconds when retryAfter is positive.
func writeStatus(w http.ResponseWriter, status int, retryAfter time.Duration) {
	if retryAfter > 0 {
		seconds := (retryAfter + time.Second - 1) / time.Second
		w.Header().Set("Retry-After", strconv.FormatInt(int64(seconds), 10))
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"error_code":%q,"message":%q}`, strconv.Itoa(status), http.StatusText(status))
}
