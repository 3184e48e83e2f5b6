package telemetry_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flagactor/flagactor/telemetry"
	"github.com/flagactor/flagactor/telemetry/flagactor"
)

// TestBrokenClientHoldsNoOneBack opens a connection whose client cannot
// reach the flag server (it does not trust the server's certificate), then,
// on the same clock reading, one whose client can: the first failure is the
// first connection's own, so the second asks the server at once and gets
// the flag, instead of waiting out a backoff of the host.
func TestBrokenClientHoldsNoOneBack(t *testing.T) {
	s := startFlagServer(t, "true")
	g := newGate(t)
	untrusting := &http.Client{Transport: &http.Transport{}}
	defer untrusting.CloseIdleConnections()

	broken := g.Open(context.Background(), telemetry.ConnConfig{Host: s.Host(), DriverVersion: driverVersion, Client: untrusting})
	defer broken.Close()
	require.False(t, broken.Enabled(), "Enabled at open of the broken client")
	good := g.Open(context.Background(), connConfig(s))
	defer good.Close()

	require.ErrorIs(t, broken.Err(), flagactor.ErrClientFailed, "a TLS failure is the client's own")
	require.NoError(t, good.Err(), "the good client waited out the broken one's backoff")
	require.True(t, good.Enabled())
	require.True(t, broken.Enabled(), "the good client's answer serves every connection")
}
