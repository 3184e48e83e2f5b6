package telemetry_test

import (
	"database/sql"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flagactor/flagactor/telemetry"
	"github.com/flagactor/flagactor/telemetry/messages"
)

func TestParseOverride(t *testing.T) {
	tests := []struct {
		name    string
		value   string
		want    telemetry.Override
		wantErr bool
	}{
		{name: "unset", value: "", want: telemetry.OverrideUnset},
		{name: "true", value: "true", want: telemetry.OverrideOn},
		{name: "false", value: "false", want: telemetry.OverrideOff},
		{name: "one", value: "1", want: telemetry.OverrideOn},
		{name: "zero", value: "0", want: telemetry.OverrideOff},
		{name: "upper case", value: "TRUE", want: telemetry.OverrideOn},
		{name: "yes", value: "yes", wantErr: true},
		{name: "no", value: "no", wantErr: true},
		{name: "padded", value: " true", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := telemetry.ParseOverride(tt.value)
			if tt.wantErr {
				require.Error(t, err, "ParseOverride(%q)", tt.value)
				require.ErrorContains(t, err, "enableTelemetry", "the error names the setting")
				require.Equal(t, telemetry.OverrideUnset, got, "ParseOverride(%q) with an error", tt.value)
				return
			}
			require.NoError(t, err, "ParseOverride(%q)", tt.value)
			require.Equal(t, tt.want, got, "ParseOverride(%q): got %v, want %v", tt.value, got, tt.want)
		})
	}
}

// TestParseOverrideErrorSaysWhatIsAccepted: the error of a value ParseOverride
// refuses names the setting and the value, and lists every
// spelling it accepts (those of strconv.ParseBool), each of which parses.
func TestParseOverrideErrorSaysWhatIsAccepted(t *testing.T) {
	_, err := telemetry.ParseOverride("yes")
	require.ErrorContains(t, err, `enableTelemetry="yes"`, "the error names the setting and the value")
	for _, value := range []string{"1", "t", "T", "TRUE", "true", "True", "0", "f", "F", "FALSE", "false", "False"} {
		require.Regexp(t, `[ :,]`+value+`(,| or |$)`, err.Error(), "the error lists %q", value)
		_, parseErr := telemetry.ParseOverride(value)
		require.NoError(t, parseErr, "ParseOverride(%q)", value)
	}
}

// TestDecisionOrder: the client's override, then the server's flag.
func TestDecisionOrder(t *testing.T) {
	tests := []struct {
		name         string
		override     telemetry.Override
		server       string
		want         bool
		wantRequests int64
	}{
		{name: "unset, server true", override: telemetry.OverrideUnset, server: "true", want: true, wantRequests: 1},
		{name: "unset, server false", override: telemetry.OverrideUnset, server: "false", want: false, wantRequests: 1},
		{name: "unset, server not a bool", override: telemetry.OverrideUnset, server: "maybe", want: false, wantRequests: 1},
		{name: "on, server false", override: telemetry.OverrideOn, server: "false", want: true, wantRequests: 0},
		{name: "off, server true", override: telemetry.OverrideOff, server: "true", want: false, wantRequests: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			server := startFlagServer(t, tt.server)
			gate := newGate(t)
			cfg := connConfig(server)
			cfg.Override = tt.override

			conn := gate.Open(t.Context(), cfg)
			defer conn.Close()
			require.NoError(t, conn.Err(), "Err")
			require.Equal(t, tt.want, conn.Enabled(), "Enabled at open")
			require.Equal(t, tt.want, conn.Enabled(), "Enabled")
			require.Equal(t, tt.wantRequests, server.Requests(), "requests to the flag endpoint")
		})
	}
}

// TestOverrideOffNeverAsks: enableTelemetry=false asks the server nothing,
// however many connections open and query.
func TestOverrideOffNeverAsks(t *testing.T) {
	server := startFlagServer(t, "true")
	gate := newGate(t)
	cfg := connConfig(server)
	cfg.Override = telemetry.OverrideOff

	for range 50 {
		conn := gate.Open(t.Context(), cfg)
		require.NoError(t, conn.Err(), "Err")
		require.False(t, conn.Enabled(), "Enabled at open")
		require.False(t, conn.Enabled(), "Enabled")
		conn.Close()
	}

	connector := &testConnector{gate: gate, cfg: cfg}
	db := sql.OpenDB(connector)
	t.Cleanup(func() { db.Close() })
	db.SetMaxOpenConns(20)
	db.SetMaxIdleConns(0)
	require.Zero(t, runQueries(t, t.Context(), db, 200), "queries that found telemetry on")
	closeDB(t, db, connector)
	require.Zero(t, connector.onAtOpen.Load(), "connections on at open, of %d opened", connector.opened.Load())

	require.Zero(t, server.Requests(), "requests to the flag endpoint")
	require.Equal(t, messages.Stats{}, gateStats(t, gate), "actor stats: the actor should not have been used")
}

// TestOverrideOnWithServerDown: enableTelemetry=true is on when the flag
// service cannot be reached, and asks it nothing.
func TestOverrideOnWithServerDown(t *testing.T) {
	host, client, sent := downServer(t)
	gate := newGate(t)
	cfg := telemetry.ConnConfig{Host: host, DriverVersion: driverVersion, Client: client, Override: telemetry.OverrideOn}

	for range 10 {
		conn := gate.Open(t.Context(), cfg)
		require.NoError(t, conn.Err(), "Err")
		require.True(t, conn.Enabled(), "Enabled at open")
		require.True(t, conn.Enabled(), "Enabled")
		conn.Close()
	}
	require.Zero(t, sent.requests.Load(), "requests sent to the flag service")
	require.Equal(t, messages.Stats{}, gateStats(t, gate), "actor stats: the actor should not have been used")

	// Without the override the same server is off, and Err says why.
	cfg.Override = telemetry.OverrideUnset
	conn := gate.Open(t.Context(), cfg)
	defer conn.Close()
	require.False(t, conn.Enabled(), "Enabled at open, server down, no override")
	require.False(t, conn.Enabled(), "Enabled, server down, no override")
	require.Error(t, conn.Err(), "Err, server down, no override")
	require.Equal(t, int64(1), sent.requests.Load(), "requests sent without the override")
}

// TestOverrideFromBool: a driver that keeps enableTelemetry as a *bool
// passes it as it is: nil follows the server, true and false override it.
func TestOverrideFromBool(t *testing.T) {
	on, off := true, false
	require.Equal(t, telemetry.OverrideUnset, telemetry.OverrideFromBool(nil), "OverrideFromBool(nil)")
	require.Equal(t, telemetry.OverrideOn, telemetry.OverrideFromBool(&on), "OverrideFromBool(&true)")
	require.Equal(t, telemetry.OverrideOff, telemetry.OverrideFromBool(&off), "OverrideFromBool(&false)")
}
