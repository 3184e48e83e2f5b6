package flagactor

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/require"

	"github.com/flagactor/flagactor/telemetry/messages"
)

// sent is one call a goroutine made, as the loop may take it up: an Acquire
// or Release of a ticket, or a query numbered seq.
type sent struct {
	kind   byte // 'a', 'r', 'q'
	ticket *ticket
	seq    int
}

func (s sent) String() string { return fmt.Sprintf("%c %p #%d", s.kind, s.ticket, s.seq) }

// seqKey carries a query's number in its context, for the loop's hook.
type seqKey struct{}

// Sixteen goroutines make random calls through a mailbox of bound one, half
// of them with contexts that have ended: the loop takes every goroutine's
// calls up in the order it made them, none that had to arrive is missing,
// and a Hosts sees every lease its goroutine holds. (Invalidate reaches the
// loop as Hosts does, a loopCall, which the hook cannot tell apart: that it
// keeps its place is what Hosts shows; it comes after every Acquire its
// goroutine made before, too.)
func TestOrderHoldsWithMailboxOfOne(t *testing.T) {
	const (
		goroutines = 16
		steps      = 400
	)
	seen := make(map[string][]sent) // by host; the loop's hook alone writes it
	hook := func(r request) {
		switch r := r.(type) {
		case acquireRequest:
			seen[r.Ticket.Host] = append(seen[r.Ticket.Host], sent{kind: 'a', ticket: r.Ticket})
		case releaseRequest:
			seen[r.Ticket.Host] = append(seen[r.Ticket.Host], sent{kind: 'r', ticket: r.Ticket})
		case *queryRequest:
			if !r.isNudge() {
				seen[r.Ticket.Host] = append(seen[r.Ticket.Host], sent{kind: 'q', seq: r.Ctx.Value(seqKey{}).(int)})
			}
		}
	}
	a := New(WithClock(clock.NewMock()), withMailboxSize(1), withBeforeHandle(hook))
	defer func() { require.NoError(t, a.Close()) }()
	f := FetcherFunc(func(context.Context, string) (messages.Flags, error) {
		return messages.Flags{Values: map[string]string{"flag": "true"}}, nil
	})
	ended, cancel := context.WithCancel(context.Background())
	cancel()
	seed := rand.Uint64()
	t.Logf("seed %d", seed)

	made := make([][]sent, goroutines)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			rnd := rand.New(rand.NewPCG(seed, uint64(g)))
			someCtx := func() context.Context {
				if rnd.IntN(2) == 0 {
					return ended
				}
				return context.Background()
			}
			host := fmt.Sprintf("g%d.example.com", g)
			var held []*Lease
			defer func() {
				for _, l := range held {
					l.Release()
					made[g] = append(made[g], sent{kind: 'r', ticket: &l.ticket})
				}
			}()
			for seq := range steps {
				switch op := rnd.IntN(7); {
				case op == 0 || op == 1 && len(held) == 0:
					l, err := a.Acquire(someCtx(), host, f)
					if err != nil {
						t.Error(err)
						return
					}
					made[g] = append(made[g], sent{kind: 'a', ticket: &l.ticket})
					held = append(held, l)
				case op == 1:
					i := rnd.IntN(len(held))
					held[i].Release()
					made[g] = append(made[g], sent{kind: 'r', ticket: &held[i].ticket})
					held = slices.Delete(held, i, i+1)
				case op == 2 && len(held) > 0:
					ctx := context.WithValue(someCtx(), seqKey{}, seq)
					_, _ = held[rnd.IntN(len(held))].Enabled(ctx, "flag")
					made[g] = append(made[g], sent{kind: 'q', seq: seq})
				case op == 3:
					if err := a.Invalidate(context.Background(), host); err != nil {
						t.Error(err)
						return
					}
					for _, l := range held {
						if l.ticket.bound.Load() == nil {
							t.Errorf("%s: Invalidate after call %d was taken up before an Acquire made earlier", host, seq)
							return
						}
					}
				case op == 4:
					_, _ = a.Stats(someCtx())
				case op == 5:
					hosts, err := a.Hosts(context.Background())
					if err != nil {
						t.Error(err)
						return
					}
					if got := leasesOf(hosts, host); got != len(held) {
						t.Errorf("%s: Hosts after call %d sees %d leases, want the %d held", host, seq, got, len(held))
						return
					}
				case len(held) > 0:
					held[rnd.IntN(len(held))].Peek("flag")
				}
			}
		})
	}
	wg.Wait()
	_, err := a.Stats(context.Background()) // the hook has seen every call made before
	require.NoError(t, err)

	for g, calls := range made {
		host := fmt.Sprintf("g%d.example.com", g)
		// Every Acquire arrives, and every Release but a
		// withdrawn lease's; a query may not (its context ended first, or it
		// was answered without the loop), but one that arrived keeps its place.
		queried := make(map[int]bool)
		for _, s := range seen[host] {
			if s.kind == 'q' {
				queried[s.seq] = true
			}
		}
		want := calls[:0:0]
		for _, s := range calls {
			if s.kind == 'r' && s.ticket.withdrawn() || s.kind == 'q' && !queried[s.seq] {
				continue
			}
			want = append(want, s)
		}
		got := seen[host]
		for i := range max(len(want), len(got)) {
			if i >= len(want) || i >= len(got) || want[i] != got[i] {
				t.Fatalf("%s: the loop took up %d of the %d calls it had to; the first out of place is #%d: made %v, taken up %v",
					host, len(got), len(want), i, want[min(i, len(want)-1)], got[min(i, len(got)-1)])
			}
		}
	}
}
