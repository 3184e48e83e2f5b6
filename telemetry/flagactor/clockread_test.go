package flagactor_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/flagactor/flagactor/telemetry/flagactor"
)

// Many hosts opened, queried and closed, then the clock moves past every
// expiry: the Stats that follows sees every host gone, however many requests
// the loop still had queued when the clock moved.
func TestStatsAfterClockMovesSeesEveryExpiry(t *testing.T) {
	const cycles = 20000
	ttl := time.Minute
	a, mock := newTestActor(t, flagactor.WithTTL(ttl))
	f := answers("true")
	for i := range cycles {
		l := acquire(t, a, fmt.Sprintf("h%d.example.com", i), f)
		requireOn(t, enabled(l), "query")
		l.Release()
	}
	mock.Add(2 * ttl)
	st := stats(t, a)
	require.Equal(t, 0, st.Hosts, "hosts after the clock moved past every expiry")
	require.Equal(t, uint64(cycles), st.Evictions, "evictions")
}
