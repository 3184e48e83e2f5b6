package flagactor_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/flagactor/flagactor/telemetry/flagactor"
	"github.com/flagactor/flagactor/telemetry/messages"
)

// hostsOf lists the hosts as the loop sees them, bounded by the guard.
func hostsOf(t *testing.T, a *flagactor.Actor) []messages.HostStatus {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), guard)
	defer cancel()
	hosts, err := a.Hosts(ctx)
	require.NoError(t, err, "Hosts")
	return hosts
}

// statusOf returns host's status, failing the test when it is not listed.
func statusOf(t *testing.T, a *flagactor.Actor, host string) messages.HostStatus {
	t.Helper()
	for _, h := range hostsOf(t, a) {
		if h.Host == host {
			return h
		}
	}
	t.Fatalf("host %q not listed", host)
	return messages.HostStatus{}
}

// A host leased but never queried: only its leases.
func TestHostsCold(t *testing.T) {
	a, _ := newTestActor(t)
	acquire(t, a, "https://Cold.Example.com/", answers("true"))
	acquire(t, a, "cold.example.com", answers("true"))
	require.Equal(t, []messages.HostStatus{{Host: "cold.example.com", Leases: 2}}, hostsOf(t, a))
}

func TestHostsFetching(t *testing.T) {
	a, _ := newTestActor(t)
	unblock := newGate(t)
	f := newFakeFetcher(always(call{flags: flagsWith("true", 0), wait: unblock.ch}))
	l := acquire(t, a, "slow.example.com", f)
	pending := queryAsync(context.Background(), l)
	f.waitStarted(t)
	require.Equal(t, messages.HostStatus{Host: "slow.example.com", Leases: 1, Fetching: true},
		statusOf(t, a, "slow.example.com"))
	unblock.open()
	requireOn(t, recv(t, pending), "query that waited on the fetch")
	require.False(t, statusOf(t, a, "slow.example.com").Fetching, "Fetching after the fetch")
}

// A fresh value: its flags (a copy), when it arrived and when it turns
// stale, on the injected clock; then stale, with the same value and times.
func TestHostsFreshThenStale(t *testing.T) {
	ttl := 10 * time.Minute
	a, mock := newTestActor(t, flagactor.WithTTL(ttl))
	advance(t, mock, a, time.Hour) // the loop's clock is past its epoch
	l := acquire(t, a, "flags.example.com", answers("true"))
	requireOn(t, enabled(l), "first query")
	fetchedAt := mock.Now()

	fresh := statusOf(t, a, "flags.example.com")
	require.Equal(t, map[string]string{testFlag: "true"}, fresh.Values, "Values")
	require.True(t, fresh.Fresh, "Fresh")
	require.True(t, fresh.FetchedAt.Equal(fetchedAt), "FetchedAt %v, want %v", fresh.FetchedAt, fetchedAt)
	require.False(t, fresh.ExpiresAt.Before(fetchedAt.Add(frac(ttl, 90))), "ExpiresAt %v, more than 10%% early", fresh.ExpiresAt)
	require.False(t, fresh.ExpiresAt.After(fetchedAt.Add(ttl)), "ExpiresAt %v, later than the TTL", fresh.ExpiresAt)
	require.Equal(t, 1, fresh.Leases, "Leases")
	require.False(t, fresh.Fetching, "Fetching")
	require.Zero(t, fresh.Failures, "Failures")
	require.Zero(t, fresh.RetryAt, "RetryAt")
	require.Empty(t, fresh.LastError, "LastError")

	fresh.Values[testFlag] = "false" // a copy: the actor's value is untouched
	require.Equal(t, "true", statusOf(t, a, "flags.example.com").Values[testFlag], "Values after the caller changed its copy")
	requireOn(t, enabled(l), "query after the caller changed its copy")

	advance(t, mock, a, ttl)
	stale := statusOf(t, a, "flags.example.com")
	require.False(t, stale.Fresh, "Fresh after the TTL")
	want := fresh
	want.Values = map[string]string{testFlag: "true"}
	want.Fresh = false
	require.Equal(t, want, stale, "status of the stale value")
}

// A failing host: its failures, when it may fetch again, and why it failed;
// a success clears them.
func TestHostsFailingWithBackoff(t *testing.T) {
	a, mock := newTestActor(t)
	f := newFakeFetcher(func(n int) call {
		if n <= 2 {
			return call{err: errBoom}
		}
		return call{flags: flagsWith("true", 0)}
	})
	l := acquire(t, a, "down.example.com", f)
	requireFailed(t, enabled(l), errBoom, "first query")
	failedAt := mock.Now()

	st := statusOf(t, a, "down.example.com")
	require.Equal(t, 1, st.Failures, "Failures")
	require.False(t, st.RetryAt.Before(failedAt.Add(time.Second)), "RetryAt %v, before the 1s backoff", st.RetryAt)
	require.False(t, st.RetryAt.After(failedAt.Add(frac(time.Second, 120))), "RetryAt %v, past the jittered 1s backoff", st.RetryAt)
	require.Contains(t, st.LastError, errBoom.Error(), "LastError")
	require.Nil(t, st.Values, "Values of a host that never fetched")
	require.False(t, st.Fresh, "Fresh")
	require.Zero(t, st.FetchedAt, "FetchedAt")
	require.Zero(t, st.ExpiresAt, "ExpiresAt")
	require.False(t, st.Fetching, "Fetching")

	advance(t, mock, a, 2*time.Second)
	require.Zero(t, statusOf(t, a, "down.example.com").RetryAt, "RetryAt once the backoff has passed")
	requireFailed(t, enabled(l), errBoom, "second query")
	require.Equal(t, 2, statusOf(t, a, "down.example.com").Failures, "Failures after the second failure")

	advance(t, mock, a, 3*time.Second)
	requireOn(t, enabled(l), "query after the backoff")
	st = statusOf(t, a, "down.example.com")
	require.Zero(t, st.Failures, "Failures after a success")
	require.Zero(t, st.RetryAt, "RetryAt after a success")
	require.Empty(t, st.LastError, "LastError after a success")
	require.True(t, st.Fresh, "Fresh after a success")
}

// A refresh that fails keeps the last good value beside the failure.
func TestHostsFailedRefreshKeepsValue(t *testing.T) {
	ttl := 10 * time.Minute
	a, mock := newTestActor(t, flagactor.WithTTL(ttl))
	f := newFakeFetcher(func(n int) call {
		if n == 1 {
			return call{flags: flagsWith("true", 0)}
		}
		return call{err: errBoom}
	})
	l := acquire(t, a, "flaky.example.com", f)
	requireOn(t, enabled(l), "first query")
	fetchedAt := mock.Now()
	advance(t, mock, a, ttl)
	requireOn(t, enabled(l), "stale query that starts the refresh")
	waitStats(t, a, func(s messages.Stats) bool { return s.FetchErrors == 1 }, "the refresh to fail")

	st := statusOf(t, a, "flaky.example.com")
	require.Equal(t, map[string]string{testFlag: "true"}, st.Values, "Values")
	require.True(t, st.FetchedAt.Equal(fetchedAt), "FetchedAt %v, want %v", st.FetchedAt, fetchedAt)
	require.False(t, st.Fresh, "Fresh")
	require.Equal(t, 1, st.Failures, "Failures")
	require.False(t, st.RetryAt.IsZero(), "RetryAt")
	require.Contains(t, st.LastError, errBoom.Error(), "LastError")
}

// A host without leases is listed while it lingers, and not once evicted.
func TestHostsLingering(t *testing.T) {
	ttl := 10 * time.Minute
	a, mock := newTestActor(t, flagactor.WithTTL(ttl))
	l := acquire(t, a, "idle.example.com", answers("true"))
	requireOn(t, enabled(l), "first query")
	l.Release()
	st := statusOf(t, a, "idle.example.com")
	require.Zero(t, st.Leases, "Leases of a lingering host")
	require.True(t, st.Fresh, "Fresh")

	advance(t, mock, a, ttl)
	require.Empty(t, hostsOf(t, a), "hosts once the lingering host is evicted")
}

func TestHostsSortedByHost(t *testing.T) {
	a, _ := newTestActor(t)
	for _, host := range []string{"c.example.com", "a.example.com", "b.example.com:8443", "b.example.com"} {
		acquire(t, a, host, answers("true"))
	}
	var got []string
	for _, h := range hostsOf(t, a) {
		got = append(got, h.Host)
	}
	require.Equal(t, []string{"a.example.com", "b.example.com", "b.example.com:8443", "c.example.com"}, got)
}

func TestHostsAfterClose(t *testing.T) {
	a, _ := newTestActor(t)
	require.NoError(t, a.Close())
	_, err := a.Hosts(context.Background())
	require.ErrorIs(t, err, flagactor.ErrClosed, "Hosts after Close")
}
