package mutexpolicy

import (
	"context"

	"testing"

	"github.com/benbjohnson/clock"
	"github.com/flagactor/flagactor/telemetry/messages"
)

// BenchmarkWarmQuery times a query of a fresh value on the wall clock, the
// path every statement takes. Run it with -cpu 1,2 and benchstat.
func BenchmarkWarmQuery(b *testing.B) {
	c := New(clock.New())
	defer c.Close()
	l, err := c.Acquire(host, &fetcher{fn: on(0)})
	if err != nil {
		b.Fatal(err)
	}
	defer l.Release()
	ctx := context.Background()
	if v, err := l.Enabled(ctx, "f"); !v || err != nil {
		b.Fatalf("warm-up query: (%v, %v)", v, err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if v, _ := l.Enabled(ctx, "f"); !v {
				b.Error("warm query answered false")
				return
			}
		}
	})
}

// BenchmarkOpenClose times a connection's open and close on a host that
// stays in use, each pair closing the lease opened 1024 pairs before, as
// actorbench's acquire-release scenario does.
func BenchmarkOpenClose(b *testing.B) {
	c := New(clock.New())
	defer c.Close()
	f := &fetcher{fn: func(context.Context) (messages.Flags, error) { return messages.Flags{}, nil }}
	pin, err := c.Acquire(host, f)
	if err != nil {
		b.Fatal(err)
	}
	defer pin.Release()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		ring := make([]*Lease, 1024)
		for i := range ring {
			ring[i], _ = c.Acquire(host, f)
		}
		for i := 0; pb.Next(); i = (i + 1) % len(ring) {
			l, err := c.Acquire(host, f)
			if err != nil {
				b.Error(err)
				return
			}
			ring[i].Release()
			ring[i] = l
		}
		for _, l := range ring {
			l.Release()
		}
	})
}
