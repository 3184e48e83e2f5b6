package flagactor_test

import (
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/flagactor/flagactor/telemetry/flagactor"
)

// exitsOnce is a Fetcher whose first call ends its goroutine with exit (as
// t.FailNow and require.* do with runtime.Goexit) and whose later calls
// answer testFlag = true.
func exitsOnce(exit func()) *fakeFetcher {
	f := answers("true")
	f.script = func(n int) call {
		if n == 1 {
			exit()
		}
		return call{flags: flagsWith("true", 0)}
	}
	return f
}

// A Fetcher that ends its goroutine through runtime.Goexit has failed its
// fetch: its waiter gets an error at once, without the fetch timeout, the
// host backs off as after any failure and then fetches again, and a
// lingering host is evicted.
func TestFetcherGoexitIsAFailedFetch(t *testing.T) {
	a, mock := newTestActor(t)
	f := exitsOnce(runtime.Goexit)
	l := acquire(t, a, "goexit.example.com", f)

	requireFailed(t, recv(t, queryAsync(t.Context(), l)), flagactor.ErrFetcherPanic, "query whose Fetcher called runtime.Goexit")
	st := stats(t, a)
	require.Equal(t, uint64(1), st.FetchErrors, "fetch errors")

	advance(t, mock, a, frac(time.Second, 120))
	requireOn(t, enabled(l), "query after the backoff")
	require.Equal(t, 2, f.Calls(), "fetcher calls")

	l.Release()
	st = advance(t, mock, a, 15*time.Minute)
	require.Equal(t, 0, st.Hosts, "hosts once the value expired")
}

// panic(nil) under GODEBUG=panicnil=1 (where recover returns nil) is a
// failed fetch too, not a good answer with no flags.
func TestFetcherPanicNilIsAFailedFetch(t *testing.T) {
	t.Setenv("GODEBUG", "panicnil=1")
	a, _ := newTestActor(t)
	f := exitsOnce(func() { panic(nil) })
	l := acquire(t, a, "panicnil.example.com", f)
	requireFailed(t, enabled(l), flagactor.ErrFetcherPanic, "query whose Fetcher called panic(nil)")
	h, err := a.Hosts(t.Context())
	require.NoError(t, err)
	require.Len(t, h, 1)
	require.Nil(t, h[0].Values, "values cached from a Fetcher that panicked")
}
