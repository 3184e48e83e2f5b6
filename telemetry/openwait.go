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
	context.Context // the caller's: values, and everything until armed
	clock           clock.Clock
	d               time.Duration // the Gate's open wait

	armed  context.Context // nil until Done is first asked for
	cancel context.CancelCauseFunc
	timer  *clock.Timer
}

// Done arms the wait and returns its channel.
func (w *openWait) Done() <-chan struct{} {
	if w.armed == nil {
		w.armed, w.cancel = context.WithCancelCause(w.Context)
		if w.d <= 0 {
			w.cancel(ErrOpenWait) // do not wait: only what needs no waiting gets done
		} else {
			w.timer = w.clock.AfterFunc(w.d, func() { w.cancel(ErrOpenWait) })
		}
	}
	return w.armed.Done()
}

// Err is the armed wait's error, or the caller context's before it is armed.
func (w *openWait) Err() error {
	if w.armed == nil {
		return w.Context.Err()
	}
	return w.armed.Err()
}

// Value reads the armed wait once there is one, so that context.Cause(w) is
// the wait's cause; both hold the caller context's values.
func (w *openWait) Value(key any) any {
	if w.armed == nil {
		return w.Context.Value(key)
	}
	return w.armed.Value(key)
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
	case err == nil || w.armed == nil || w.armed.Err() == nil || !errors.Is(err, w.armed.Err()):
		return err
	case w.Context.Err() != nil:
		return w.Context.Err()
	}
	return ErrOpenWait
}
