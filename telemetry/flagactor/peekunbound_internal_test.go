package flagactor

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/require"

	"github.com/flagactor/flagactor/telemetry/messages"
)

// A lease whose Acquire the loop has not taken up yet is filed at the host's
// current own-backoff step, so that step does not admit it: its Peek, which
// finds the entry through the recent table, sends nothing, as the loop would
// start no fetch for it.
func TestPeekOfUnboundLeaseInAdmittingStep(t *testing.T) {
	var hold atomic.Bool
	entered, unblock := make(chan struct{}), make(chan struct{})
	var lateTicket atomic.Pointer[ticket]
	var lateQueries atomic.Int64
	mock := clock.NewMock()
	a := New(WithClock(mock), func(c *config) { c.noJitter = true }, withBeforeHandle(func(r request) {
		switch r := r.(type) {
		case acquireRequest:
			if hold.CompareAndSwap(true, false) {
				close(entered)
				<-unblock
			}
		case *queryRequest:
			if r.Ticket == lateTicket.Load() {
				lateQueries.Add(1)
			}
		}
	}))
	defer func() { require.NoError(t, a.Close()) }()
	ctx := context.Background()
	rejected := FetcherFunc(func(context.Context, string) (messages.Flags, error) { return messages.Flags{}, errRejected })
	var good atomic.Int64
	goodFetcher := FetcherFunc(func(context.Context, string) (messages.Flags, error) {
		good.Add(1)
		return messages.Flags{Values: map[string]string{"flag": "true"}}, nil
	})

	// Two leases' own failures in a row: the host backs off, step 1 admits one fetch.
	for range 2 {
		l, err := a.Acquire(ctx, "step.example.com", rejected)
		require.NoError(t, err)
		defer l.Release()
		_, err = l.Enabled(ctx, "flag")
		require.ErrorIs(t, err, ErrCredentialRejected)
	}
	hs, err := a.Hosts(ctx)
	require.NoError(t, err)
	require.Len(t, hs, 1)
	require.False(t, hs[0].RetryAt.IsZero(), "the host does not back off after two own failures in a row")

	hold.Store(true)
	late, err := a.Acquire(ctx, "step.example.com", goodFetcher)
	require.NoError(t, err)
	defer late.Release()
	lateTicket.Store(&late.ticket)
	<-entered // the loop holds the late lease's Acquire
	on, known := late.Peek("flag")
	close(unblock)
	require.False(t, on)
	require.False(t, known)
	_, err = a.Stats(ctx) // the hook has seen every request sent before this
	require.NoError(t, err)
	require.Zero(t, lateQueries.Load(), "queries sent by the Peek of a lease acquired inside the step")
	require.Zero(t, good.Load(), "fetches by a lease acquired inside the step")
}
