package flagactor_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/flagactor/flagactor/telemetry/flagactor"
	"github.com/flagactor/flagactor/telemetry/messages"
)

// rateErr is a Fetcher's error type whose methods read its fields, as most
// do: a typed nil of it panics in Error and RetryAfter.
type rateErr struct{ wait time.Duration }

func (e *rateErr) Error() string             { return "rate limited for " + e.wait.String() }
func (e *rateErr) RetryAfter() time.Duration { return e.wait }

// A Fetcher that returns a typed-nil error (a classic slip) fails that fetch
// only: the actor keeps serving every host, that one included.
func TestTypedNilErrorFailsOnlyThatFetch(t *testing.T) {
	a, mock := newTestActor(t)
	var calls int
	slip := flagactor.FetcherFunc(func(context.Context, string) (messages.Flags, error) {
		calls++ // fetches of one host run one at a time
		if calls == 1 {
			var e *rateErr
			return flagsWith("true", 0), e
		}
		return flagsWith("true", 0), nil
	})
	l, err := a.Acquire(context.Background(), "slip.example.com", slip)
	require.NoError(t, err)
	requireFailed(t, enabled(l), flagactor.ErrFetcherPanic, "query of the host whose fetcher returned a typed nil")

	other := acquire(t, a, "ok.example.com", answers("true"))
	requireOn(t, enabled(other), "query of another host")
	st := stats(t, a)
	require.Equal(t, uint64(1), st.FetchErrors, "fetch errors")

	advance(t, mock, a, frac(time.Second, 120))
	requireOn(t, enabled(l), "query of the slipped host after its backoff")
}

// hostileErr is an error one of whose methods panics.
type hostileErr struct{ panicIn string }

func (e hostileErr) Error() string {
	if e.panicIn == "Error" {
		panic("Error panics")
	}
	return "hostile"
}

func (e hostileErr) RetryAfter() time.Duration {
	if e.panicIn == "RetryAfter" {
		panic("RetryAfter panics")
	}
	return time.Second
}

func (e hostileErr) Unwrap() error {
	if e.panicIn == "Unwrap" {
		panic("Unwrap panics")
	}
	return nil
}

// An error whose Error, RetryAfter or Unwrap panics is a failed fetch, with
// a debug logger attached: the program survives, and the actor serves on.
func TestErrorWhoseMethodPanicsIsAFailedFetch(t *testing.T) {
	for _, method := range []string{"Error", "RetryAfter", "Unwrap"} {
		t.Run(method, func(t *testing.T) {
			var out syncBuffer
			logger := slog.New(slog.NewJSONHandler(&out, &slog.HandlerOptions{Level: slog.LevelDebug}))
			a, _ := newTestActor(t, flagactor.WithLogger(logger))
			f := newFakeFetcher(always(call{err: hostileErr{panicIn: method}}))
			l := acquire(t, a, "hostile.example.com", f)
			got := enabled(l)
			requireFailed(t, got, flagactor.ErrFetcherPanic, "query of the host whose error panicked")
			require.Contains(t, got.err.Error(), method+" panics", "the error names the panic")

			requireOn(t, enabled(acquire(t, a, "ok.example.com", answers("true"))), "query of another host")
			require.Equal(t, uint64(1), stats(t, a).FetchErrors, "fetch errors")
			require.NoError(t, a.Close())
			recs := out.records(t)
			require.NotEmpty(t, recs, "records")
			require.Contains(t, recs[0]["error"], method+" panics", "logged error")
		})
	}
}

// The error a query gets wraps the Fetcher's, for errors.Is and errors.As,
// and carries the host.
func TestFetchErrorWrapsTheCause(t *testing.T) {
	a, _ := newTestActor(t)
	cause := &rateErr{wait: time.Minute}
	l := acquire(t, a, "busy.example.com", newFakeFetcher(always(call{err: cause})))
	got := enabled(l)
	var re *rateErr
	require.True(t, errors.As(got.err, &re), "errors.As(%v)", got.err)
	require.Same(t, cause, re)
	require.Contains(t, got.err.Error(), "busy.example.com")
	require.Contains(t, got.err.Error(), "rate limited for 1m0s")
}
