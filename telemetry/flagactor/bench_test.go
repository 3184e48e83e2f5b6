package flagactor_test

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"testing"

	"github.com/flagactor/flagactor/telemetry/flagactor"
	"github.com/flagactor/flagactor/telemetry/messages"
)

const benchFlag = "databricks.partnerplatform.clientConfigsFeatureFlags.enableTelemetryForGoDriver"

var benchFetcher = flagactor.FetcherFunc(func(context.Context, string) (messages.Flags, error) {
	return messages.Flags{Values: map[string]string{benchFlag: "true"}}, nil
})

// runAtParallelism runs body from p goroutines in total, whatever GOMAXPROCS
// is; p=1 is one goroutine (RunParallel starts at least GOMAXPROCS).
func runAtParallelism(b *testing.B, p int, body func(next func() bool)) {
	if p == 1 {
		i := 0
		body(func() bool { i++; return i <= b.N })
		return
	}
	procs := runtime.GOMAXPROCS(0)
	b.SetParallelism((p + procs - 1) / procs)
	b.RunParallel(func(pb *testing.PB) { body(pb.Next) })
}

// BenchmarkWarmQuery is a query of a fresh value: the path every statement of
// every connection takes.
func BenchmarkWarmQuery(b *testing.B) {
	for _, p := range []int{1, 2, 8} {
		b.Run(fmt.Sprintf("p=%d", p), func(b *testing.B) {
			a := flagactor.New()
			defer a.Close()
			ctx := context.Background()
			lease, err := a.Acquire(ctx, "bench.example.com", benchFetcher)
			if err != nil {
				b.Fatal(err)
			}
			defer lease.Release()
			if on, err := lease.Enabled(ctx, benchFlag); !on || err != nil {
				b.Fatalf("warm-up: got %v, %v", on, err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			runAtParallelism(b, p, func(next func() bool) {
				for next() {
					if on, _ := lease.Enabled(ctx, benchFlag); !on {
						b.Error("flag off")
						return
					}
				}
			})
		})
	}
}

// BenchmarkAcquireRelease is a connection's open and close on hosts that stay
// in use (each host keeps one lease, so nothing is evicted or fetched).
func BenchmarkAcquireRelease(b *testing.B) {
	for _, hosts := range []int{1, 1000} {
		for _, p := range []int{1, 2, 8} {
			b.Run(fmt.Sprintf("hosts=%d/p=%d", hosts, p), func(b *testing.B) {
				a := flagactor.New()
				defer a.Close()
				ctx := context.Background()
				names := make([]string, hosts)
				for i := range names {
					names[i] = "host-" + strconv.Itoa(i) + ".example.com"
					pin, err := a.Acquire(ctx, names[i], benchFetcher)
					if err != nil {
						b.Fatal(err)
					}
					defer pin.Release()
				}
				b.ReportAllocs()
				b.ResetTimer()
				runAtParallelism(b, p, func(next func() bool) {
					i := 0
					for next() {
						lease, err := a.Acquire(ctx, names[i%hosts], benchFetcher)
						if err != nil {
							b.Error(err)
							return
						}
						lease.Release()
						i++
					}
				})
				// Timed: the pairs are not done until the loop has applied them.
				if _, err := a.Stats(ctx); err != nil {
					b.Fatal(err)
				}
			})
		}
	}
}

// liveLeases is how many pairs a lease lives in BenchmarkAcquireReleaseLive:
// a connection closes long after it opened.
const liveLeases = 1024

// BenchmarkAcquireReleaseLive is a connection's open and close with leases
// that live: each pair opens a lease and closes the one its goroutine opened
// liveLeases pairs earlier, so the loop has applied that lease's Acquire and
// its Release is a message of its own (no withdraw shortcut).
func BenchmarkAcquireReleaseLive(b *testing.B) {
	for _, hosts := range []int{1, 1000} {
		for _, p := range []int{1, 2, 8} {
			b.Run(fmt.Sprintf("hosts=%d/p=%d", hosts, p), func(b *testing.B) {
				a := flagactor.New()
				defer a.Close()
				ctx := context.Background()
				names := make([]string, hosts)
				for i := range names {
					names[i] = "host-" + strconv.Itoa(i) + ".example.com"
				}
				// One ring of live leases per goroutine, opened before the
				// clock starts; RunParallel starts parallelism*GOMAXPROCS.
				goroutines := 1
				if p > 1 {
					procs := runtime.GOMAXPROCS(0)
					goroutines = (p + procs - 1) / procs * procs
				}
				rings := make(chan []*flagactor.Lease, goroutines)
				for g := range goroutines {
					ring := make([]*flagactor.Lease, liveLeases)
					for i := range ring {
						l, err := a.Acquire(ctx, names[(g*liveLeases+i)%hosts], benchFetcher)
						if err != nil {
							b.Fatal(err)
						}
						ring[i] = l
					}
					rings <- ring
				}
				if _, err := a.Stats(ctx); err != nil { // every ring's Acquire applied
					b.Fatal(err)
				}
				b.ReportAllocs()
				b.ResetTimer()
				runAtParallelism(b, p, func(next func() bool) {
					ring := <-rings
					defer func() { rings <- ring }()
					i := 0
					for next() {
						slot := i % liveLeases
						lease, err := a.Acquire(ctx, names[i%hosts], benchFetcher)
						if err != nil {
							b.Error(err)
							return
						}
						ring[slot].Release()
						ring[slot] = lease
						i++
					}
				})
				// Timed: the pairs are not done until the loop has applied them.
				if _, err := a.Stats(ctx); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				for range goroutines {
					for _, l := range <-rings {
						l.Release()
					}
				}
			})
		}
	}
}
