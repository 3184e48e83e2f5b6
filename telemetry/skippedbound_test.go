package telemetry

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestFetchLogsAHandfulOfSkippedParts answers with 5,000 numbers for flags
// and one good flag: the connection's fetcher logs the first few skipped
// parts, then one record with the count of them all, not 5,000 records.
func TestFetchLogsAHandfulOfSkippedParts(t *testing.T) {
	const numbers = 5000
	srv := startTLS(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"flags":[`+strings.Repeat("1,", numbers)+`{"name":"a","value":"b"}]}`)
	}))
	logger, records := debugRecords()
	fetcher := newConnFetcher(ConnConfig{Host: hostOf(srv), DriverVersion: testVersion, Client: srv.Client()}, logger)

	got, err := fetcher.Fetch(context.Background(), hostOf(srv))

	require.NoError(t, err)
	require.Equal(t, map[string]string{"a": "b"}, got.Values)
	lines := strings.Split(strings.TrimSpace(records.String()), "\n")
	require.Len(t, lines, maxSkippedRecords+1)
	for i, line := range lines[:maxSkippedRecords] {
		var r struct {
			Index   int
			Problem string
		}
		require.NoError(t, json.Unmarshal([]byte(line), &r), "record %q", line)
		require.Equal(t, i, r.Index)
		require.Equal(t, "entry is a number, not an object", r.Problem)
	}
	var last struct {
		Host, Msg string
		Skipped   int
	}
	require.NoError(t, json.Unmarshal([]byte(lines[maxSkippedRecords]), &last), "record %q", lines[maxSkippedRecords])
	require.Equal(t, hostOf(srv), last.Host)
	require.Equal(t, numbers, last.Skipped, "the last record does not count every skipped part: %s", lines[maxSkippedRecords])
}
