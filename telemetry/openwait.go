package telemetry

import (
	"context"
	"errors"
	"time"

	"github.com/benbjohnson/clock"
)

// ErrOpenWait is Conn.Err when the Gate's open wait ran out before the
// server's flag arrived, or when an earlier Open's wait ran out on the fetch
// still in flight. It wraps context.DeadlineExceeded; when the caller's own
// context ends first, Conn.Err is that context's error instead.
var ErrOpenWait error = openWaitError{}

// openWaitError is ErrOpenWait. As the cause the open wait ends with, it
// gives up on the fetch the Open waited for (GiveUpFetch, see
// flagactor.Lease.Enabled): later Opens of the entry get it at once.
type openWaitError struct{}

// Error says the open wait ran out, as context.DeadlineExceeded would.
func (openWaitError) Error() string {
	return "telemetry: open wait ran out: " + context.DeadlineExceeded.Error()
}

// Unwrap makes ErrOpenWait match context.DeadlineExceeded.
func (openWaitError) Unwrap() error { return context.DeadlineExceeded }

// GiveUpFetch gives up on the fetch the open wait ran out on, for every
// later Open of its entry (see flagactor.Lease.Enabled).
func (openWaitError) GiveUpFetch() bool { return true }

// openWait is the context an Open waits under: the caller's, ending too
// when the Gate's open wait has passed on the actor's clock. Its timer is
// armed only when a call first asks for Done, that is when it would block:
// an Open answered from a fresh flag pays for no timer and no context. It
// belongs to one Open, whose goroutine alone calls Done, Err and stop; the
// lease keeps it for the values. Running out, it ends with the cause
// ErrOpenWait, which gives up on the fetch it waited for.
type openWait struct {
	// The context in force: the caller's until Done arms the wait, then the
	// armed one, which holds the caller's values (so that context.Cause(w)
	// is the wait's cause) and ends with it.
	context.Context
	caller context.Context
	clock  clock.Clock
	d      time.Duration // the Gate's open wait

	cancel context.CancelCauseFunc // nil until armed
	timer  *clock.Timer
}

// Done arms the wait and returns its channel.
func (w *openWait) Done() <-chan struct{} {
	if w.cancel == nil {
		w.Context, w.cancel = context.WithCancelCause(w.caller)
		if w.d <= 0 {
			w.cancel(ErrOpenWait) // do not wait: only what needs no waiting gets done
		} else {
			w.timer = w.clock.AfterFunc(w.d, func() { w.cancel(ErrOpenWait) })
		}
	}
	return w.Context.Done()
}

// stop disarms the wait once the Open is done.
func (w *openWait) stop() {
	if w.timer != nil {
		w.timer.Stop()
	}
	if w.cancel != nil {
		w.cancel(context.Canceled)
	}
}

// openErr tells why a call made under w failed with err: the caller's
// context ending is its own error, the open wait running out is
// ErrOpenWait (as is an earlier Open's, on the same fetch), and any other
// error is itself.
func (w *openWait) openErr(err error) error {
	switch {
	case err == nil || w.cancel == nil || w.Err() == nil || !errors.Is(err, w.Err()):
		return err
	case w.caller.Err() != nil:
		return w.caller.Err()
	}
	return ErrOpenWait
}
