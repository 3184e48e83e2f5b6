package telemetry_test

import (
	"bytes"
	"context"
	"log/slog"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flagactor/flagactor/telemetry"
)

// TestWithLoggerGetsTheActorsRecords: the logger a Gate is given gets its
// actors' records: the flag's value arriving, at Info.
func TestWithLoggerGetsTheActorsRecords(t *testing.T) {
	server := startFlagServer(t, "true")
	var buf bytes.Buffer // written by the actor's logging goroutine; read after Close has waited for it
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	gate := telemetry.NewGate(telemetry.WithLogger(logger))

	conn := gate.Open(t.Context(), connConfig(server))
	require.NoError(t, conn.Err(), "Err")
	require.True(t, conn.Enabled(), "Enabled at open")
	conn.Close()
	require.NoError(t, gate.Close(), "Gate.Close")

	logged := buf.String()
	require.Contains(t, logged, "flag value arrived", "the actor's Info record of the value that arrived")
	require.Contains(t, logged, telemetry.TelemetryFlag, "the record names the flag")
}

// countingHandler counts the records it is handed, at every level.
type countingHandler struct{ records *atomic.Int64 }

func (h countingHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h countingHandler) Handle(context.Context, slog.Record) error {
	h.records.Add(1)
	return nil
}
func (h countingHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h countingHandler) WithGroup(string) slog.Handler      { return h }

// TestGateLogsNothingToDefault: a Gate made without WithLogger writes no
// record to slog.Default, whatever its level, while it fetches a real
// answer, serves it and closes.
func TestGateLogsNothingToDefault(t *testing.T) {
	server := startFlagServer(t, "true")
	var records atomic.Int64
	saved := slog.Default()
	slog.SetDefault(slog.New(countingHandler{records: &records}))
	t.Cleanup(func() { slog.SetDefault(saved) })

	gate := telemetry.NewGate()
	conn := gate.Open(t.Context(), connConfig(server))
	require.NoError(t, conn.Err(), "Err")
	require.True(t, conn.Enabled(), "Enabled")
	conn.Close()
	require.NoError(t, gate.Close(), "Gate.Close")
	require.Zero(t, records.Load(), "records written to slog.Default")
}
