package flagactor_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/flagactor/flagactor/telemetry/flagactor"
	"github.com/flagactor/flagactor/telemetry/messages"
)

// errBadToken is what a Fetcher returns when the server refused its token.
var errBadToken = fmt.Errorf("flag service: 401 Unauthorized: %w", flagactor.ErrCredentialRejected)

// One connection's refused credentials are its own: that lease backs off,
// the host does not, and another lease's query fetches at once with its own
// Fetcher; the fresh value then serves every lease.
func TestCredentialRejectionIsTheLeasesOwn(t *testing.T) {
	ttl := 10 * time.Minute
	a, mock := newTestActor(t, flagactor.WithTTL(ttl))
	bad := newFakeFetcher(always(call{err: errBadToken}))
	good := answers("true")
	host := "shared.example.com"
	badLease := acquire(t, a, host, bad)
	goodLease := acquire(t, a, host, good)

	requireFailed(t, enabled(badLease), flagactor.ErrCredentialRejected, "query of the lease with a bad token")
	requireFailed(t, enabled(badLease), flagactor.ErrCredentialRejected, "query of the bad lease inside its backoff")
	require.Equal(t, 1, bad.Calls(), "calls of the bad Fetcher inside its backoff")

	requireOn(t, enabled(goodLease), "query of another lease right after")
	require.Equal(t, 1, good.Calls(), "calls of the good Fetcher")
	requireOn(t, enabled(badLease), "query of the bad lease once a fresh value is in")
	require.Equal(t, 1, bad.Calls(), "calls of the bad Fetcher")

	// Stale: the bad lease's refresh fails; the host keeps its value, and
	// the good lease's query refreshes at once.
	advance(t, mock, a, ttl)
	requireOn(t, enabled(badLease), "stale query of the bad lease")
	waitStats(t, a, func(s messages.Stats) bool { return s.FetchErrors == 2 }, "the bad lease's refresh to fail")
	requireOn(t, enabled(goodLease), "stale query of the good lease")
	require.True(t, waitFor(func() bool { return good.Calls() == 2 }), "the good lease's refresh never ran")
	require.Equal(t, 2, bad.Calls(), "calls of the bad Fetcher")
	require.Equal(t, uint64(4), stats(t, a).Fetches, "fetches")
}

// Queries of other leases that waited on a fetch whose credentials were
// rejected do not get that lease's error: the next of them fetches with its
// own Fetcher, and they all get its answer. Still one fetch at a time.
func TestCredentialRejectionHandsWaitersToAnotherLease(t *testing.T) {
	a, _ := newTestActor(t)
	unblock := newGate(t)
	bad := newFakeFetcher(always(call{err: errBadToken, wait: unblock.ch}))
	good := answers("true")
	host := "shared.example.com"
	badWaiter := queryAsync(context.Background(), acquire(t, a, host, bad))
	bad.waitStarted(t)
	var waiters []<-chan answer
	for range 3 {
		waiters = append(waiters, queryAsync(context.Background(), acquire(t, a, host, good)))
	}
	waitStats(t, a, func(s messages.Stats) bool { return s.Coalesced == 3 }, "three waiters")
	unblock.open()
	requireFailed(t, recv(t, badWaiter), flagactor.ErrCredentialRejected, "the bad lease's own query")
	for i, w := range waiters {
		requireOn(t, recv(t, w), fmt.Sprintf("waiter %d of another lease", i))
	}
	require.Equal(t, 1, good.Calls(), "calls of the good Fetchers: one fetch for all")
	require.Equal(t, uint64(2), stats(t, a).Fetches, "fetches")
}

// A pool whose every connection has a bad token is an outage every
// connection sees: after two leases' rejections in a row the host backs off
// too, so the pool makes at most three times the requests of one connection
// (one per step of the backoff, which doubles from 1s, capped at the WithTTL
// value), and no lease more than one per step. (Before issue 18 every lease
// made exactly one request per step: 100 connections, 100 times the
// requests.)
func TestBadTokenPoolCostsAtMostThreeTimesOneLease(t *testing.T) {
	const leases = 100
	ttl := 16 * time.Second
	a, mock := newTestActor(t, flagactor.WithTTL(ttl))
	host := "locked.example.com"
	fetchers := make([]*fakeFetcher, leases)
	held := make([]*flagactor.Lease, leases)
	for i := range leases {
		fetchers[i] = newFakeFetcher(always(call{err: errBadToken}))
		held[i] = acquire(t, a, host, fetchers[i])
	}
	queryAll := func(step int) {
		t.Helper()
		var wg sync.WaitGroup
		for i := range leases {
			wg.Go(func() {
				for range 3 {
					got := enabled(held[i])
					if got.on || !errorIsCredential(got.err) {
						t.Errorf("step %d lease %d: got %+v, want false and a credential rejection", step, i, got)
					}
				}
			})
		}
		wg.Wait()
	}
	requests := func() int {
		n := 0
		for _, f := range fetchers {
			n += f.Calls()
		}
		return n
	}
	total := 0
	for step, backoff := range []time.Duration{0, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, ttl, ttl} {
		if backoff > 0 {
			advance(t, mock, a, backoff-time.Millisecond)
			queryAll(step)
			require.Equal(t, total, requests(), "requests %v into a backoff of %v", backoff-time.Millisecond, backoff)
			advance(t, mock, a, frac(backoff, 120)-backoff+time.Millisecond)
		}
		queryAll(step)
		for i, f := range fetchers {
			require.LessOrEqual(t, f.Calls(), step+1, "lease %d: requests after step %d", i, step)
		}
		now := requests()
		require.LessOrEqual(t, now, 3*(step+1), "requests of the pool after step %d: one lease makes %d", step, step+1)
		t.Logf("step %d (backoff %v): %d requests in the step, %d in all", step, backoff, now-total, now)
		total = now
	}
	st := stats(t, a)
	require.Equal(t, uint64(total), st.Fetches, "fetches")
	require.Equal(t, 1, st.Hosts, "hosts")
}

func errorIsCredential(err error) bool { return errors.Is(err, flagactor.ErrCredentialRejected) }
