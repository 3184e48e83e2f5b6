package telemetry_test

import (
	"context"
	"database/sql"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/flagactor/flagactor/telemetry"
)

// runQueries runs n telemetry queries on db at once, all released together,
// and returns how many found telemetry on.
func runQueries(t *testing.T, ctx context.Context, db *sql.DB, n int) (on int) {
	t.Helper()
	start := make(chan struct{})
	answers := make(chan bool, n)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			<-start
			enabled, err := telemetryOn(ctx, db)
			if err != nil {
				errs <- err
				return
			}
			answers <- enabled
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	close(answers)
	for err := range errs {
		require.NoError(t, err, "query")
	}
	for enabled := range answers {
		if enabled {
			on++
		}
	}
	return on
}

// closeDB closes db and waits until every connection c opened is closed:
// database/sql opens some connections on a goroutine of its own, and Close
// does not wait for one it is opening.
func closeDB(t *testing.T, db *sql.DB, c *testConnector) {
	t.Helper()
	require.NoError(t, db.Close(), "db.Close")
	require.Eventually(t, func() bool { return c.closed.Load() == c.opened.Load() }, 5*time.Second, time.Millisecond,
		"connections closed: got %d, want %d", c.closed.Load(), c.opened.Load())
}

// TestSQLPool: a database/sql pool of 20 that keeps no idle connection runs
// 500 queries against a TLS flag service serving true: first all at once, then
// in waves of 20, so the pool closes every connection between waves and opens
// new ones. The flag is fetched once, telemetry is on for every connection and
// query, and closing the pool leaves no lease and no goroutine.
func TestSQLPool(t *testing.T) {
	leaks := goleak.IgnoreCurrent()
	const (
		queries  = 500
		maxConns = 20
		waves    = queries / maxConns
	)
	server := startFlagServer(t, "true")
	// The open wait is not what this test is about: a generous one keeps a
	// slow first fetch on a loaded machine from turning telemetry off.
	gate := newGate(t, telemetry.WithOpenWait(10*time.Second))
	connector := &testConnector{gate: gate, cfg: connConfig(server)}
	db := sql.OpenDB(connector)
	t.Cleanup(func() { db.Close() })
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(0)

	// All at once: the pool fills, and hands each returned connection
	// straight to a waiting query.
	on := runQueries(t, t.Context(), db, queries)
	burstOpened := connector.opened.Load()
	require.Equal(t, queries, on, "queries that found telemetry on, all at once")
	require.GreaterOrEqual(t, burstOpened, int64(maxConns), "connections opened all at once: the pool never filled")

	// In waves: with no idle connection kept, every wave opens new ones.
	on = 0
	for range waves {
		on += runQueries(t, t.Context(), db, maxConns)
	}
	wavesOpened := connector.opened.Load() - burstOpened
	require.Equal(t, queries, on, "queries that found telemetry on, in waves")
	require.GreaterOrEqual(t, wavesOpened, int64(waves), "connections opened in %d waves: the pool kept some", waves)

	closeDB(t, db, connector)
	opened := connector.opened.Load()
	stats := gateStats(t, gate)
	requests := server.Requests()
	t.Logf("%d queries at once, then %d in %d waves, pool of %d with no idle connection: "+
		"%d + %d connections opened, %d request(s) to the flag endpoint, %d fetch(es), %d queries coalesced on it",
		queries, queries, waves, maxConns, burstOpened, wavesOpened, requests, stats.Fetches, stats.Coalesced)

	require.Equal(t, int64(1), requests, "requests to the flag endpoint")
	require.Equal(t, uint64(1), stats.Fetches, "fetches")
	require.Equal(t, opened, connector.onAtOpen.Load(), "connections on at open, of %d opened", opened)
	require.Equal(t, 0, stats.Leases, "leases after db.Close")
	require.Equal(t, 1, stats.Hosts, "host entries after db.Close: the answer should linger until it expires")

	require.NoError(t, gate.Close(), "Gate.Close")
	server.Close()
	server.Client().CloseIdleConnections()
	requireNoLeaks(t, leaks)
}
