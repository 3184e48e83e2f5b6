package flagactor

import (
	"log/slog"
	"time"

	"github.com/flagactor/flagactor/telemetry/messages"
)

// fetchDone applies what a fetch goroutine reported.
func (s *loopState) fetchDone(r fetchResult) {
	e := s.hosts[r.Key]
	if e == nil || e.inflight == nil || e.inflight.attempt != r.Attempt {
		return // not this entry's fetch
	}
	f := s.endFetch(e)
	switch {
	case f.timedOut:
		// Already failed at its timeout; its goroutine has returned, so the
		// host is free for the next fetch. The answer itself is too late.
		if !e.fresh {
			s.publishUnfresh(e)
		}
	case r.Err != nil && r.Err.own:
		s.leaseFailed(e, f, r)
	case r.Err != nil:
		s.fetchFailed(e, f, r)
	default:
		f.by.ownFetchSucceeded()
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
	e.failures, e.retryAt, e.lastErr = 0, 0, nil
	if f.invalidated {
		e.fresh = false
		s.publishUnfresh(e)
	} else {
		e.fresh = true
		e.slot.publish(set.freshUntil(e.expiresAt))
	}
	f.answer(queryReply{Flags: set.values.Flags})
}

// fetchFailed starts the backoff and answers the waiters with the last good
// value, or the error when there is none.
func (s *loopState) fetchFailed(e *hostEntry, f *inflight, r fetchResult) {
	s.stats.FetchErrors++
	e.failures++
	e.retryAt = s.backoffUntil(s.retryDelay(e.failures, r.RetryAfter))
	e.lastErr = r.Err
	if s.logging() {
		s.log(logEvent{level: slog.LevelWarn, msg: "flagactor: fetch failed, backing off", host: e.host,
			errText: r.Err.Error(), delay: time.Duration(e.retryAt - s.now)})
	}
	if e.flags != nil {
		f.answer(queryReply{Flags: e.flags.values.Flags})
	} else {
		f.answer(queryReply{Err: e.lastError()})
	}
	s.publishUnfresh(e)
}
