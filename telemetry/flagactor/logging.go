package flagactor

import (
	"context"
	"log/slog"
	"time"
)

// logEvent is one debug record the loop hands to the logging goroutine, so
// that the loop itself never does I/O.
type logEvent struct {
	msg     string
	host    string
	errText string        // the fetch error's text, computed on the fetch goroutine
	delay   time.Duration // the backoff, for a failed fetch
}

// logBuffer bounds the records waiting for the logging goroutine; past it the
// loop drops records rather than wait.
const logBuffer = 256

// WithLogger sends debug records (fetch failures with their backoff,
// evictions) to logger. Off by default. Records carry the host and the fetch
// error, never request headers.
func WithLogger(logger *slog.Logger) Option {
	return func(cfg *config) { cfg.logger = logger }
}

// startLogging starts the logging goroutine when debug records are wanted.
func (a *Actor) startLogging() {
	if a.cfg.logger == nil || !a.cfg.logger.Enabled(context.Background(), slog.LevelDebug) {
		return
	}
	a.logs = make(chan logEvent, logBuffer)
	a.logged = make(chan struct{})
	go func() {
		defer close(a.logged)
		for ev := range a.logs {
			attrs := []slog.Attr{slog.String("host", ev.host)}
			if ev.errText != "" {
				attrs = append(attrs, slog.String("error", ev.errText), slog.Duration("retry_in", ev.delay))
			}
			a.cfg.logger.LogAttrs(context.Background(), slog.LevelDebug, ev.msg, attrs...)
		}
	}()
}

// stopLogging lets the logging goroutine write what is queued, then waits for
// it. Only the loop sends on a.logs, and it has exited.
func (a *Actor) stopLogging() {
	if a.logs == nil {
		return
	}
	close(a.logs)
	<-a.logged
}

// log queues ev without blocking the loop.
func (s *loopState) log(ev logEvent) {
	if s.a.logs == nil {
		return
	}
	select {
	case s.a.logs <- ev:
	default:
	}
}
