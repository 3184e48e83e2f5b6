package flagactor

import (
	"context"
	"testing"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/require"

	"github.com/flagactor/flagactor/telemetry/messages"
)

// Hosts fetched at one moment with the same flags publish one shared answer
// (their expiries fall on the same point of the actor's grid), so a fleet of
// workspaces costs one answer, not one per host; hosts with other flags get
// their own.
func TestHostsFetchedTogetherShareOneAnswer(t *testing.T) {
	a := New(WithClock(clock.NewMock()))
	defer func() { require.NoError(t, a.Close()) }()
	fetcher := func(value string) Fetcher {
		return FetcherFunc(func(context.Context, string) (messages.Flags, error) {
			return messages.Flags{Values: map[string]string{"flag": value}}, nil
		})
	}
	published := func(host, value string) *answer {
		l, err := a.Acquire(context.Background(), host, fetcher(value))
		require.NoError(t, err)
		on, err := l.Enabled(context.Background(), "flag")
		require.NoError(t, err)
		require.Equal(t, value == "true", on, "Enabled of %s", host)
		return l.slot().Load()
	}
	first, second := published("one.example.com", "true"), published("two.example.com", "true")
	other := published("three.example.com", "false")
	require.Same(t, first, second, "the answers of two hosts with the same flags, fetched together")
	require.NotSame(t, first, other, "the answer of a host with other flags")
	require.True(t, first.freshAt(0) && other.freshAt(0), "both answers are fresh")
}
