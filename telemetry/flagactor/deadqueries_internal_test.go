package flagactor

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/require"

	"github.com/flagactor/flagactor/telemetry/messages"
)

// Round 4's defect: queries whose callers have gone piled up behind a full
// mailbox (1,997 of 2,000 stayed queued with nobody waiting). With the loop
// held and the mailbox full, after a late Acquire (its context ended, as an
// Open with no open wait has), 2,000 queries wait and their callers give
// up: at most the mailbox's bound of them may still reach the loop.
func TestDepartedQueriesStayWithinTheBound(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const (
			bound   = 4
			callers = 2000
		)
		departed := 0 // queries of the host taken up by the loop; the loop's alone
		hold, held, release := holdLoop(acquireOf("blocker.example.com"))
		hook := func(r request) {
			if q, ok := r.(*queryRequest); ok && q.Ticket.Host == "dead.example.com" {
				departed++
			}
			hold(r)
		}
		a := New(withMailboxSize(bound), withBeforeHandle(hook))
		defer func() { require.NoError(t, a.Close()) }()
		defer release()
		ctx := context.Background()
		f := FetcherFunc(func(context.Context, string) (messages.Flags, error) {
			return messages.Flags{Values: map[string]string{"flag": "true"}}, nil
		})
		l, err := a.Acquire(ctx, "dead.example.com", f)
		require.NoError(t, err)
		_, err = a.Stats(ctx)
		require.NoError(t, err)

		_, err = a.Acquire(ctx, "blocker.example.com", f)
		require.NoError(t, err)
		<-held
		for range bound { // the mailbox is full now
			_, err := a.Acquire(ctx, "filler.example.com", f)
			require.NoError(t, err)
		}
		ended, cancelEnded := context.WithCancel(ctx)
		cancelEnded()
		_, err = a.Acquire(ended, "late.example.com", f)
		require.NoError(t, err, "a late Acquire")

		gone, leave := context.WithCancel(ctx)
		var wg sync.WaitGroup
		errs := make(chan error, callers)
		for range callers {
			wg.Go(func() {
				_, err := l.Enabled(gone, "flag")
				errs <- err
			})
		}
		synctest.Wait() // every caller waits
		leave()
		wg.Wait()
		close(errs)
		for err := range errs {
			require.ErrorIs(t, err, context.Canceled)
		}
		release()
		_, err = a.Stats(ctx) // the loop has taken up everything queued before
		require.NoError(t, err)
		require.LessOrEqual(t, departed, bound, "queries taken up after their %d callers had gone", callers)
	})
}
