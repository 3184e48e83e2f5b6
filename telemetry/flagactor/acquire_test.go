package flagactor_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flagactor/flagactor/telemetry/flagactor"
)

func TestAcquireNeverFetches(t *testing.T) {
	a, _ := newTestActor(t)
	f := answers("true")
	for _, host := range []string{"a.example.com", "b.example.com", "c.example.com"} {
		for range 4 {
			acquire(t, a, host, f)
		}
	}
	st := stats(t, a)
	require.Equal(t, 0, f.Calls(), "fetcher calls after Acquire only")
	require.Equal(t, uint64(0), st.Fetches, "fetches")
	require.Equal(t, 3, st.Hosts, "host entries")
	require.Equal(t, 12, st.Leases, "leases")
}

func TestAcquireRejectsInvalidHost(t *testing.T) {
	a, _ := newTestActor(t)
	f := answers("true")
	for _, raw := range []string{"", "host/path", "user:pw@host", "host:0"} {
		l, err := a.Acquire(context.Background(), raw, f.fetcher())
		require.ErrorIs(t, err, flagactor.ErrInvalidHost, "Acquire(%q)", raw)
		require.Nil(t, l, "Acquire(%q) returned a lease with its error", raw)
	}
	st := stats(t, a)
	require.Equal(t, 0, st.Leases, "leases held after invalid hosts")
	require.Equal(t, 0, st.Hosts, "host entries after invalid hosts")
}

func TestAcquireRejectsNilFetcher(t *testing.T) {
	a, _ := newTestActor(t)
	l, err := a.Acquire(context.Background(), "host.example.com", nil)
	require.EqualError(t, err, "flagactor: nil fetcher")
	require.Nil(t, l)
	st := stats(t, a)
	require.Equal(t, 0, st.Leases, "leases")
	require.Equal(t, 0, st.Hosts, "host entries")
}

func TestLeaseHostIsNormalized(t *testing.T) {
	a, _ := newTestActor(t)
	l := acquire(t, a, "https://HOST.example.com.:443/", answers("true"))
	require.Equal(t, "host.example.com", l.Host())
}
