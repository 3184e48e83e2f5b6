package flagactor

import (
	"context"

	"github.com/flagactor/flagactor/telemetry/messages"
)

// Fetcher loads every flag of one host. It runs on its own goroutine, never on
// the actor's, with a context that carries the values of the context of the
// query that started it (for a fetch Peek started, those of the context its
// lease was acquired with) and ends at the fetch timeout or when the actor
// closes, not when that caller leaves. A Fetcher that panics or ends its
// goroutine without returning (runtime.Goexit) has failed its fetch; it may
// call the actor's Close. Each connection brings its own (its authenticated
// client); a fetch uses the Fetcher of the lease whose query started it.
//
// At most one fetch of a host runs at a time, counting one that timed out
// and has not returned: a Fetcher that ignores its context holds its host,
// and no new fetch of that host starts until it returns (queries get the
// last value, or the timeout error, meanwhile). So fetch goroutines stay
// bounded by the number of hosts.
type Fetcher interface {
	Fetch(ctx context.Context, host string) (messages.Flags, error)
}

// FetcherFunc adapts an ordinary function to a Fetcher, as http.HandlerFunc
// does for handlers.
type FetcherFunc func(ctx context.Context, host string) (messages.Flags, error)

// Fetch calls f(ctx, host).
func (f FetcherFunc) Fetch(ctx context.Context, host string) (messages.Flags, error) {
	return f(ctx, host)
}
