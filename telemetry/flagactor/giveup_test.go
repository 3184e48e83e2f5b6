package flagactor_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestGiveUpLastsAsLongAsTheFetch: GiveUp marks the host's fetch in flight
// for every lease of the entry (GivenUp), and the mark goes when that fetch
// ends; with no fetch in flight GiveUp marks nothing.
func TestGiveUpLastsAsLongAsTheFetch(t *testing.T) {
	a, _ := newTestActor(t)
	hang := newGate(t)
	f := newFakeFetcher(always(call{flags: flagsWith("true", 0), wait: hang.ch}))
	first := acquire(t, a, "flags.example", f)
	defer first.Release()
	second := acquire(t, a, "flags.example", f)
	defer second.Release()
	other, err := a.AcquireIn(context.Background(), "v2", "flags.example", f.fetcher())
	require.NoError(t, err, "AcquireIn")
	defer other.Release()

	first.GiveUp()
	require.False(t, second.GivenUp(), "GivenUp with no fetch in flight")

	ctx, cancel := context.WithCancel(context.Background())
	waiting := queryAsync(ctx, first)
	f.waitStarted(t)
	stats(t, a) // the loop has published the fetch in flight
	cancel()
	requireFailed(t, recv(t, waiting), context.Canceled, "Enabled whose ctx ended")
	first.GiveUp()
	require.True(t, second.GivenUp(), "GivenUp of another lease of the entry")
	require.False(t, other.GivenUp(), "GivenUp of another namespace's lease")

	hang.open()
	requireOn(t, enabled(second), "Enabled once the fetch answered")
	require.False(t, second.GivenUp(), "GivenUp once the fetch ended")
}
