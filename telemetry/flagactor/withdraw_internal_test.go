package flagactor

import (
	"context"
	"testing"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/require"

	"github.com/flagactor/flagactor/telemetry/messages"
)

// A lease released before the loop applied its Acquire withdraws it: the
// loop drops the Acquire, no Release message follows, and the host is never
// filed (no entry, no eviction).
func TestReleaseBeforeTheLoopAppliedAcquireWithdrawsIt(t *testing.T) {
	blocking := make(chan struct{})
	unblock := make(chan struct{})
	hook := func(r request) {
		if acq, ok := r.(acquireRequest); ok && acq.Ticket.Host == "blocker.example.com" {
			close(blocking)
			<-unblock
		}
	}
	a := New(WithClock(clock.NewMock()), withBeforeHandle(hook))
	defer func() { require.NoError(t, a.Close()) }()
	ctx := context.Background()
	f := FetcherFunc(func(context.Context, string) (messages.Flags, error) { return messages.Flags{}, nil })

	blocker, err := a.Acquire(ctx, "blocker.example.com", f)
	require.NoError(t, err)
	defer blocker.Release()
	<-blocking // the loop is stuck in the hook, before applying anything else

	l, err := a.Acquire(ctx, "withdrawn.example.com", f)
	require.NoError(t, err)
	l.Release()
	l.Release()
	close(unblock)

	st, err := a.Stats(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, st.Leases, "leases: only the blocker's")
	require.Equal(t, 1, st.Hosts, "hosts: the withdrawn lease's host is never filed")
	require.Equal(t, uint64(0), st.Evictions, "evictions: nothing was filed to evict")
	_, err = l.Enabled(ctx, "flag")
	require.ErrorIs(t, err, ErrReleased, "Enabled on the withdrawn lease")
}
