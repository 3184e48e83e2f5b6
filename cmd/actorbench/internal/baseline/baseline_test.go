package baseline

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/flagactor/flagactor/telemetry/messages"
)

const (
	host = "host.example"
	flag = "enableTelemetry"
)

var errOutage = errors.New("feature-flag service: 500")

// countingFetcher counts its calls and answers with fetch.
type countingFetcher struct {
	calls atomic.Int64
	fetch func(ctx context.Context, host string) (messages.Flags, error)
}

func (f *countingFetcher) Fetch(ctx context.Context, host string) (messages.Flags, error) {
	f.calls.Add(1)
	return f.fetch(ctx, host)
}

// serving answers value for the flag, with the server's ttl.
func serving(value string, ttl time.Duration) *countingFetcher {
	return &countingFetcher{fetch: func(context.Context, string) (messages.Flags, error) {
		return messages.Flags{Values: map[string]string{flag: value}, TTL: ttl}, nil
	}}
}

func failing() *countingFetcher {
	return &countingFetcher{fetch: func(context.Context, string) (messages.Flags, error) {
		return messages.Flags{}, errOutage
	}}
}

// gated answers value once unblock is closed, after closing started.
func gated(value string) (f *countingFetcher, started, unblock chan struct{}) {
	started, unblock = make(chan struct{}), make(chan struct{})
	var once sync.Once
	f = &countingFetcher{fetch: func(context.Context, string) (messages.Flags, error) {
		once.Do(func() { close(started) })
		<-unblock
		return messages.Flags{Values: map[string]string{flag: value}}, nil
	}}
	return f, started, unblock
}

type answer struct {
	value bool
	err   error
}

func query(c *Cache, f Fetcher) answer {
	v, err := c.Enabled(context.Background(), host, f, flag)
	return answer{v, err}
}

// queryInBackground starts a query and returns where its answer will arrive.
func queryInBackground(c *Cache, f Fetcher) <-chan answer {
	done := make(chan answer, 1)
	go func() { done <- query(c, f) }()
	return done
}

func wantAnswer(t *testing.T, what string, got, want answer) {
	t.Helper()
	if got.value != want.value || !errors.Is(got.err, want.err) || (got.err == nil) != (want.err == nil) {
		t.Errorf("%s = (%v, %v), want (%v, %v)", what, got.value, got.err, want.value, want.err)
	}
}

func wantCalls(t *testing.T, f *countingFetcher, want int64) {
	t.Helper()
	if got := f.calls.Load(); got != want {
		t.Errorf("fetches = %d, want %d", got, want)
	}
}

func TestColdStampedeAnswersFalseToAllButTheFetcher(t *testing.T) {
	const callers = 100
	c := New(clock.NewMock())
	f, started, unblock := gated("true")
	for range callers {
		c.Acquire(host)
	}

	first := queryInBackground(c, f)
	<-started
	others := make([]answer, callers-1)
	var wg sync.WaitGroup
	for i := range others {
		wg.Go(func() { others[i] = query(c, f) })
	}
	wg.Wait() // they return while the fetch is still blocked: nobody waits for it
	close(unblock)

	wantAnswer(t, "the fetching caller", <-first, answer{value: true})
	for i, got := range others {
		wantAnswer(t, fmt.Sprintf("caller %d during the fetch", i+1), got, answer{value: false})
	}
	wantCalls(t, f, 1)
	if got := c.Stats().BusyFalse; got != callers-1 {
		t.Errorf("Stats().BusyFalse = %d, want %d", got, callers-1)
	}
}

func TestQueriesDuringARefetchGetTheCachedValue(t *testing.T) {
	mock := clock.NewMock()
	c := New(mock)
	c.Acquire(host)
	query(c, serving("true", 0))
	mock.Add(CacheDuration)
	f, started, unblock := gated("false")

	refetching := queryInBackground(c, f)
	<-started
	during := query(c, f)
	close(unblock)

	wantAnswer(t, "a query during the refetch", during, answer{value: true})
	wantAnswer(t, "the refetching query", <-refetching, answer{value: false})
	wantCalls(t, f, 1)
}

func TestChurnRefetchesEveryCycle(t *testing.T) {
	const cycles = 100
	c := New(clock.NewMock()) // the clock never moves: all cycles are inside one TTL
	f := serving("true", time.Hour)

	for i := range cycles {
		c.Acquire(host)
		wantAnswer(t, fmt.Sprintf("cycle %d", i), query(c, f), answer{value: true})
		c.Release(host)
	}

	wantCalls(t, f, cycles)
	if c.Len() != 0 {
		t.Errorf("Len() = %d after the last release, want 0", c.Len())
	}
}

func TestOutageFetchesOnEveryQuery(t *testing.T) {
	const queries = 60
	mock := clock.NewMock()
	c := New(mock)
	f := failing()
	c.Acquire(host)

	for i := range queries {
		wantAnswer(t, fmt.Sprintf("query %d", i), query(c, f), answer{value: false, err: errOutage})
		mock.Add(time.Second)
	}

	wantCalls(t, f, queries) // no backoff: one request per query, without bound
	if got := c.Stats().FetchErrors; got != queries {
		t.Errorf("Stats().FetchErrors = %d, want %d", got, queries)
	}
}

func TestFailedRefetchServesTheCachedValueAndRetriesAtOnce(t *testing.T) {
	mock := clock.NewMock()
	c := New(mock)
	c.Acquire(host)
	query(c, serving("true", 0))
	mock.Add(CacheDuration)
	f := failing()

	for i := range 3 {
		wantAnswer(t, fmt.Sprintf("query %d in the outage", i), query(c, f), answer{value: true})
	}

	wantCalls(t, f, 3) // the failure cached nothing, so the value stays expired
}

func TestDoubleReleaseDeletesAContextInUse(t *testing.T) {
	c := New(clock.NewMock())
	f := serving("true", 0)
	c.Acquire(host) // connection A
	c.Acquire(host) // connection B
	wantAnswer(t, "warm-up query", query(c, f), answer{value: true})

	c.Release(host) // A closes
	c.Release(host) // A closes again, taking B's reference

	if c.Len() != 0 {
		t.Fatalf("Len() = %d, want 0: the double release deletes B's context", c.Len())
	}
	wantAnswer(t, "B's query after A's double release", query(c, f), answer{value: false})
	wantCalls(t, f, 1) // B's query neither fetched nor saw the cached true
	c.Release(host)    // B closes: nothing left to release
	if got := c.Stats(); got.Hosts != 0 || got.Leases != 0 || got.Deletions != 1 || got.UnknownHosts != 1 {
		t.Errorf("Stats() = %+v, want no hosts, no leases, 1 deletion, 1 unknown host", got)
	}
}

func TestUnknownHostAnswersFalseWithoutFetching(t *testing.T) {
	c := New(clock.NewMock())
	f := serving("true", 0)

	wantAnswer(t, "query never acquired", query(c, f), answer{value: false})

	wantCalls(t, f, 0)
	if c.Len() != 0 {
		t.Errorf("Len() = %d, want 0: a query creates no context", c.Len())
	}
}

func TestHostsAreKeyedRaw(t *testing.T) {
	c := New(clock.NewMock())
	f := serving("true", 0)
	c.Acquire("HOST.example:443")

	got, err := c.Enabled(context.Background(), "host.example", f, flag)

	wantAnswer(t, "query of the same host spelled differently", answer{got, err}, answer{value: false})
	wantCalls(t, f, 0)
	c.Acquire("host.example")
	if c.Len() != 2 {
		t.Errorf("Len() = %d, want 2 contexts for two spellings of one host", c.Len())
	}
}

func TestServerTTLIsIgnored(t *testing.T) {
	for _, tc := range []struct {
		name      string
		serverTTL time.Duration
		after     time.Duration
		wantCalls int64
	}{
		{"long TTL, just before 15m", time.Hour, CacheDuration - time.Nanosecond, 1},
		{"long TTL, at 15m", time.Hour, CacheDuration, 2},
		{"short TTL, past it", time.Minute, 2 * time.Minute, 1},
		{"short TTL, just before 15m", time.Minute, CacheDuration - time.Nanosecond, 1},
		{"short TTL, at 15m", time.Minute, CacheDuration, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mock := clock.NewMock()
			c := New(mock)
			f := serving("true", tc.serverTTL)
			c.Acquire(host)
			query(c, f)

			mock.Add(tc.after)
			query(c, f)

			wantCalls(t, f, tc.wantCalls)
		})
	}
}

func TestFetchWithoutDeadlineGetsFetchTimeout(t *testing.T) {
	mock := clock.NewMock()
	c := New(mock)
	c.Acquire(host)
	var deadline time.Time
	var hasDeadline bool
	f := &countingFetcher{fetch: func(ctx context.Context, _ string) (messages.Flags, error) {
		deadline, hasDeadline = ctx.Deadline()
		return messages.Flags{}, nil
	}}

	query(c, f)

	if want := mock.Now().Add(FetchTimeout); !hasDeadline || !deadline.Equal(want) {
		t.Errorf("fetch deadline = %v (set: %v), want %v on the cache's clock", deadline, hasDeadline, want)
	}
}

func TestPanickingFetcherLeavesFetchingSet(t *testing.T) {
	c := New(clock.NewMock())
	c.Acquire(host)
	panicking := &countingFetcher{fetch: func(context.Context, string) (messages.Flags, error) {
		panic("fetcher bug")
	}}
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("the fetcher's panic did not reach the caller")
			}
		}()
		query(c, panicking)
	}()
	f := serving("true", 0)

	wantAnswer(t, "query after the panic", query(c, f), answer{value: false})

	wantCalls(t, f, 0) // fetching is stuck: the host never fetches again
}

func TestConcurrentUseIsRaceFree(t *testing.T) {
	mock := clock.NewMock()
	c := New(mock)
	f := serving("true", 0)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			h := fmt.Sprintf("host-%d.example", g%3)
			for range 200 {
				c.Acquire(h)
				if _, err := c.Enabled(context.Background(), h, f, flag); err != nil {
					t.Error(err)
				}
				c.Stats()
				c.Release(h)
			}
		})
	}
	wg.Wait()

	if got := c.Stats(); got.Hosts != 0 || got.Leases != 0 {
		t.Errorf("Stats() = %+v after every release, want no hosts and no leases", got)
	}
}
