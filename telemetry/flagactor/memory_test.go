package flagactor_test

import (
	"context"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/flagactor/flagactor/telemetry/flagactor"
	"github.com/flagactor/flagactor/telemetry/messages"
)

// heapInUse returns the live heap after a full collection.
func heapInUse() uint64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// distinctFlags serves each host a flag set of its own.
var distinctFlags = flagactor.FetcherFunc(func(_ context.Context, host string) (messages.Flags, error) {
	return messages.Flags{Values: map[string]string{testFlag: "true", "variant": host}}, nil
})

// burst opens, queries and closes one connection on each of n hosts.
func burst(t *testing.T, a *flagactor.Actor, n int) {
	t.Helper()
	ctx := context.Background()
	for i := range n {
		l, err := a.Acquire(ctx, "h"+strconv.Itoa(i)+".example.com", distinctFlags)
		require.NoError(t, err)
		on, err := l.Enabled(ctx, testFlag)
		require.NoError(t, err)
		require.True(t, on)
		l.Release()
	}
}

// After a burst of hosts, each with a flag set of its own, has come and
// gone, the actor gives the memory back: the host map, the wake queue and
// the interned flag-set table all shrink.
func TestMemoryGivenBackAfterBurstOfDistinctFlagSets(t *testing.T) {
	const (
		hosts   = 50000
		perHost = 10 // bytes a host may leave behind
	)
	ttl := time.Minute
	// A first burst on an actor of its own grows what the runtime keeps
	// for good whoever runs (the descriptors of the most goroutines alive at
	// once: fetches, and the mock clock's context watchers), so that the
	// measure below sees the actor's memory only.
	warm, _ := newTestActor(t, flagactor.WithTTL(ttl))
	burst(t, warm, hosts)
	require.NoError(t, warm.Close())

	before := heapInUse()
	a, mock := newTestActor(t, flagactor.WithTTL(ttl))
	burst(t, a, hosts)
	st := advance(t, mock, a, 2*ttl)
	require.Equal(t, 0, st.Hosts, "hosts after every value expired")
	require.Equal(t, uint64(hosts), st.Evictions, "evictions")

	after := heapInUse()
	left := float64(int64(after)-int64(before)) / hosts
	t.Logf("bytes per host left after the burst: %.1f", left)
	require.LessOrEqual(t, left, float64(perHost), "bytes per host left after %d hosts came and went", hosts)
}
