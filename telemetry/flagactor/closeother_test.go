package flagactor_test

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/require"

	"github.com/flagactor/flagactor/telemetry/flagactor"
	"github.com/flagactor/flagactor/telemetry/messages"
)

// Round 4's defect: Close called from another actor's Fetcher returned while
// this actor's fetch was still running. It waits for this actor's fetch
// goroutines (within the fetch timeout) wherever it is called from.
func TestCloseFromAnotherActorsFetcherWaitsForThisActorsFetch(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a := flagactor.New()
		unblock := make(chan struct{})
		var opened sync.Once
		open := func() { opened.Do(func() { close(unblock) }) }
		defer open() // before a failing test's end, so no goroutine is left
		slow := flagactor.FetcherFunc(func(ctx context.Context, _ string) (messages.Flags, error) {
			<-ctx.Done()
			<-unblock // cleaning up after cancellation takes a while
			return messages.Flags{}, ctx.Err()
		})
		la, err := a.Acquire(context.Background(), "slow.example.com", slow)
		require.NoError(t, err)
		waiter := queryAsync(context.Background(), la)
		synctest.Wait() // a's fetch runs

		b := flagactor.New()
		defer func() { require.NoError(t, b.Close()) }()
		closed := make(chan error, 1)
		closer := flagactor.FetcherFunc(func(context.Context, string) (messages.Flags, error) {
			closed <- a.Close()
			return flagsWith("true", 0), nil
		})
		lb, err := b.Acquire(context.Background(), "closer.example.com", closer)
		require.NoError(t, err)
		closerWaiter := queryAsync(context.Background(), lb)
		synctest.Wait() // b's Fetcher is in a.Close, a's fetch in its cleanup
		requireFailed(t, <-waiter, flagactor.ErrClosed, "a's query")
		require.Empty(t, closed, "a.Close, called from b's Fetcher, returned while a's fetch goroutine was running")

		open()
		require.NoError(t, <-closed, "a.Close from b's Fetcher")
		requireOn(t, <-closerWaiter, "b's query")
	})
}
