package flagactor

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/require"

	"github.com/flagactor/flagactor/telemetry/messages"
)

// errRejected is a credential rejection, as HTTPFetcher's 401.
var errRejected = fmt.Errorf("401 Unauthorized: %w", ErrCredentialRejected)

// countQueries counts the queries (Peek's nudges among them) that reach the loop.
func countQueries(n *atomic.Int64) Option {
	return withBeforeHandle(func(r request) {
		if _, ok := r.(*queryRequest); ok {
			n.Add(1)
		}
	})
}

// Inside the lease's own backoff (after its credentials were rejected),
// Peek sends nothing and allocates nothing, with or without a stale value of
// the host, as inside the host's backoff; once the lease's backoff is over,
// Peek asks again.
func TestPeekSilentInsideLeaseBackoff(t *testing.T) {
	for _, stale := range []bool{false, true} {
		t.Run(fmt.Sprintf("stale=%v", stale), func(t *testing.T) {
			const ttl = 10 * time.Minute
			var queries atomic.Int64
			mock := clock.NewMock()
			a := New(WithClock(mock), WithTTL(ttl), countQueries(&queries))
			defer func() { require.NoError(t, a.Close()) }()
			var calls atomic.Int64
			f := FetcherFunc(func(context.Context, string) (messages.Flags, error) {
				if calls.Add(1) == 1 && stale {
					return messages.Flags{Values: map[string]string{"flag": "true"}}, nil
				}
				return messages.Flags{}, errRejected
			})
			ctx := context.Background()
			l, err := a.Acquire(ctx, "locked.example.com", f)
			require.NoError(t, err)
			defer l.Release()
			if stale {
				on, err := l.Enabled(ctx, "flag")
				require.NoError(t, err)
				require.True(t, on)
				mock.Add(ttl)
			}
			_, err = l.Enabled(ctx, "flag") // rejected: the lease backs off
			if !stale {
				require.ErrorIs(t, err, ErrCredentialRejected)
			}
			require.True(t, waitUntil(func() bool {
				st, err := a.Stats(ctx)
				return err == nil && st.FetchErrors == 1
			}), "the rejection never reached the loop")
			before := queries.Load()

			allocs := testing.AllocsPerRun(1000, func() {
				on, known := l.Peek("flag")
				if on != stale || known != stale {
					t.Fatalf("Peek: got %v, %v; want %v, %v", on, known, stale, stale)
				}
			})
			_, err = a.Stats(ctx) // the hook has seen every request sent before this
			require.NoError(t, err)
			require.Equal(t, before, queries.Load(), "queries that reached the loop from Peek inside the lease's backoff")
			require.Zero(t, allocs, "allocations of a Peek inside the lease's backoff")

			mock.Add(1200 * time.Millisecond) // past the lease's first backoff step
			l.Peek("flag")
			require.True(t, waitUntil(func() bool { return calls.Load() == int64(map[bool]int{false: 2, true: 3}[stale]) }),
				"Peek after the lease's backoff started no fetch")
		})
	}
}

// The sizes of a lease, which a pool holds one of per connection.
func TestLeaseSize(t *testing.T) {
	t.Logf("Lease: %d B, ticket: %d B", unsafe.Sizeof(Lease{}), unsafe.Sizeof(ticket{}))
}

// BenchmarkPeekInLeaseBackoff is Conn.Enabled's Peek on a connection whose
// credentials the server rejected.
func BenchmarkPeekInLeaseBackoff(b *testing.B) {
	a := New()
	defer a.Close()
	f := FetcherFunc(func(context.Context, string) (messages.Flags, error) { return messages.Flags{}, errRejected })
	l, err := a.Acquire(context.Background(), "locked.example.com", f)
	if err != nil {
		b.Fatal(err)
	}
	defer l.Release()
	if _, err := l.Enabled(context.Background(), "flag"); err == nil {
		b.Fatal("want a rejection")
	}
	b.ReportAllocs()
	for b.Loop() {
		l.Peek("flag")
	}
}
