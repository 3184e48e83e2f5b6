package telemetry

import (
	"context"
	"errors"
	"fmt"
)

// ErrOpenWait is Conn.Err when the Gate's open wait ran out before the
// server's flag arrived. It wraps context.DeadlineExceeded; when the caller's
// own context ends first, Conn.Err is that context's error instead.
var ErrOpenWait = fmt.Errorf("telemetry: open wait ran out: %w", context.DeadlineExceeded)

// withOpenWait returns a context that ends with ctx or when the Gate's open
// wait has passed on the Gate's clock, whichever comes first.
func (g *Gate) withOpenWait(ctx context.Context) (context.Context, context.CancelFunc) {
	cfg := g.config()
	waitCtx, cancel := context.WithCancelCause(ctx)
	if cfg.openWait <= 0 {
		cancel(ErrOpenWait) // do not wait: only what needs no waiting gets done
		return waitCtx, func() { cancel(context.Canceled) }
	}
	timer := cfg.clock.AfterFunc(cfg.openWait, func() { cancel(ErrOpenWait) })
	return waitCtx, func() {
		timer.Stop()
		cancel(context.Canceled)
	}
}

// openErr tells why a call made under waitCtx, derived from ctx by
// withOpenWait, failed with err: the caller's context ending is ctx.Err(), the
// open wait running out is ErrOpenWait, and any other error is itself.
func openErr(ctx, waitCtx context.Context, err error) error {
	if err == nil || waitCtx.Err() == nil || !errors.Is(err, waitCtx.Err()) {
		return err
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return context.Cause(waitCtx)
}
