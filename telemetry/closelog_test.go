package telemetry_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/require"

	"github.com/flagactor/flagactor/telemetry"
	"github.com/flagactor/flagactor/telemetry/flagactor"
)

// stuckHandler is a log handler whose sink is down: Handle blocks until
// the test lets it go.
type stuckHandler struct {
	entered chan struct{}
	once    sync.Once
	release chan struct{}
}

func (h *stuckHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *stuckHandler) Handle(context.Context, slog.Record) error {
	h.once.Do(func() { close(h.entered) })
	<-h.release
	return nil
}
func (h *stuckHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *stuckHandler) WithGroup(string) slog.Handler      { return h }

// A log handler that blocks holds Gate.Close at most the fetch timeout,
// counted in real time whatever the Gate's clock (a mock here, moved all the
// same): a short one keeps the test short.
func TestGateCloseBoundedWhenLogHandlerBlocks(t *testing.T) {
	const timeout = 100 * time.Millisecond
	mock := clock.NewMock()
	h := &stuckHandler{entered: make(chan struct{}), release: make(chan struct{})}
	defer close(h.release) // after Close: the handler goes, for goleak
	gate := telemetry.NewGate(telemetry.WithActorOptions(flagactor.WithClock(mock),
		flagactor.WithFetchTimeout(timeout), flagactor.WithLogger(slog.New(h))))
	host, client, _ := downServer(t)
	conn := gate.Open(t.Context(), telemetry.ConnConfig{Host: host, DriverVersion: driverVersion, Client: client})
	require.Error(t, conn.Err(), "Open of a host that is down") // a Warn record
	conn.Close()
	select {
	case <-h.entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the handler never got the record")
	}

	closed := make(chan error, 1)
	go func() { closed <- gate.Close() }()
	require.Eventually(t, func() bool {
		mock.Add(timeout)
		return len(closed) > 0
	}, 10*time.Second, time.Millisecond, "Gate.Close still blocked with the handler stuck")
	require.NoError(t, <-closed)
}
