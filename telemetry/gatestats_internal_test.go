package telemetry

import (
	"reflect"
	"testing"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/require"

	"github.com/flagactor/flagactor/internal/flagserver"
	"github.com/flagactor/flagactor/telemetry/flagactor"
	"github.com/flagactor/flagactor/telemetry/messages"
)

// TestAddStatsAddsEveryCounter: addStats adds every field of messages.Stats,
// so a counter added there one day is not silently left out of Gate.Stats.
func TestAddStatsAddsEveryCounter(t *testing.T) {
	var one messages.Stats
	v := reflect.ValueOf(&one).Elem()
	for i := range v.NumField() {
		switch f := v.Field(i); f.Kind() {
		case reflect.Int, reflect.Int64:
			f.SetInt(1)
		case reflect.Uint64:
			f.SetUint(1)
		default:
			t.Fatalf("messages.Stats.%s is a %s: teach addStats and this test to add it", v.Type().Field(i).Name, f.Kind())
		}
	}
	sum := reflect.ValueOf(addStats(one, one))
	for i := range sum.NumField() {
		f := sum.Field(i)
		if got := f.Interface(); reflect.ValueOf(got).Convert(reflect.TypeFor[int64]()).Int() != 2 {
			t.Errorf("addStats: %s = %v, want 2: the field is not added", sum.Type().Field(i).Name, got)
		}
	}
}

// TestVersionStats: versionStats gives each driver version's share of the
// Gate's counters, sorted by version.
func TestVersionStats(t *testing.T) {
	server := flagserver.New(flagserver.Config{Flags: map[string]string{TelemetryFlag: "true"}})
	t.Cleanup(func() {
		server.Close()
		server.Client().CloseIdleConnections()
	})
	gate := NewGate(WithActorOptions(flagactor.WithClock(clock.NewMock())))
	t.Cleanup(func() { require.NoError(t, gate.Close(), "Gate.Close") })
	byVersion, err := gate.versionStats(t.Context())
	require.NoError(t, err, "versionStats of a Gate with no actor")
	require.Empty(t, byVersion, "versionStats of a Gate with no actor")

	for _, version := range []string{"2.0.0", "2.0.0", "1.0.0"} {
		conn := gate.Open(t.Context(), ConnConfig{Host: server.Host(), DriverVersion: version, Client: server.Client()})
		require.NoError(t, conn.Err(), "Err of a connection of version %s", version)
		t.Cleanup(conn.Close)
	}
	byVersion, err = gate.versionStats(t.Context())
	require.NoError(t, err, "versionStats")
	require.Equal(t, []versionStats{
		{DriverVersion: "1.0.0", Stats: messages.Stats{Hosts: 1, Leases: 1, Fetches: 1}},
		{DriverVersion: "2.0.0", Stats: messages.Stats{Hosts: 1, Leases: 2, Fetches: 1}},
	}, byVersion, "versionStats")
}
