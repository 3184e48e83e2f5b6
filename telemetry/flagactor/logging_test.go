package flagactor_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/flagactor/flagactor/telemetry/flagactor"
	"github.com/flagactor/flagactor/telemetry/messages"
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

// jsonLogger writes JSON records at level and above to out.
func jsonLogger(out *syncBuffer, level slog.Leveler) *slog.Logger {
	return slog.New(slog.NewJSONHandler(out, &slog.HandlerOptions{Level: level}))
}

// A failed fetch is a Warn record with the error's text and the backoff; an
// eviction is a Debug record. Close returns after every record is written.
func TestLoggerRecordsFailuresAndEvictions(t *testing.T) {
	var out syncBuffer
	a, mock := newTestActor(t, flagactor.WithLogger(jsonLogger(&out, slog.LevelDebug)))
	f := newFakeFetcher(always(call{err: errBoom}))
	l := acquire(t, a, "down.example.com", f)
	requireFailed(t, enabled(l), errBoom, "query")
	l.Release()
	st := advance(t, mock, a, frac(time.Second, 120))
	require.Equal(t, 0, st.Hosts, "host entries after the backoff")
	require.NoError(t, a.Close())

	var failed, evicted map[string]any
	for _, r := range out.records(t) {
		switch r["level"] {
		case "WARN":
			require.Nil(t, failed, "a second Warn record: %v", r)
			failed = r
		case "DEBUG":
			if msg, _ := r["msg"].(string); msg == "flagactor: host evicted" {
				evicted = r
			}
		default:
			t.Errorf("unexpected record %v", r)
		}
	}
	require.NotNil(t, failed, "no Warn record for the failed fetch")
	require.Equal(t, "down.example.com", failed["host"])
	require.Contains(t, failed["error"], errBoom.Error())
	retryIn, ok := failed["retry_in"].(float64) // nanoseconds
	require.True(t, ok, "retry_in missing: %v", failed)
	require.GreaterOrEqual(t, time.Duration(retryIn), time.Second, "logged backoff")
	require.LessOrEqual(t, time.Duration(retryIn), frac(time.Second, 120), "logged backoff")
	require.NotNil(t, evicted, "no Debug record for the eviction")
	require.Equal(t, "down.example.com", evicted["host"])
}

// Records below the handler's level are not written.
func TestLoggerAboveWarnWritesNothing(t *testing.T) {
	var out syncBuffer
	a, _ := newTestActor(t, flagactor.WithLogger(jsonLogger(&out, slog.LevelError)))
	l := acquire(t, a, "down.example.com", newFakeFetcher(always(call{err: errBoom})))
	requireFailed(t, enabled(l), errBoom, "query")
	other := acquire(t, a, "up.example.com", answers("true"))
	requireOn(t, enabled(other), "query")
	l.Release()
	require.NoError(t, a.Close())
	require.Empty(t, out.records(t), "records at Error level")
}

// A host's first value is one Info record per flag; a new value is one Info
// record per flag that changed (appeared, changed value, or disappeared),
// with its old and new value. A flag that kept its value is not logged.
func TestLoggerRecordsValueArrivalAndChange(t *testing.T) {
	var out syncBuffer
	a, _ := newTestActor(t, flagactor.WithLogger(jsonLogger(&out, slog.LevelInfo)))
	f := newFakeFetcher(func(n int) call {
		if n == 1 {
			return call{flags: messages.Flags{Values: map[string]string{"a": "true", "b": "1", "d": "gone"}}}
		}
		return call{flags: messages.Flags{Values: map[string]string{"a": "false", "b": "1", "c": "on"}}}
	})
	l := acquire(t, a, "flags.example.com", f)
	ctx := context.Background()
	on, err := l.Enabled(ctx, "a")
	require.NoError(t, err)
	require.True(t, on, "first value of a")
	require.NoError(t, invalidate(a, "flags.example.com"))
	_, err = l.Enabled(ctx, "a") // the stale value; starts the refresh
	require.NoError(t, err)
	require.True(t, waitFor(func() bool { on, err := l.Enabled(ctx, "a"); return err == nil && !on }), "the new value never arrived")
	require.NoError(t, a.Close())

	type record struct{ Level, Msg, Host, Flag, Old, New string }
	var got []record
	for _, r := range out.records(t) {
		rec := record{}
		for field, into := range map[string]*string{"level": &rec.Level, "msg": &rec.Msg, "host": &rec.Host, "flag": &rec.Flag, "old": &rec.Old, "new": &rec.New} {
			if v, ok := r[field]; ok {
				*into, ok = v.(string)
				require.True(t, ok, "%s is not a string in %v", field, r)
			} else {
				*into = "<absent>"
			}
		}
		got = append(got, rec)
	}
	const arrived, changed, host, absent = "flagactor: flag value arrived", "flagactor: flag value changed", "flags.example.com", "<absent>"
	require.Equal(t, []record{
		{"INFO", arrived, host, "a", absent, "true"},
		{"INFO", arrived, host, "b", absent, "1"},
		{"INFO", arrived, host, "d", absent, "gone"},
		{"INFO", changed, host, "a", "true", "false"},
		{"INFO", changed, host, "c", absent, "on"},
		{"INFO", changed, host, "d", "gone", absent},
	}, got)
}

// probeHandler reports every level it is asked about, so a test knows when
// the logging goroutine has taken a record up.
type probeHandler struct {
	slog.Handler
	asked chan slog.Level
}

func (h *probeHandler) Enabled(ctx context.Context, level slog.Level) bool {
	h.asked <- level // buffered far beyond what a test logs
	return h.Handler.Enabled(ctx, level)
}

// waitAsked waits until the handler has been asked about level.
func (h *probeHandler) waitAsked(t *testing.T, level slog.Level) {
	t.Helper()
	for {
		select {
		case got := <-h.asked:
			if got == level {
				return
			}
		case <-time.After(guard):
			t.Fatalf("the handler was not asked about %v within %v", level, guard)
		}
	}
}

// The handler's level is asked as each record is made: a LevelVar lowered
// after New lets records through, raised again stops them.
func TestLoggerLevelVarChangedAfterNew(t *testing.T) {
	var out syncBuffer
	var level slog.LevelVar
	level.Set(slog.LevelWarn)
	probe := &probeHandler{
		Handler: slog.NewJSONHandler(&out, &slog.HandlerOptions{Level: &level}),
		asked:   make(chan slog.Level, 1024),
	}
	a, _ := newTestActor(t, flagactor.WithLogger(slog.New(probe)))
	f := newFakeFetcher(func(n int) call {
		return call{flags: flagsWith([]string{"true", "false", "true"}[(n-1)%3], 0)}
	})
	l := acquire(t, a, "flags.example.com", f)
	refresh := func(want bool) {
		t.Helper()
		require.NoError(t, invalidate(a, "flags.example.com"))
		enabled(l) // the stale value; starts the refresh
		require.True(t, waitFor(func() bool { return enabled(l).on == want }), "the refreshed value never arrived")
	}

	requireOn(t, enabled(l), "first query")
	probe.waitAsked(t, slog.LevelInfo) // arrival, at Warn: not written

	level.Set(slog.LevelInfo)
	refresh(false)
	probe.waitAsked(t, slog.LevelInfo) // true -> false, at Info: written

	level.Set(slog.LevelWarn)
	refresh(true)
	probe.waitAsked(t, slog.LevelInfo) // false -> true, at Warn: not written

	require.NoError(t, a.Close())
	recs := out.records(t)
	require.Len(t, recs, 1, "records: %v", recs)
	require.Equal(t, "INFO", recs[0]["level"])
	require.Equal(t, "true", recs[0]["old"])
	require.Equal(t, "false", recs[0]["new"])
}

// blockingHandler holds the logging goroutine in its first Handle until
// release opens.
type blockingHandler struct {
	entered chan struct{} // one send, as the first Handle begins
	release <-chan struct{}
	handled atomic.Int64
}

func (h *blockingHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *blockingHandler) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *blockingHandler) WithGroup(string) slog.Handler            { return h }

func (h *blockingHandler) Handle(context.Context, slog.Record) error {
	select {
	case h.entered <- struct{}{}:
	default:
	}
	<-h.release
	h.handled.Add(1)
	return nil
}

// A slow handler never holds the loop up: records that find the buffer
// full are dropped.
func TestLoggerDropsWhenBufferFull(t *testing.T) {
	h := &blockingHandler{entered: make(chan struct{}, 1)}
	a, _ := newTestActor(t, flagactor.WithLogger(slog.New(h)))
	release := newGate(t)
	h.release = release.ch
	const host = "flags.example.com"
	acquire(t, a, host, answers("true"))

	require.NoError(t, invalidate(a, host)) // one Debug record, taken up by the handler
	select {
	case <-h.entered:
	case <-time.After(guard):
		t.Fatalf("the handler was not called within %v", guard)
	}
	const more, buffered = 300, 256
	for range more {
		require.NoError(t, invalidate(a, host))
	}

	release.open()
	require.NoError(t, a.Close())
	require.Equal(t, int64(1+buffered), h.handled.Load(), "records handled")
}

// panickyHandler panics on its first call of Enabled or Handle (the one
// chosen), then counts the records it handles.
type panickyHandler struct {
	inEnabled bool
	calls     atomic.Int64
	handled   atomic.Int64
}

func (h *panickyHandler) Enabled(context.Context, slog.Level) bool {
	if h.inEnabled && h.calls.Add(1) == 1 {
		panic("handler bug in Enabled")
	}
	return true
}

func (h *panickyHandler) Handle(context.Context, slog.Record) error {
	if !h.inEnabled && h.calls.Add(1) == 1 {
		panic("handler bug in Handle")
	}
	h.handled.Add(1)
	return nil
}

func (h *panickyHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *panickyHandler) WithGroup(string) slog.Handler      { return h }

// A panicking handler loses its record, not the logging goroutine, and
// never touches the loop.
func TestLoggerSurvivesPanickingHandler(t *testing.T) {
	for _, inEnabled := range []bool{true, false} {
		name := map[bool]string{true: "Enabled", false: "Handle"}[inEnabled]
		t.Run(name, func(t *testing.T) {
			h := &panickyHandler{inEnabled: inEnabled}
			a, _ := newTestActor(t, flagactor.WithLogger(slog.New(h)))
			const host = "flags.example.com"
			l := acquire(t, a, host, answers("true"))
			for range 3 {
				require.NoError(t, invalidate(a, host))
			}
			requireOn(t, enabled(l), "query after the handler panicked")
			require.NoError(t, a.Close())
			require.Equal(t, h.calls.Load()-1, h.handled.Load(), "records handled after the panic")
			require.Positive(t, h.handled.Load(), "records handled after the panic")
		})
	}
}
