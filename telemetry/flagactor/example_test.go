package flagactor_test

import (
	"context"
	"fmt"

	"github.com/flagactor/flagactor/telemetry/flagactor"
	"github.com/flagactor/flagactor/telemetry/messages"
)

// A connection takes a lease on its host when it opens, asks for flags while
// it lives, and releases the lease when it closes.
func Example() {
	actor := flagactor.New()

	// Each connection brings its own Fetcher (in a driver, one with its
	// authenticated HTTP client).
	fetcher := flagactor.FetcherFunc(func(ctx context.Context, host string) (messages.Flags, error) {
		return messages.Flags{Values: map[string]string{"enableTelemetry": "true"}}, nil
	})

	ctx := context.Background()
	lease, err := actor.Acquire(ctx, "https://Workspace.Example.com/", fetcher)
	if err != nil {
		fmt.Println(err)
		return
	}
	on, err := lease.Enabled(ctx, "enableTelemetry")
	fmt.Println(lease.Host(), on, err)
	lease.Release()

	if err := actor.Close(); err != nil {
		fmt.Println(err)
	}
	// Output: workspace.example.com true <nil>
}
