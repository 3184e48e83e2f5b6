package telemetry_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/flagactor/flagactor/telemetry"
	"github.com/flagactor/flagactor/telemetry/flagactor"
)

// TestGateHostsNamesEachVersion: a Gate serving two driver versions of one
// host lists the host once per version, each with its own version's values.
func TestGateHostsNamesEachVersion(t *testing.T) {
	s := startVersionServer(t, map[string]string{"1.0.0": "true", "2.0.0": "false"})
	g := newGate(t)
	for _, version := range []string{"2.0.0", "1.0.0"} {
		c := g.Open(t.Context(), telemetry.ConnConfig{Host: s.host(), DriverVersion: version, Client: s.Client()})
		require.NoError(t, c.Err(), "Open %s", version)
		defer c.Close()
	}

	hosts, err := g.Hosts(t.Context())
	require.NoError(t, err)
	require.Len(t, hosts, 2)
	for i, want := range []struct{ version, value string }{{"1.0.0", "true"}, {"2.0.0", "false"}} {
		h := hosts[i]
		require.Equal(t, want.version, h.Namespace, "hosts[%d] driver version", i)
		require.Equal(t, s.host(), h.Host, "hosts[%d]", i)
		require.Equal(t, want.value, h.Values[telemetry.TelemetryFlag], "hosts[%d] value", i)
		require.True(t, h.Fresh, "hosts[%d] fresh", i)
		require.Equal(t, 1, h.Leases, "hosts[%d] leases", i)
	}
}

// TestGateInvalidateRefetchesEveryVersion: after Gate.Invalidate, the next
// check of each version's connection starts one new request for that
// version, and the connections stay on their last value meanwhile.
func TestGateInvalidateRefetchesEveryVersion(t *testing.T) {
	s := startVersionServer(t, map[string]string{"1.0.0": "true", "2.0.0": "true"})
	g := newGate(t)
	var conns []*telemetry.Conn
	for _, version := range []string{"1.0.0", "2.0.0"} {
		c := g.Open(t.Context(), telemetry.ConnConfig{Host: s.host(), DriverVersion: version, Client: s.Client()})
		require.True(t, c.Enabled(), "Open %s: %v", version, c.Err())
		defer c.Close()
		conns = append(conns, c)
	}
	require.Equal(t, map[string]int{flagPath("1.0.0"): 1, flagPath("2.0.0"): 1}, s.seen())

	require.NoError(t, g.Invalidate(t.Context(), "https://"+s.host()+"/"))
	hosts, err := g.Hosts(t.Context())
	require.NoError(t, err)
	for _, h := range hosts {
		require.False(t, h.Fresh, "%s after Invalidate", h.Namespace)
	}
	for _, c := range conns {
		require.True(t, c.Enabled(), "a stale value still serves")
	}
	require.Eventually(t, func() bool {
		seen := s.seen()
		return seen[flagPath("1.0.0")] == 2 && seen[flagPath("2.0.0")] == 2
	}, 10*time.Second, time.Millisecond, "one new request per version after Invalidate: %v", s.seen())
}

// TestGateInvalidateBadHost: an invalid host is ErrInvalidHost, an unknown
// one is no error, and a closed Gate is ErrClosed.
func TestGateInvalidateBadHost(t *testing.T) {
	g := telemetry.NewGate()
	require.ErrorIs(t, g.Invalidate(t.Context(), "user:pw@host/path"), flagactor.ErrInvalidHost)
	require.NoError(t, g.Invalidate(t.Context(), "unknown.example.com"))
	require.NoError(t, g.Close())
	require.ErrorIs(t, g.Invalidate(t.Context(), "unknown.example.com"), flagactor.ErrClosed)
	_, err := g.Hosts(t.Context())
	require.ErrorIs(t, err, flagactor.ErrClosed)
}
