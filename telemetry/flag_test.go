package telemetry_test

import (
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/require"

	"github.com/flagactor/flagactor/internal/flagserver"
	"github.com/flagactor/flagactor/telemetry"
	"github.com/flagactor/flagactor/telemetry/flagactor"
)

// TestConnFlag: Conn.Flag answers any flag of the host, true when served as
// "true" in any case, without allocating while the value is fresh; once the
// value is stale it asks for a refresh, as Enabled does, and sees the new
// value. A connection with an Override asks nothing, and its Flag is false
// for every name; so is a closed connection's.
func TestConnFlag(t *testing.T) {
	server := flagserver.New(flagserver.Config{Flags: map[string]string{
		telemetry.TelemetryFlag: "true",
		"feature.upper":         "TRUE",
		"feature.off":           "false",
		"feature.word":          "yes",
	}})
	t.Cleanup(func() {
		server.Close()
		server.Client().CloseIdleConnections()
	})
	mock := clock.NewMock()
	gate := newGate(t, telemetry.WithActorOptions(flagactor.WithClock(mock), flagactor.WithTTL(time.Hour)))
	conn := gate.Open(t.Context(), connConfig(server))
	defer conn.Close()
	require.NoError(t, conn.Err(), "Err")
	for name, want := range map[string]bool{
		telemetry.TelemetryFlag: true,
		"feature.upper":         true,
		"feature.off":           false,
		"feature.word":          false,
		"feature.absent":        false,
	} {
		require.Equal(t, want, conn.Flag(name), "Flag(%q)", name)
	}
	require.Zero(t, testing.AllocsPerRun(100, func() { conn.Flag("feature.upper") }), "allocations of a fresh Flag")

	server.SetFlag("feature.off", "True")
	mock.Add(2 * time.Hour) // stale: the next Flag asks for a refresh
	require.Eventually(t, func() bool { return conn.Flag("feature.off") }, 10*time.Second, time.Millisecond,
		"Flag never saw the refreshed value")
	require.Equal(t, int64(2), server.Requests(), "requests: the first fetch and one refresh")

	for _, override := range []telemetry.Override{telemetry.OverrideOn, telemetry.OverrideOff} {
		cfg := connConfig(server)
		cfg.Override = override
		overridden := gate.Open(t.Context(), cfg)
		require.False(t, overridden.Flag("feature.upper"), "Flag with override %v", override)
		require.False(t, overridden.Flag(telemetry.TelemetryFlag), "Flag(TelemetryFlag) with override %v", override)
		overridden.Close()
	}
	require.Equal(t, int64(2), server.Requests(), "requests after the connections with an override")

	conn.Close()
	require.False(t, conn.Flag("feature.upper"), "Flag of a closed connection")
	var none *telemetry.Conn
	require.False(t, none.Flag("feature.upper"), "Flag of a nil connection")
}
