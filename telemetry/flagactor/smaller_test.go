package flagactor_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/flagactor/flagactor/telemetry/flagactor"
	"github.com/flagactor/flagactor/telemetry/messages"
)

// After Close, every call answers ErrClosed, a released lease's included.
func TestReleasedLeaseAfterCloseAnswersErrClosed(t *testing.T) {
	a, _ := newTestActor(t)
	l := acquire(t, a, "done.example.com", answers("true"))
	l.Release()
	require.NoError(t, a.Close())
	requireFailed(t, enabled(l), flagactor.ErrClosed, "Enabled on a released lease after Close")
}

// StaleServed counts queries answered from a stale value; a Peek that
// starts a refresh is not one.
func TestPeekNudgeIsNotStaleServed(t *testing.T) {
	ttl := 10 * time.Minute
	a, mock := newTestActor(t, flagactor.WithTTL(ttl))
	l := acquire(t, a, "peek.example.com", answers("true"))
	requireOn(t, enabled(l), "first query")
	advance(t, mock, a, ttl)
	require.Equal(t, peek{true, true}, peekOf(l), "Peek of a stale value")
	st := waitStats(t, a, func(s messages.Stats) bool { return s.Fetches == 2 }, "the refresh Peek started")
	require.Equal(t, uint64(0), st.StaleServed, "stale answers after a Peek only")
}
