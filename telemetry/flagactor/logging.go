package flagactor

import (
	"context"
	"log/slog"
	"maps"
	"slices"
	"time"
)

// logEvent is one event the loop hands to the logging goroutine, so that the
// loop itself never does I/O nor runs the handler's code. It holds plain
// values only: the loop never hands the logger an error to call.
type logEvent struct {
	at    time.Time // on the actor's clock
	level slog.Level
	msg   string
	host  string
	attrs []slog.Attr // after "host": a failure's "error" text, and "retry_in" or the loop's "stack"

	// For a value that arrived: the host's flags before (nil when it had
	// none) and now. These are the maps the published answers share, which
	// nobody writes to, so the logging goroutine may read them. Working out
	// which flags changed is left to it, and only done when Info is wanted.
	oldValues, newValues map[string]string
}

// Messages of the records whose fields a reader relies on.
const (
	msgValueArrived = "flagactor: flag value arrived" // a host's first value, one record per flag
	msgValueChanged = "flagactor: flag value changed" // one record per flag that appeared, changed or went
	msgLoopPanic    = "flagactor: loop stopped after panic"
)

// logBuffer bounds the events waiting for the logging goroutine; past it the
// loop drops events rather than wait.
const logBuffer = 256

// WithLogger sends the actor's records to logger. Off by default.
//
// At Info: a host's flag values arriving or changing, one record per flag
// ("host", "flag", "old" when it had a value before, "new" when it has one
// now). At Warn: a failed fetch, which starts a backoff of the host, or of
// the lease alone when its own client or credentials failed ("host", "error"
// as text, "retry_in"). At Error: the actor's loop stopped after a panic
// ("error", "stack"), before Close reports it. At Debug: hosts invalidated
// and evicted. Records carry hosts, error texts, and the names and values of
// the flags a good answer served, as the server sent them (as Hosts does);
// never request headers. (A part of an answer the fetcher skipped as
// malformed is logged without its name: an echo of the credentials is
// likelier there.)
//
// The handler is asked for each record whether its level is wanted as the
// record is made, so a slog.LevelVar raised or lowered later takes effect.
// Records are written on a goroutine of the actor's own: a slow handler
// never holds the actor up (what does not fit in its buffer is dropped), and
// a panic in the handler loses its record only. Records are stamped with the
// actor's clock (WithClock), as Hosts' times are. Close returns once every
// record queued is written, but waits for the handler at most the fetch
// timeout (WithFetchTimeout), in real time; the handler may call Close
// itself (that Close then waits out the fetch timeout).
func WithLogger(logger *slog.Logger) Option {
	return func(cfg *config) { cfg.logger = logger }
}

// startLogging starts the logging goroutine when a logger is set, whatever
// its level now: the level may change later.
func (a *Actor) startLogging() {
	if a.cfg.logger == nil {
		return
	}
	a.logs = make(chan logEvent, logBuffer)
	a.goroutines.start()
	go writeLogs(a.cfg.logger.Handler(), a.logs, &a.goroutines)
}

// endLogs lets the logging goroutine write what is queued, then exit. Only
// the loop sends on a.logs: it calls this as it exits.
func (a *Actor) endLogs() {
	if a.logs != nil {
		close(a.logs)
	}
}

// writeLogs is the logging goroutine: it writes each event until events is
// closed, then leaves the group.
func writeLogs(h slog.Handler, events <-chan logEvent, g *goroutineGroup) {
	defer g.done()
	for ev := range events {
		writeLog(h, ev)
	}
}

// writeLog turns one event into its records. The handler is someone else's
// code: a panic in it loses the rest of this event's records, nothing more.
func writeLog(h slog.Handler, ev logEvent) {
	defer func() { _ = recover() }()
	ctx := context.Background()
	if !h.Enabled(ctx, ev.level) {
		return
	}
	if ev.newValues == nil {
		r := slog.NewRecord(ev.at, ev.level, ev.msg, 0)
		r.AddAttrs(slog.String("host", ev.host))
		r.AddAttrs(ev.attrs...)
		_ = h.Handle(ctx, r)
		return
	}
	writeValueChanges(ctx, h, ev)
}

// writeValueChanges writes one record per flag whose value differs between
// ev.oldValues and ev.newValues, in the order of the flags' names. The level
// was asked for the first record; it is asked again for each later one.
func writeValueChanges(ctx context.Context, h slog.Handler, ev logEvent) {
	msg := msgValueChanged
	if ev.oldValues == nil {
		msg = msgValueArrived
	}
	names := slices.AppendSeq(slices.Collect(maps.Keys(ev.newValues)), maps.Keys(ev.oldValues))
	slices.Sort(names)
	names = slices.Compact(names)
	asked := true
	for _, name := range names {
		old, had := ev.oldValues[name]
		now, has := ev.newValues[name]
		if had == has && old == now {
			continue
		}
		if !asked && !h.Enabled(ctx, ev.level) {
			continue
		}
		asked = false
		r := slog.NewRecord(ev.at, ev.level, msg, 0)
		r.AddAttrs(slog.String("host", ev.host), slog.String("flag", name))
		if had {
			r.AddAttrs(slog.String("old", old))
		}
		if has {
			r.AddAttrs(slog.String("new", now))
		}
		_ = h.Handle(ctx, r)
	}
}

// log queues ev without blocking the loop; when the buffer is full, ev is
// dropped.
func (s *loopState) log(ev logEvent) {
	if s.a.logs == nil {
		return
	}
	ev.at = s.clockTime(s.now)
	select {
	case s.a.logs <- ev:
	default: // a handler this far behind loses records, never the loop's time
	}
}

// logValues logs a host's value replacing the one it had (nil: none). Interned
// flag sets are equal only when they are the same set, so an unchanged value
// costs one comparison and logs nothing.
func (s *loopState) logValues(host string, old, now *flagSet) {
	if old == now {
		return
	}
	ev := logEvent{level: slog.LevelInfo, host: host, newValues: now.values.Flags.Values}
	if old != nil {
		ev.oldValues = old.values.Flags.Values
	}
	s.log(ev)
}
