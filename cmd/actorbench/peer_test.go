package main

import (
	"testing"
)

// The mutex-policy peer runs our policy: where the policy decides the count,
// its fetches are the actor's (stampede, churn, short-deadline), and within 3
// where the backoff's jitter may move one (outage, retry-after); and the rows
// of the failure table no scenario reaches give the same answers and fetches
// (failure-table, peerpolicy_test.go).
func TestMutexPolicyFetchesAsTheActorDoes(t *testing.T) {
	const peer = "mutex-policy"
	b := &bench{sizes: quickSizes, progress: &progress{mode: progressOff}}
	fetches := func(t *testing.T, res Result, impl string) float64 {
		t.Helper()
		r, ok := res.row(impl, 0, rowHosts(res))
		if !ok {
			t.Fatalf("%s: no %s row", res.Scenario, impl)
		}
		return r.value("fetches")
	}
	for _, tc := range []struct {
		name  string
		run   func() (Result, error)
		slack float64
	}{
		{"stampede", func() (Result, error) { return runStampede(t.Context(), b) }, 0},
		{"churn", func() (Result, error) { return runChurn(t.Context(), b) }, 0},
		{"outage", func() (Result, error) { return runOutage(t.Context(), b) }, 3},
		{"retry-after", func() (Result, error) { return runRetryAfter(t.Context(), b) }, 3},
		{"short-deadline", func() (Result, error) { return runShortDeadline(t.Context(), b) }, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := tc.run()
			if err != nil {
				t.Fatal(err)
			}
			a, p := fetches(t, res, implActor), fetches(t, res, peer)
			if d := a - p; d > tc.slack || -d > tc.slack {
				t.Errorf("%s: actor %v fetches, %s %v; want equal (within %v)", tc.name, a, peer, p, tc.slack)
			}
		})
	}
	t.Run("failure-table", testPeerFollowsTheFailureTable)
	t.Run("failure-table-random", testPeerFollowsTheTableAtRandom)
}
