package flagactor_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/flagactor/flagactor/telemetry/flagactor"
)

// syncBuffer is a bytes.Buffer that the logging goroutine and the test may share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// records decodes the JSON lines written so far.
func (b *syncBuffer) records(t *testing.T) []map[string]any {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	dec := json.NewDecoder(bytes.NewReader(b.buf.Bytes()))
	for dec.More() {
		var r map[string]any
		require.NoError(t, dec.Decode(&r))
		out = append(out, r)
	}
	return out
}

// With a debug logger, fetch failures (with their backoff) and evictions
// are logged; Close returns after every record is written.
func TestLoggerRecordsFailuresAndEvictions(t *testing.T) {
	var out syncBuffer
	logger := slog.New(slog.NewJSONHandler(&out, &slog.HandlerOptions{Level: slog.LevelDebug}))
	a, mock := newTestActor(t, flagactor.WithLogger(logger))
	f := newFakeFetcher(always(call{err: errBoom}))
	l := acquire(t, a, "down.example.com", f)
	requireFailed(t, enabled(l), errBoom, "query")
	l.Release()
	st := advance(t, mock, a, frac(time.Second, 120))
	require.Equal(t, 0, st.Hosts, "host entries after the backoff")
	require.NoError(t, a.Close())

	recs := out.records(t)
	require.Len(t, recs, 2, "records: %v", recs)
	failed, evicted := recs[0], recs[1]
	require.Equal(t, "DEBUG", failed["level"])
	require.Equal(t, "down.example.com", failed["host"])
	require.Contains(t, failed["error"], errBoom.Error())
	retryIn, ok := failed["retry_in"].(float64) // nanoseconds
	require.True(t, ok, "retry_in missing: %v", failed)
	require.GreaterOrEqual(t, time.Duration(retryIn), time.Second, "logged backoff")
	require.LessOrEqual(t, time.Duration(retryIn), frac(time.Second, 120), "logged backoff")
	require.Equal(t, "DEBUG", evicted["level"])
	require.Equal(t, "down.example.com", evicted["host"])
	require.Contains(t, evicted["msg"], "evict")
}

// Debug records are off unless the logger wants them.
func TestLoggerAboveDebugWritesNothing(t *testing.T) {
	var out syncBuffer
	logger := slog.New(slog.NewJSONHandler(&out, &slog.HandlerOptions{Level: slog.LevelInfo}))
	a, _ := newTestActor(t, flagactor.WithLogger(logger))
	l := acquire(t, a, "down.example.com", newFakeFetcher(always(call{err: errBoom})))
	requireFailed(t, enabled(l), errBoom, "query")
	l.Release()
	require.NoError(t, a.Close())
	require.Empty(t, out.records(t), "records at Info level")
}
