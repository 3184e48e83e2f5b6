package flagactor

import (
	"context"

	"github.com/flagactor/flagactor/telemetry/messages"
)

// Fetcher loads every flag of one host. It runs on its own goroutine, never on
// the actor's, with a context that ends at the fetch timeout or when the actor
// closes. Each connection brings its own (its authenticated client); a fetch
// uses the Fetcher of the lease whose query started it.
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
