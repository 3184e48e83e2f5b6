package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// sizes are how big each scenario runs: the defaults, or smaller ones with
// -quick (the smoke test's).
type sizes struct {
	stampedeCallers int
	churnCycles     int
	deadlineCallers int
	failingSeconds  int // simulated seconds of outage and retry-after
	fleetActors     int
	fleetSeconds    int
	memoryHosts     int
	scaleHosts      int
	scaleConns      int   // connections per host in scale
	arHosts         []int // host counts of acquire-release
	benchtime       time.Duration
}

var fullSizes = sizes{
	stampedeCallers: 1000,
	churnCycles:     10_000,
	deadlineCallers: 20,
	failingSeconds:  3600,
	fleetActors:     1000,
	fleetSeconds:    24 * 3600,
	memoryHosts:     100_000,
	scaleHosts:      100_000,
	scaleConns:      10,
	arHosts:         []int{1, 1000},
	benchtime:       60 * time.Millisecond,
}

// quickSizes keep every claim the smoke test checks meaningful: the fleet
// still outlives two 15-minute TTLs, retry-after still spans many Retry-Afters.
var quickSizes = sizes{
	stampedeCallers: 100,
	churnCycles:     300,
	deadlineCallers: 20,
	failingSeconds:  600,
	fleetActors:     50,
	fleetSeconds:    40 * 60,
	memoryHosts:     5000,
	scaleHosts:      2000,
	scaleConns:      10,
	arHosts:         []int{1, 1000},
	benchtime:       5 * time.Millisecond,
}

// bench is one run of actorbench: its settings, and where progress goes.
type bench struct {
	sizes    sizes
	cpus     []int // GOMAXPROCS values of the timing scenarios (-cpu)
	rounds   int   // rounds of each timed figure; the median is reported
	progress *progress
}

// scenario is one named comparison.
type scenario struct {
	name  string
	about string // one line on what it does, for -list
	run   func(ctx context.Context, b *bench) (Result, error)
	chart bool // -plot draws a chart of it
}

// scenarios in the order they run: the counting ones first, then the
// timing ones (each measures the floor that bounds it in its own rounds;
// the floor scenario lists every floor), then the heavy memory ones last so
// their heap does not slow the timings.
var scenarios = []scenario{
	{"stampede", "many goroutines query one cold host at once while the server takes 50ms: fetches, and callers told false", runStampede, false},
	{"churn", "open, query, close one host many times inside one TTL: fetches", runChurn, false},
	{"short-deadline", "callers with 10ms deadlines on a 50ms server, then one with 1s: fetches, and whether the last got the value", runShortDeadline, false},
	{"outage", "the server answers 500 for a simulated hour, one query a second: requests the server saw", runOutage, true},
	{"retry-after", "the server answers 429 with Retry-After: 60 for a simulated hour: requests against the 61 it allows", runRetryAfter, false},
	{"fleet", "1000 processes start together and run 24 simulated hours: peak requests per second, and requests per process-hour", runFleet, true},
	{"floor", "what the machine charges for the actor's shapes: one atomic load, atomic load + clock read, atomic load + map, a channel round trip, two sends", runFloor, false},
	{"warm-query", "a query of a fresh value at each -cpu: ns/op and allocs/op of the three, and the atomic-clock floor (one atomic load and a monotonic clock read) in the same rounds", runWarmQuery, true},
	{"acquire-release", "an open+close pair on 1 and 1000 hosts at each -cpu, each closing a lease opened 1024 pairs before: ns/op of the three, and the two-sends floor in the same rounds", runAcquireRelease, true},
	{"memory", "100,000 hosts opened and fetched, then released, then past their TTL: bytes per host at each point", runMemory, false},
	{"scale", "100,000 hosts x 10 connections opened, queried, closed, evicted, several rounds: seconds and peak heap", runScale, false},
}

func scenarioNames() []string {
	names := make([]string, len(scenarios))
	for i, s := range scenarios {
		names[i] = s.name
	}
	return names
}

// selectScenarios returns the scenarios a -scenario list names, in run
// order; "" or "all" is every scenario.
func selectScenarios(list string) ([]scenario, error) {
	if list == "" || list == "all" {
		return scenarios, nil
	}
	want := map[string]bool{}
	for name := range strings.SplitSeq(list, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		if !slices.Contains(scenarioNames(), name) {
			return nil, fmt.Errorf("unknown scenario %q (have %s)", name, strings.Join(scenarioNames(), ", "))
		}
		want[name] = true
	}
	var picked []scenario
	for _, s := range scenarios {
		if want[s.name] {
			picked = append(picked, s)
		}
	}
	if len(picked) == 0 {
		return nil, fmt.Errorf("no scenario in %q", list)
	}
	return picked, nil
}
