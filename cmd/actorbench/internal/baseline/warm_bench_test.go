package baseline

import (
	"context"
	"testing"
	"time"

	"unsafe"

	"github.com/benbjohnson/clock"
)

// enabledTimeNow is Enabled's warm path as the published design writes it:
// the same locks and fields, but time read with time.Now (time.Since)
// directly instead of through the injected clock. It reports whether the
// value was fresh, so the benchmark can check it measured the warm path.
func enabledTimeNow(c *Cache, host string) (value, fresh bool) {
	c.mu.RLock()
	hc := c.hosts[host]
	c.mu.RUnlock()
	if hc == nil {
		return false, false
	}
	hc.mu.RLock()
	fresh = hc.hasValue && time.Since(hc.lastFetched) < CacheDuration
	value = hc.value
	hc.mu.RUnlock()
	return value, fresh
}

// BenchmarkWarmQuery compares the baseline's warm query, on the wall clock
// through the injected clock.Clock as actorbench runs it, with the same path
// calling time.Now directly. Run it with -cpu 1,2,8 and benchstat: the two
// should be within 10%, so that the baseline is as cheap as the design it
// stands for.
func BenchmarkWarmQuery(b *testing.B) {
	c := New(clock.New())
	c.Acquire(host)
	f := serving("true", 0)
	ctx := context.Background()
	if on, err := c.Enabled(ctx, host, f, flag); !on || err != nil {
		b.Fatalf("warm-up query = (%v, %v)", on, err)
	}
	b.Run("impl=injected-clock", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if on, _ := c.Enabled(ctx, host, f, flag); !on {
					b.Error("warm query answered false")
					return
				}
			}
		})
	})
	b.Run("impl=time.Now", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if on, fresh := enabledTimeNow(c, host); !on || !fresh {
					b.Error("warm query not answered from a fresh value")
					return
				}
			}
		})
	})
	if got := f.calls.Load(); got != 1 {
		b.Errorf("fetches = %d, want 1: a query left the warm path", got)
	}
}

// The clock every query reads sits at least a cache line away from the lock
// every query writes, so reading it never misses for the lock's sake.
func TestClockIsOffTheLocksCacheLine(t *testing.T) {
	var c Cache
	lockEnd := int(unsafe.Offsetof(c.mu) + unsafe.Sizeof(c.mu))
	clockAt := int(unsafe.Offsetof(c.clock))
	if clockAt-lockEnd < 64 {
		t.Errorf("clock at offset %d, the lock ends at %d: want the clock at least 64 bytes after", clockAt, lockEnd)
	}
}
