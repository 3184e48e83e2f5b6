package flagactor_test

// The failure policy's defects found in round four, one test each (see
// failpolicy.go for the table they hold the actor to).

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/flagactor/flagactor/telemetry/flagactor"
	"github.com/flagactor/flagactor/telemetry/messages"
)

// badTokenRetryAfter is a credential rejection that also asks for a wait.
type badTokenRetryAfter struct{ wait time.Duration }

func (e badTokenRetryAfter) Error() string             { return "flag service: 401, retry later" }
func (e badTokenRetryAfter) RetryAfter() time.Duration { return e.wait }
func (e badTokenRetryAfter) Unwrap() error             { return flagactor.ErrCredentialRejected }

// A pool that opens a connection per statement, whose every connection's
// token is refused (or whose client is broken), costs at most three times
// the requests one held connection makes: twenty statements in a row make at
// most three requests, where one held connection querying twenty times makes
// one.
func TestPerStatementPoolOfOwnFailuresIsCheap(t *testing.T) {
	for _, cause := range []error{errBadToken, errDial} {
		t.Run(fmt.Sprint(cause), func(t *testing.T) {
			a, _ := newTestActor(t)
			host := "pool.example.com"
			held := newFakeFetcher(always(call{err: cause}))
			l := acquire(t, a, "held.example.com", held)
			for range 20 {
				requireFailed(t, enabled(l), cause, "query of the held connection")
			}
			require.Equal(t, 1, held.Calls(), "requests of one held connection")

			requests := 0
			for i := range 20 {
				f := newFakeFetcher(always(call{err: cause}))
				pl := acquire(t, a, host, f)
				got := enabled(pl)
				require.False(t, got.on, "statement %d", i)
				require.Error(t, got.err, "statement %d", i)
				pl.Release()
				requests += f.Calls()
			}
			require.LessOrEqual(t, requests, 3, "requests of twenty per-statement connections; one held connection makes 1")
		})
	}
}

// The last good value survives such a pool: a connection whose refresh
// failed on its own client leaves the entry lingering through its backoff,
// so the next connection is still answered from the value.
func TestPerStatementPoolKeepsTheLastGoodValue(t *testing.T) {
	ttl := 10 * time.Minute
	a, mock := newTestActor(t, flagactor.WithTTL(ttl))
	host := "pool.example.com"
	first := acquire(t, a, host, answers("true"))
	requireOn(t, enabled(first), "the first connection's query")
	first.Release()
	advance(t, mock, a, frac(ttl, 80)) // still fresh; the entry lingers for its value

	for i := range 20 {
		f := newFakeFetcher(always(call{err: errBadToken}))
		l := acquire(t, a, host, f)
		if i == 0 {
			stats(t, a)                        // the Acquire is applied before the clock moves
			advance(t, mock, a, frac(ttl, 20)) // the value turns stale while this one holds it
		}
		requireOn(t, enabled(l), fmt.Sprintf("statement %d (the stale value)", i))
		st := stats(t, a)
		if st.Fetches > st.FetchErrors+1 {
			st = waitStats(t, a, func(s messages.Stats) bool { return s.Fetches == s.FetchErrors+1 }, "the refresh to end")
		}
		l.Release()
		require.LessOrEqual(t, st.Fetches, uint64(1+3), "requests after statement %d", i)
		advance(t, mock, a, 10*time.Millisecond) // the statements follow each other within the host's first step
	}
	good := acquire(t, a, host, answers("false"))
	got := stats(t, a)
	require.Equal(t, 1, got.Hosts, "the entry is still held")
	requireOn(t, enabled(good), "the next connection with a good client gets the last good value at once")
}

// A connection with a good token is not starved behind a busy pool that
// shares one bad token and always asks first: it is answered within a few
// steps of the host's backoff.
func TestGoodLeaseNotStarvedByBadPool(t *testing.T) {
	a, mock := newTestActor(t)
	host := "shared.example.com"
	good := answers("true")
	goodLease := acquire(t, a, host, good)
	bad := 0
	for minute := range 24 * 60 {
		for range 2 {
			f := newFakeFetcher(always(call{err: errBadToken}))
			l := acquire(t, a, host, f)
			enabled(l)
			l.Release()
			bad += f.Calls()
		}
		if got := enabled(goodLease); got.err == nil && got.on {
			t.Logf("answered after %d minutes, %d bad fetches", minute, bad)
			require.LessOrEqual(t, minute, 3, "minutes before the good connection was answered")
			return
		}
		advance(t, mock, a, time.Minute)
	}
	t.Fatalf("after a simulated day the good connection asked %d times (%d bad fetches)", good.Calls(), bad)
}

// A fetch in flight when Invalidate came starts no backoff when it fails,
// neither the host's (a server error) nor its lease's (a refused token): the
// next query fetches.
func TestInvalidateDuringFailingFetchStartsNoBackoff(t *testing.T) {
	for _, cause := range []error{errBoom, errBadToken, retryAfterError{time.Hour}} {
		t.Run(cause.Error(), func(t *testing.T) {
			a, _ := newTestActor(t)
			unblock := newGate(t)
			f := newFakeFetcher(func(n int) call {
				if n == 1 {
					return call{err: cause, wait: unblock.ch}
				}
				return call{flags: flagsWith("true", 0)}
			})
			host := "fixed.example.com"
			l := acquire(t, a, host, f)
			waiter := queryAsync(context.Background(), l)
			f.waitStarted(t)
			require.NoError(t, invalidate(a, host), "Invalidate while the fetch is in flight")
			unblock.open()
			requireFailed(t, recv(t, waiter), cause, "the waiter of the invalidated fetch")
			requireOn(t, enabled(l), "the next query fetches")
			require.Equal(t, 2, f.Calls(), "fetcher calls")
			st := hostsOf(t, a)[0]
			require.Zero(t, st.Failures, "failures after the good fetch")
		})
	}
}

// After Invalidate ends a lease's own backoff, Peek asks again, even when
// the server asked that lease to wait a day and the host's stale answer
// reads as it did when the lease's backoff began.
func TestPeekAsksAgainAfterInvalidate(t *testing.T) {
	ttl := 10 * time.Minute
	a, mock := newTestActor(t, flagactor.WithTTL(ttl))
	host := "creds.example.com"
	good := answers("true")
	goodLease := acquire(t, a, host, good)
	bad := newFakeFetcher(func(n int) call {
		if n == 1 {
			return call{err: badTokenRetryAfter{24 * time.Hour}}
		}
		return call{flags: flagsWith("true", 0)}
	})
	l := acquire(t, a, host, bad)
	refresh := func(want int) {
		t.Helper()
		requireOn(t, enabled(goodLease), "the good lease's query")
		require.True(t, waitFor(func() bool { return good.Calls() == want }), "the good lease's fetch %d", want)
		waitStats(t, a, func(s messages.Stats) bool { return s.Fetches == s.FetchErrors+uint64(want) }, "the fetch to end")
	}
	refresh(1)
	advance(t, mock, a, ttl)
	requireOn(t, enabled(l), "the bad lease's query of the stale value")
	waitStats(t, a, func(s messages.Stats) bool { return s.FetchErrors == 1 }, "the bad lease's refused refresh")
	refresh(2)
	advance(t, mock, a, ttl)
	peekOf(l) // refused inside the lease's own backoff
	stats(t, a)
	require.Equal(t, 1, bad.Calls(), "calls of the bad lease inside its backoff")

	require.NoError(t, invalidate(a, host), "Invalidate")
	refresh(3)
	advance(t, mock, a, ttl)
	require.True(t, waitFor(func() bool { peekOf(l); return bad.Calls() == 2 }), "Peek after Invalidate never asked")
}

// HostStatus never says Fresh: false with an ExpiresAt still ahead, after
// Invalidate of a fresh value among others.
func TestHostStatusAfterInvalidateIsNotAheadOfTheClock(t *testing.T) {
	ttl := 15 * time.Minute
	a, mock := newTestActor(t, flagactor.WithTTL(ttl))
	host := "fresh.example.com"
	l := acquire(t, a, host, answers("true"))
	requireOn(t, enabled(l), "the first query")
	advance(t, mock, a, time.Minute)
	require.NoError(t, invalidate(a, host))
	st := hostsOf(t, a)[0]
	require.False(t, st.Fresh, "fresh after Invalidate")
	require.False(t, st.ExpiresAt.After(mock.Now()), "ExpiresAt %v is ahead of the clock %v while not fresh", st.ExpiresAt, mock.Now())
}

// A clock read more than 146 years after its reading at New still fetches:
// the reading saturates rather than wraps.
func TestClockFarAfterNewStillFetches(t *testing.T) {
	a, mock := newTestActor(t)
	mock.Add(200 * 365 * 24 * time.Hour)
	f := answers("true")
	l := acquire(t, a, "future.example.com", f)
	requireOn(t, enabled(l), "the first query, 200 years after New")
	require.Equal(t, 1, f.Calls(), "fetcher calls")
}

// Nor behind a busy pool of held connections that share one bad token and
// always ask first: each of them, once its client has failed, never takes a
// step's one admitted fetch again, so the good connection gets one after at
// most one step per bad connection, however often they fail.
func TestGoodLeaseNotStarvedByHeldBadPool(t *testing.T) {
	a, mock := newTestActor(t)
	host := "shared.example.com"
	good := answers("true")
	goodLease := acquire(t, a, host, good)
	var pool []*flagactor.Lease
	for range 5 {
		pool = append(pool, acquire(t, a, host, newFakeFetcher(always(call{err: errBadToken}))))
	}
	for step := range 24 * 60 {
		for _, l := range pool {
			enabled(l)
		}
		if got := enabled(goodLease); got.err == nil && got.on {
			t.Logf("answered after %d minutes (%d fetches)", step, stats(t, a).Fetches)
			require.LessOrEqual(t, step, len(pool), "minutes before the good connection was answered")
			return
		}
		advance(t, mock, a, time.Minute)
	}
	t.Fatalf("after a simulated day the good connection asked %d times (%d fetches)", good.Calls(), stats(t, a).Fetches)
}

// The same when the invalidated fetch times out: no backoff, and the next
// query, once the Fetcher has returned, fetches. (Found by the model test,
// run against the code before the table.)
func TestInvalidateDuringFetchThatTimesOutStartsNoBackoff(t *testing.T) {
	timeout := 10 * time.Second
	a, mock := newTestActor(t, flagactor.WithFetchTimeout(timeout))
	unblock := newGate(t)
	f := newFakeFetcher(func(n int) call {
		if n == 1 {
			return call{wait: unblock.ch, honourCtx: true}
		}
		return call{flags: flagsWith("true", 0)}
	})
	host := "slow.example.com"
	l := acquire(t, a, host, f)
	waiter := queryAsync(context.Background(), l)
	f.waitStarted(t)
	require.NoError(t, invalidate(a, host), "Invalidate while the fetch is in flight")
	advance(t, mock, a, timeout)
	requireFailed(t, recv(t, waiter), flagactor.ErrFetchTimeout, "the waiter of the invalidated fetch")
	waitStats(t, a, func(s messages.Stats) bool { return s.FetchErrors == 1 }, "the timeout")
	require.True(t, waitFor(func() bool { return !hostsOf(t, a)[0].Fetching }), "the timed-out Fetcher never returned")
	requireOn(t, enabled(l), "the next query fetches")
	require.Equal(t, 2, f.Calls(), "fetcher calls")
}
