package telemetry

import (
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestFetchUsesACompleteAnswerWhileTheRestTrickles answers 200 with a
// complete JSON object, then a space every 10ms for as long as the client
// reads: the rest is read within a total bound, and the answer is used.
func TestFetchUsesACompleteAnswerWhileTheRestTrickles(t *testing.T) {
	srv := startTLS(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"flags":[{"name":"a","value":"b"}],"ttl_seconds":60}`)
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			http.NewResponseController(w).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-tick.C:
				_, _ = io.WriteString(w, " ")
			}
		}
	}))
	// Only bounds a failing run: a passing one returns well before.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()

	got, err := newFetcher(srv).Fetch(ctx, hostOf(srv))

	require.NoError(t, err, "the complete answer was not used")
	require.Equal(t, "b", got.Values["a"])
	require.Equal(t, time.Minute, got.TTL)
}
