package telemetry

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flagactor/flagactor/telemetry/messages"
)

// debugRecords is a logger that keeps every record, debug ones too, as JSON
// lines in a buffer.
func debugRecords() (*slog.Logger, *bytes.Buffer) {
	var buf bytes.Buffer
	return slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})), &buf
}

// captureDefault points slog.Default at a buffer that keeps debug records
// for the rest of the test.
func captureDefault(t *testing.T) *bytes.Buffer {
	logger, buf := debugRecords()
	saved := slog.Default()
	slog.SetDefault(logger)
	t.Cleanup(func() { slog.SetDefault(saved) })
	return buf
}

// oddFlagsServer answers with flags of every type the fetcher skips, one of
// them named with the request's Authorization header, and a ttl_seconds that
// is not a number.
func oddFlagsServer(t *testing.T) *httptest.Server {
	return startTLS(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"flags":[`+
			`{"name":"`+TelemetryFlag+`","value":"true"},`+
			`{"name":"future.flag","value":{"rollout":0.5}},`+
			`{"name":"`+r.Header.Get("Authorization")+`","value":3},`+
			`{"name":"off","value":null},`+
			`null,`+
			`{"name":"other","value":false}`+
			`],"ttl_seconds":"soon"}`)
	}))
}

// TestFetchSkipsOddFlags checks that flags the fetcher cannot read, and a
// ttl_seconds that is not a number, are left out of an answer that keeps
// every other flag. A connection's fetcher makes a debug record of each on
// the Gate's logger, naming the host, the part's place and what was wrong,
// but not the flag: its name is the server's.
func TestFetchSkipsOddFlags(t *testing.T) {
	onDefault := captureDefault(t)
	logger, records := debugRecords()
	srv := oddFlagsServer(t)
	fetcher := newConnFetcher(ConnConfig{
		Host: hostOf(srv), DriverVersion: testVersion,
		Client: &http.Client{Transport: tokenTransport{base: srv.Client().Transport, token: bearer}},
	}, logger)

	got, err := fetcher.Fetch(context.Background(), hostOf(srv))

	require.NoError(t, err)
	require.Equal(t, messages.Flags{Values: map[string]string{TelemetryFlag: "true", "other": "false"}}, got)
	require.NotContains(t, records.String(), secret)
	type record struct {
		Level, Msg, Host, Problem string
		Index                     *int
	}
	var got2 []record
	for _, line := range strings.Split(strings.TrimSpace(records.String()), "\n") {
		var r record
		require.NoError(t, json.Unmarshal([]byte(line), &r), "record %q", line)
		require.Equal(t, "DEBUG", r.Level)
		require.Equal(t, hostOf(srv), r.Host)
		require.NotEmpty(t, r.Msg)
		var fields map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &fields))
		require.NotContains(t, fields, "flag", "a record names a skipped flag")
		r.Level, r.Msg, r.Host = "", "", ""
		got2 = append(got2, r)
	}
	index := func(i int) *int { return &i }
	require.Equal(t, []record{
		{Index: index(1), Problem: "value is an object"},
		{Index: index(2), Problem: "value is a number"},
		{Index: index(3), Problem: "value is null"},
		{Index: index(4), Problem: "entry is null, not an object"},
		{Problem: "ttl_seconds is a string, not a number"},
	}, got2)
	require.Empty(t, onDefault.String(), "a record went to slog.Default")
}

// TestFetchSkipsQuietly checks that an odd flag costs no record where there
// is no logger to take it: a plain HTTPFetcher, and a connection's fetcher
// without a logger, log nothing, to slog.Default neither. So does one whose
// logger has debug records off.
func TestFetchSkipsQuietly(t *testing.T) {
	onDefault := captureDefault(t)
	var infoOnly bytes.Buffer
	srv := oddFlagsServer(t)
	cfg := ConnConfig{Host: hostOf(srv), DriverVersion: testVersion, Client: srv.Client()}
	for name, fetcher := range map[string]interface {
		Fetch(context.Context, string) (messages.Flags, error)
	}{
		"HTTPFetcher":                   newFetcher(srv),
		"connection without a logger":   newConnFetcher(cfg, nil),
		"connection, debug records off": newConnFetcher(cfg, slog.New(slog.NewJSONHandler(&infoOnly, &slog.HandlerOptions{Level: slog.LevelInfo}))),
	} {
		t.Run(name, func(t *testing.T) {
			got, err := fetcher.Fetch(context.Background(), hostOf(srv))

			require.NoError(t, err)
			require.Equal(t, map[string]string{TelemetryFlag: "true", "other": "false"}, got.Values)
			require.Empty(t, onDefault.String(), "a record went to slog.Default")
			require.Empty(t, infoOnly.String())
		})
	}
}
