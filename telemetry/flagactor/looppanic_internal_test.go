package flagactor

import (
	"context"
	"log/slog"
	"testing"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/require"
)

// recordsHandler keeps every record; the logging goroutine is its only
// writer, and Close returns after that goroutine has exited.
type recordsHandler struct{ records []slog.Record }

func (h *recordsHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *recordsHandler) Handle(_ context.Context, r slog.Record) error {
	h.records = append(h.records, r)
	return nil
}
func (h *recordsHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *recordsHandler) WithGroup(string) slog.Handler      { return h }

// A panic in the actor's loop is logged through the actor's logger, as an
// Error record with the panic and the loop's stack, before Close reports it.
func TestLoopPanicIsLogged(t *testing.T) {
	h := &recordsHandler{}
	hook := func(r request) {
		if _, ok := r.(loopCall); ok { // Stats' call
			panic("injected fault")
		}
	}
	a := New(WithClock(clock.NewMock()), WithLogger(slog.New(h)), withBeforeHandle(hook))
	_, err := a.Stats(context.Background())
	require.ErrorIs(t, err, ErrClosed, "the Stats the loop panicked on")
	err = a.Close()
	require.ErrorContains(t, err, "injected fault", "Close after the fault")

	require.Len(t, h.records, 1, "records")
	r := h.records[0]
	require.Equal(t, slog.LevelError, r.Level, "level")
	require.Equal(t, msgLoopPanic, r.Message, "message")
	attrs := map[string]string{}
	r.Attrs(func(a slog.Attr) bool {
		attrs[a.Key] = a.Value.String()
		return true
	})
	require.Equal(t, "injected fault", attrs["error"], "the record's error")
	require.Contains(t, attrs["stack"], "flagactor.(*Actor).run", "the record's stack")
}
