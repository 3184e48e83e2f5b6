package flagactor_test

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// Acquire and Release do not wait for the loop, yet one goroutine's calls
// take effect in order: a Stats after them sees them.
func TestCallsOfOneGoroutineTakeEffectInOrder(t *testing.T) {
	const rounds = 1000
	a, _ := newTestActor(t)
	f := answers("true")
	for i := range rounds {
		l := acquire(t, a, "order.example.com", f)
		st := stats(t, a)
		require.Equal(t, 1, st.Leases, "round %d: leases after Acquire", i)
		require.Equal(t, 1, st.Hosts, "round %d: host entries after Acquire", i)
		l.Release()
		st = stats(t, a)
		require.Equal(t, 0, st.Leases, "round %d: leases after Release", i)
		require.Equal(t, 0, st.Hosts, "round %d: host entries after Release", i)
	}
}
