package flagactor

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/flagactor/flagactor/telemetry/messages"
)

// withBeforeHandle installs the loop's test hook.
func withBeforeHandle(hook func(request)) Option {
	return func(c *config) { c.beforeHandle = hook }
}

// A fault in the loop turns the actor off instead of crashing the program:
// every call answers ErrClosed, waiting queries are released, no goroutine
// is left, and Close reports the fault.
func TestLoopPanicTurnsActorOff(t *testing.T) {
	tests := []struct {
		name    string
		faulty  func(request) bool // the request the loop panics on
		trigger func(t *testing.T, a *Actor, f Fetcher)
	}{
		{
			name:   "on Acquire",
			faulty: func(r request) bool { _, ok := r.(acquireRequest); return ok },
			trigger: func(t *testing.T, a *Actor, f Fetcher) {
				// Acquire does not wait for the loop: it may or may not see
				// the fault, but it must not hang.
				_, _ = a.Acquire(context.Background(), "other.example.com", f)
			},
		},
		{
			name:   "on Release",
			faulty: func(r request) bool { _, ok := r.(releaseRequest); return ok },
			trigger: func(t *testing.T, a *Actor, f Fetcher) {
				l, err := a.Acquire(context.Background(), "other.example.com", f)
				require.NoError(t, err)
				// Once the loop has applied the Acquire, Release is a message
				// (before, it withdraws the Acquire instead).
				_, err = a.Stats(context.Background())
				require.NoError(t, err)
				l.Release()
			},
		},
		{
			name: "on Query",
			faulty: func(r request) bool {
				q, ok := r.(*queryRequest)
				return ok && q.Ticket.Host == "other.example.com"
			},
			trigger: func(t *testing.T, a *Actor, f Fetcher) {
				l, err := a.Acquire(context.Background(), "other.example.com", f)
				require.NoError(t, err)
				_, err = l.Enabled(context.Background(), "flag")
				require.ErrorIs(t, err, ErrClosed, "the query the loop panicked on")
			},
		},
		{
			name:   "on Stats",
			faulty: func(r request) bool { _, ok := r.(loopCall); return ok }, // Stats' call: the only one
			trigger: func(t *testing.T, a *Actor, f Fetcher) {
				_, err := a.Stats(context.Background())
				require.ErrorIs(t, err, ErrClosed, "the Stats the loop panicked on")
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
			armed := make(chan struct{})
			hook := func(r request) {
				select {
				case <-armed:
					if tt.faulty(r) {
						panic("injected fault")
					}
				default:
				}
			}
			a := New(WithClock(clock.NewMock()), withBeforeHandle(hook))
			started := make(chan struct{})
			f := FetcherFunc(func(ctx context.Context, host string) (messages.Flags, error) {
				if host == "waiting.example.com" {
					close(started)
					<-ctx.Done() // until the actor stops
					return messages.Flags{}, ctx.Err()
				}
				return messages.Flags{Values: map[string]string{"flag": "true"}}, nil
			})
			l, err := a.Acquire(context.Background(), "waiting.example.com", f)
			require.NoError(t, err)
			waiting := make(chan error, 1)
			go func() {
				_, err := l.Enabled(context.Background(), "flag")
				waiting <- err
			}()
			<-started

			close(armed)
			tt.trigger(t, a, f)
			select {
			case err := <-waiting:
				require.ErrorIs(t, err, ErrClosed, "query waiting on a fetch when the loop failed")
			case <-time.After(10 * time.Second):
				t.Fatal("query waiting on a fetch was not released when the loop failed")
			}

			_, err = a.Acquire(context.Background(), "new.example.com", f)
			require.ErrorIs(t, err, ErrClosed, "Acquire after the fault")
			_, err = l.Enabled(context.Background(), "flag")
			require.ErrorIs(t, err, ErrClosed, "Enabled after the fault")
			_, err = a.Stats(context.Background())
			require.ErrorIs(t, err, ErrClosed, "Stats after the fault")
			l.Release() // must not block or panic

			err = a.Close()
			require.ErrorIs(t, err, ErrClosed, "Close after the fault")
			require.ErrorContains(t, err, "injected fault", "Close after the fault")
			require.ErrorIs(t, a.Close(), ErrClosed, "second Close after the fault")
		})
	}
}

// errBoomInternal is the cause a failing fetcher of the internal tests returns.
var errBoomInternal = errors.New("flag service: boom")
