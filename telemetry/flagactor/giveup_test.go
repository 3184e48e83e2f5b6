package flagactor_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

// giveUp is a cause that gives up on the fetch a query waited for.
type giveUp struct{}

func (giveUp) Error() string     { return "gave up" }
func (giveUp) GiveUpFetch() bool { return true }

// TestGiveUpLastsAsLongAsTheFetch: a query whose context ends with a cause
// whose GiveUpFetch is true marks the host's fetch in flight for every lease
// of the entry (their queries return that cause at once), not for another
// namespace's, and the mark goes when that fetch ends; a context that ends
// with no such cause marks nothing.
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
	over, endNow := context.WithCancel(context.Background())
	endNow()

	ctx, cancel := context.WithCancel(context.Background())
	waiting := queryAsync(ctx, first)
	f.waitStarted(t)
	stats(t, a) // the loop has published the fetch in flight
	cancel()
	requireFailed(t, recv(t, waiting), context.Canceled, "Enabled whose ctx ended")
	requireFailed(t, recv(t, queryAsync(over, second)), context.Canceled, "Enabled after a wait that ended without giving up")

	ctx, stop := context.WithCancelCause(context.Background())
	waiting = queryAsync(ctx, first)
	stats(t, a) // the loop has taken the query up
	stop(giveUp{})
	requireFailed(t, recv(t, waiting), context.Canceled, "Enabled whose ctx ended giving up")
	requireFailed(t, enabled(second), giveUp{}, "Enabled of another lease of the entry")
	requireFailed(t, recv(t, queryAsync(over, other)), context.Canceled, "Enabled of another namespace's lease")

	hang.open()
	require.True(t, waitFor(func() bool { _, known := second.Peek(testFlag); return known }), "the fetch's answer published")
	requireOn(t, enabled(second), "Enabled once the fetch answered")
}

// TestGiveUpOutlastsInvalidate: Invalidate while the fetch a caller gave up
// on is still in flight does not end that fetch, so it keeps the mark: later
// queries of the entry still get the cause at once instead of waiting on it.
func TestGiveUpOutlastsInvalidate(t *testing.T) {
	a, _ := newTestActor(t)
	hang := newGate(t)
	f := newFakeFetcher(always(call{flags: flagsWith("true", 0), wait: hang.ch}))
	first := acquire(t, a, "flags.example", f)
	defer first.Release()
	second := acquire(t, a, "flags.example", f)
	defer second.Release()
	over, endNow := context.WithCancel(context.Background())
	endNow()

	ctx, stop := context.WithCancelCause(context.Background())
	waiting := queryAsync(ctx, first)
	f.waitStarted(t)
	stats(t, a) // the loop has taken the query up
	stop(giveUp{})
	requireFailed(t, recv(t, waiting), context.Canceled, "Enabled whose ctx ended giving up")
	requireFailed(t, recv(t, queryAsync(over, second)), giveUp{}, "Enabled of another lease, before Invalidate")

	require.NoError(t, a.Invalidate(context.Background(), "flags.example"))
	requireFailed(t, recv(t, queryAsync(over, second)), giveUp{}, "Enabled of another lease, after Invalidate")

	hang.open()
	require.True(t, waitFor(func() bool { _, known := second.Peek(testFlag); return known }), "the fetch's answer published")
}
