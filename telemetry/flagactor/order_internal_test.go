package flagactor

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/require"

	"github.com/flagactor/flagactor/telemetry/messages"
)

// withMailboxSize sets the mailbox's capacity, so a test fills it with a few
// requests.
func withMailboxSize(n int) Option {
	return func(c *config) { c.mailboxSize = n }
}

// fillMailbox queues Acquires of filler.example.com until the mailbox holds
// n counted requests (the loop is held, so none is taken out meanwhile).
func fillMailbox(t *testing.T, a *Actor, n int, f Fetcher) {
	t.Helper()
	for a.mailbox.counted.Load() < int64(n) {
		_, err := a.Acquire(context.Background(), "filler.example.com", f)
		require.NoError(t, err)
	}
}

// The case: one goroutine opens L2, then closes L1, on a host whose
// value has just expired, with the mailbox full. Release must not overtake
// the Acquire sent before it: the host keeps a lease throughout, so its
// entry and last good value stay, and L2, during an outage, gets the stale
// true rather than false and an error.
func TestReleaseDoesNotOvertakeEarlierAcquireOnFullMailbox(t *testing.T) {
	const (
		ttl  = time.Minute
		size = 4
	)
	mock := clock.NewMock()
	a, held, release := newHeldActor(t, acquireOf("blocker.example.com"),
		WithClock(mock), WithTTL(ttl), withMailboxSize(size))
	ctx := context.Background()
	var calls int
	f := FetcherFunc(func(context.Context, string) (messages.Flags, error) {
		calls++ // one fetch of the host at a time
		if calls == 1 {
			return messages.Flags{Values: map[string]string{"flag": "true"}}, nil
		}
		return messages.Flags{}, errBoomInternal // the outage
	})
	l1, err := a.Acquire(ctx, "pool.example.com", f)
	require.NoError(t, err)
	on, err := l1.Enabled(ctx, "flag")
	require.NoError(t, err)
	require.True(t, on, "first query")
	mock.Add(ttl) // the value has just expired
	_, err = a.Stats(ctx)
	require.NoError(t, err)

	_, err = a.Acquire(ctx, "blocker.example.com", f)
	require.NoError(t, err)
	<-held
	fillMailbox(t, a, size-1, f)
	l2, err := a.Acquire(ctx, "pool.example.com", f) // takes the mailbox's last place
	require.NoError(t, err)
	l1.Release() // finds the mailbox full
	release()

	on, err = l2.Enabled(ctx, "flag")
	require.NoError(t, err, "query of L2 during the outage")
	require.True(t, on, "query of L2 during the outage: the stale value")
	st, err := a.Stats(ctx)
	require.NoError(t, err)
	require.Equal(t, uint64(0), st.Evictions, "evictions: the host never lost its last lease")
}

// step is one Acquire or Release as the loop takes it up.
type step struct {
	release bool
	ticket  *ticket
}

func (s step) String() string {
	if s.release {
		return fmt.Sprintf("release %p", s.ticket)
	}
	return fmt.Sprintf("acquire %p", s.ticket)
}

// Many goroutines each open a lease and close the one before on a host of
// their own, through a mailbox of two: the loop takes up every goroutine's
// Acquires and Releases in the order it made them, however often the
// mailbox is full, and a Hosts made after them sees them all. Half of them
// acquire with a context that has ended, as an Open with no open wait does:
// those never wait for the loop.
func TestOrderHoldsUnderFullMailbox(t *testing.T) {
	const (
		goroutines = 32
		steps      = 300
	)
	seen := make(map[string][]step) // written by the loop's hook only
	hook := func(r request) {
		switch r := r.(type) {
		case acquireRequest:
			seen[r.Ticket.Host] = append(seen[r.Ticket.Host], step{ticket: r.Ticket})
		case releaseRequest:
			seen[r.Ticket.Host] = append(seen[r.Ticket.Host], step{release: true, ticket: r.Ticket})
		}
	}
	a := New(WithClock(clock.NewMock()), withMailboxSize(2), withBeforeHandle(hook))
	defer func() { require.NoError(t, a.Close()) }()
	f := FetcherFunc(func(context.Context, string) (messages.Flags, error) { return messages.Flags{}, nil })

	sent := make([][]step, goroutines)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			ctx := context.Background()
			acquireCtx := ctx
			if g%2 == 1 {
				ended, cancel := context.WithCancel(ctx)
				cancel()
				acquireCtx = ended
			}
			host := fmt.Sprintf("g%d.example.com", g)
			var held *Lease
			for i := range steps {
				l, err := a.Acquire(acquireCtx, host, f)
				if err != nil {
					t.Error(err)
					return
				}
				sent[g] = append(sent[g], step{ticket: &l.ticket})
				if held != nil {
					held.Release()
					sent[g] = append(sent[g], step{release: true, ticket: &held.ticket})
				}
				held = l
				l.Peek("flag") // a nudge, dropped or not, changes no lease
				if i%25 == 0 {
					hosts, err := a.Hosts(ctx)
					if err != nil {
						t.Error(err)
						return
					}
					if got := leasesOf(hosts, host); got != 1 && !l.ticket.withdrawn() {
						t.Errorf("%s: Hosts after step %d sees %d leases, want 1", host, i, got)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	_, err := a.Stats(context.Background()) // the hook has seen every request sent before
	require.NoError(t, err)
	for g, want := range sent {
		// A Release of a lease whose Acquire the loop had not applied yet
		// withdraws it instead: no message.
		kept := want[:0:0]
		for _, s := range want {
			if !s.release || !s.ticket.withdrawn() {
				kept = append(kept, s)
			}
		}
		host := fmt.Sprintf("g%d.example.com", g)
		if i := firstDiff(kept, seen[host]); i >= 0 {
			t.Fatalf("%s: the loop took up %d of its %d requests; the first out of place is #%d: sent %s, taken up %s",
				host, len(seen[host]), len(kept), i, at(kept, i), at(seen[host], i))
		}
	}
}

// firstDiff returns the first index where want and got differ, or -1.
func firstDiff(want, got []step) int {
	for i := range max(len(want), len(got)) {
		if i >= len(want) || i >= len(got) || want[i] != got[i] {
			return i
		}
	}
	return -1
}

// at describes steps[i], or says there is none.
func at(steps []step, i int) string {
	if i >= len(steps) {
		return "nothing"
	}
	return steps[i].String()
}

// leasesOf returns host's lease count in hosts, 0 when it is not there.
func leasesOf(hosts []messages.HostStatus, host string) int {
	for _, h := range hosts {
		if h.Host == host {
			return h.Leases
		}
	}
	return 0
}

// Acquire never fails because the mailbox is full: with the loop held and
// the mailbox full, an Acquire whose context has already ended still returns
// its lease, and the loop applies it once it goes on.
func TestAcquireOnFullMailboxStillLeases(t *testing.T) {
	const size = 4
	a, held, release := newHeldActor(t, acquireOf("blocker.example.com"),
		WithClock(clock.NewMock()), withMailboxSize(size))
	f := FetcherFunc(func(context.Context, string) (messages.Flags, error) { return messages.Flags{}, nil })
	_, err := a.Acquire(context.Background(), "blocker.example.com", f)
	require.NoError(t, err)
	<-held
	fillMailbox(t, a, size, f)

	ended, cancel := context.WithCancel(context.Background())
	cancel()
	l, err := a.Acquire(ended, "late.example.com", f)
	require.NoError(t, err, "Acquire on a full mailbox with an ended context")
	require.NotNil(t, l)
	release()
	hosts, err := a.Hosts(context.Background())
	require.NoError(t, err)
	require.Equal(t, 1, leasesOf(hosts, "late.example.com"), "leases of the late Acquire's host")
}
