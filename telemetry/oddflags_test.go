package telemetry

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flagactor/flagactor/telemetry/messages"
)

// captureDebug points the fetcher's debug records at a buffer of JSON lines
// for the rest of the test.
func captureDebug(t *testing.T) *bytes.Buffer {
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	saved := debugLogger
	debugLogger = func() *slog.Logger { return logger }
	t.Cleanup(func() { debugLogger = saved })
	return &buf
}

// TestFetchSkipsOddFlags checks that flags the fetcher cannot read, and a
// ttl_seconds that is not a number, are left out of an answer that keeps
// every other flag, each with a debug record naming the host and what was
// wrong.
func TestFetchSkipsOddFlags(t *testing.T) {
	records := captureDebug(t)
	srv := startTLS(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"flags":[`+
			`{"name":"`+TelemetryFlag+`","value":"true"},`+
			`{"name":"future.flag","value":{"rollout":0.5}},`+
			`{"name":"count","value":3},`+
			`{"name":"off","value":null},`+
			`null,`+
			`{"name":"other","value":false}`+
			`],"ttl_seconds":"soon"}`)
	}))

	got, err := newFetcher(srv).Fetch(context.Background(), hostOf(srv))

	require.NoError(t, err)
	require.Equal(t, messages.Flags{Values: map[string]string{TelemetryFlag: "true", "other": "false"}}, got)
	type record struct {
		Level, Msg, Host, Flag, Problem string
		Index                           *int
	}
	var got2 []record
	for _, line := range strings.Split(strings.TrimSpace(records.String()), "\n") {
		var r record
		require.NoError(t, json.Unmarshal([]byte(line), &r), "record %q", line)
		require.Equal(t, "DEBUG", r.Level)
		require.Equal(t, hostOf(srv), r.Host)
		require.NotEmpty(t, r.Msg)
		r.Level, r.Msg, r.Host = "", "", ""
		got2 = append(got2, r)
	}
	index := func(i int) *int { return &i }
	require.Equal(t, []record{
		{Flag: "future.flag", Index: index(1), Problem: "value is an object"},
		{Flag: "count", Index: index(2), Problem: "value is a number"},
		{Flag: "off", Index: index(3), Problem: "value is null"},
		{Index: index(4), Problem: "entry is null, not an object"},
		{Problem: "ttl_seconds is a string, not a number"},
	}, got2)
}

// TestFetchSkipsQuietlyWithoutDebug checks that, with debug records off (as
// slog's default logger has them), an odd flag costs no record.
func TestFetchSkipsQuietlyWithoutDebug(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}))
	saved := debugLogger
	debugLogger = func() *slog.Logger { return logger }
	t.Cleanup(func() { debugLogger = saved })
	srv := startTLS(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"flags":[{"name":"a","value":1},{"name":"b","value":"x"}]}`)
	}))

	got, err := newFetcher(srv).Fetch(context.Background(), hostOf(srv))

	require.NoError(t, err)
	require.Equal(t, map[string]string{"b": "x"}, got.Values)
	require.Empty(t, buf.String())
}
