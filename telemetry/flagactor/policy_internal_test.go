package flagactor

import (
	"testing"
	"time"
)

// An answer's life ends up to 10% early and never late; a long TTL's end
// falls on a whole second, so hosts fetched together share a timer firing.
func TestExpiryForBounds(t *testing.T) {
	for _, tc := range []struct {
		name    string
		ttl     time.Duration
		rounded bool
	}{
		{"server default 15m", 15 * time.Minute, true},
		{"clamped minimum 1m", time.Minute, true},
		{"short TTL 5s", 5 * time.Second, false},
		{"tiny TTL 1ms", time.Millisecond, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &loopState{}
			for i := range 2000 {
				s.now = int64(i) * int64(333*time.Millisecond) // not on a whole second
				life := time.Duration(s.expiryFor(tc.ttl) - s.now)
				if life > tc.ttl || life < tc.ttl-tc.ttl/10 {
					t.Fatalf("life %v of an answer with TTL %v: want within [%v, %v]", life, tc.ttl, tc.ttl-tc.ttl/10, tc.ttl)
				}
				if at := s.expiryFor(tc.ttl); tc.rounded && at%int64(expiryGrain) != 0 {
					t.Fatalf("expiry %v of TTL %v is not on a whole second", time.Duration(at), tc.ttl)
				}
			}
		})
	}
}
