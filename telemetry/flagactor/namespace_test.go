package flagactor_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestNamespacesKeepEntriesApart: leases of one host in two namespaces
// (AcquireIn) are two entries: each fetches through its own Fetcher and is
// served its own answer. Hosts lists one row per entry, saying its namespace;
// Lease.Host stays the normalized host; Invalidate reaches the host's entry
// in every namespace.
func TestNamespacesKeepEntriesApart(t *testing.T) {
	a, _ := newTestActor(t)
	on, off := answers("true"), answers("false")
	plain, err := a.Acquire(context.Background(), "Flags.Example:443", on.fetcher())
	require.NoError(t, err, "Acquire")
	other, err := a.AcquireIn(context.Background(), "v2", "https://flags.example/", off.fetcher())
	require.NoError(t, err, "AcquireIn")
	require.Equal(t, "flags.example", plain.Host(), "Host of the lease in namespace \"\"")
	require.Equal(t, "flags.example", other.Host(), "Host of the lease in namespace v2")

	requireOn(t, enabled(plain), "Enabled in namespace \"\"")
	got := enabled(other)
	require.NoError(t, got.err, "Enabled in namespace v2")
	require.False(t, got.on, "Enabled in namespace v2: served the other namespace's answer")
	require.Equal(t, 1, on.Calls(), "fetches of namespace \"\"")
	require.Equal(t, 1, off.Calls(), "fetches of namespace v2")

	hosts, err := a.Hosts(context.Background())
	require.NoError(t, err, "Hosts")
	require.Len(t, hosts, 2, "Hosts: one row per entry")
	for i, ns := range []string{"", "v2"} {
		require.Equal(t, "flags.example", hosts[i].Host, "Host of row %d", i)
		require.Equal(t, ns, hosts[i].Namespace, "Namespace of row %d", i)
		require.True(t, hosts[i].Fresh, "Fresh of row %d", i)
	}

	fresh := func() []bool {
		hosts, err := a.Hosts(context.Background())
		require.NoError(t, err, "Hosts")
		out := make([]bool, len(hosts))
		for i, h := range hosts {
			out[i] = h.Fresh
		}
		return out
	}
	require.NoError(t, a.Invalidate(context.Background(), "flags.example"), "Invalidate")
	require.Equal(t, []bool{false, false}, fresh(), "Fresh after Invalidate")
	plain.Release()
	other.Release()
}
