package flagactor

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// policyTTLs are the lifetimes the expiry tests run with: the default, the
// server's clamp bounds, and short and tiny ones.
var policyTTLs = []time.Duration{15 * time.Minute, time.Hour, time.Minute, 61 * time.Second, 5 * time.Second, time.Millisecond}

// Every expiry, a cold fetch's or a refresh's, comes at most 10% of the TTL
// early and never late.
func TestExpiryForBounds(t *testing.T) {
	for _, ttl := range policyTTLs {
		t.Run(ttl.String(), func(t *testing.T) {
			for range 50 {
				s := &loopState{a: &Actor{}}
				for i := range 200 {
					s.now = int64(i)*int64(333*time.Millisecond) + rand.Int64N(int64(ttl))
					life := time.Duration(s.expiryFor(ttl) - s.now)
					if life > ttl || life < ttl-ttl/10 {
						t.Fatalf("life %v of an answer with TTL %v: want within [%v, %v]", life, ttl, ttl-ttl/10, ttl)
					}
				}
			}
		})
	}
}

// A fleet started at one instant spreads its first refreshes over the
// jitter window; after that, a value refreshed within a tenth of a TTL of its
// expiry lives its whole TTL, so refreshes are spread once, not shortened
// forever.
func TestExpiryForSpreadsOnceThenKeepsTheFullTTL(t *testing.T) {
	for _, ttl := range policyTTLs {
		t.Run(ttl.String(), func(t *testing.T) {
			const fleet = 1000
			firsts := map[int64]int{} // first expiry, in tenths of the jitter window -> processes
			for range fleet {
				s := &loopState{a: &Actor{}} // one process: its own loop
				s.now = 0                    // every process fetches cold at the same instant
				at := s.expiryFor(ttl)
				firsts[(at-int64(ttl-ttl/10))*100/int64(ttl)]++
				for range 20 {
					// The refresh comes after the expiry, by less than a tenth of the TTL.
					s.now = at + rand.Int64N(int64(ttl/10))
					next := s.expiryFor(ttl)
					// From one expiry to the next: the whole TTL (up to the 9ns
					// that dividing it into tenths can lose), however late in
					// that tenth the refresh came.
					if period := time.Duration(next - at); period < ttl-9 || period > ttl {
						t.Fatalf("expiry %v after a refresh %v past the previous expiry, want %v", period, time.Duration(s.now-at), ttl)
					}
					at = next
				}
			}
			if len(firsts) < 10 {
				t.Errorf("first expiries of %d processes fetched at once fall into %d of 10 tenths of the jitter window: not spread", fleet, len(firsts))
			}
			for tenth, n := range firsts {
				if n > fleet/10*2 {
					t.Errorf("%d of %d first expiries fall into tenth %d of the jitter window", n, fleet, tenth)
				}
			}
		})
	}
}

// Backoff and expiry saturate: a TTL too long to add to a time neither
// overflows into a negative delay nor expires a value at once, whatever the
// number of failures and wherever the clock reads (before the epoch too).
func TestPolicySaturates(t *testing.T) {
	s := &loopState{a: &Actor{cfg: config{ttl: math.MaxInt64}}}
	for _, now := range []int64{-int64(time.Hour), 0, int64(time.Hour)} {
		s.now = now
		prev := time.Duration(0)
		for failures := int32(1); failures <= 70; failures++ {
			d := s.retryDelay(failures, 0)
			if d < prev {
				t.Fatalf("delay after %d failures %v, less than after %d: %v", failures, d, failures-1, prev)
			}
			prev = d
		}
		if at := s.expiryFor(math.MaxInt64); at <= now {
			t.Fatalf("now %d: expiry %d of a value with the longest TTL is not after now", now, at)
		}
	}
}
