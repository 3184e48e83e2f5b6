package flagactor

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/flagactor/flagactor/telemetry/messages"
)

// fetchDone applies what a fetch goroutine reported.
func (s *loopState) fetchDone(r fetchResult) {
	e := s.hosts[r.Host]
	if e == nil || e.inflight == nil || e.inflight.attempt != r.Attempt {
		return // the loop already gave up on this fetch
	}
	f := s.endFetch(e)
	if r.Err != nil {
		s.fetchFailed(e, f, r.Err)
	} else {
		s.fetchSucceeded(e, f, r.Flags)
	}
	s.settle(e)
}

// fetchSucceeded publishes the new value and answers the waiters.
func (s *loopState) fetchSucceeded(e *hostEntry, f *inflight, flags messages.Flags) {
	set := s.flagSets.intern(flags.Values)
	s.logValues(e.host, e.flags, set)
	s.flagSets.release(e.flags)
	e.flags = set
	ttl := s.answerTTL(flags.TTL)
	e.fetchedAt, e.expiresAt = s.now, s.expiryFor(ttl)
	e.fresh = true
	e.slot.publish(set.fresh)
	e.failures, e.retryAt, e.lastErr = 0, 0, nil
	f.answer(queryReply{Flags: set.fresh.Flags})
}

// fetchFailed starts the backoff and answers the waiters with the last good
// value, or the error when there is none.
func (s *loopState) fetchFailed(e *hostEntry, f *inflight, cause error) {
	s.stats.FetchErrors++
	e.failures++
	e.retryAt = s.now + int64(min(s.retryDelay(e.failures, cause), time.Duration(noWake-1-s.now)))
	e.lastErr = fmt.Errorf("flagactor: fetch %s: %w", e.host, cause)
	if s.logging() {
		s.log(logEvent{level: slog.LevelWarn, msg: "flagactor: fetch failed, backing off", host: e.host,
			errText: e.lastErr.Error(), delay: time.Duration(e.retryAt - s.now)})
	}
	if e.flags != nil {
		f.answer(queryReply{Flags: e.flags.stale.Flags})
	} else {
		f.answer(queryReply{Err: e.lastErr})
	}
	s.publishUnfresh(e)
}
