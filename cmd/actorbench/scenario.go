package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// sizes are how big each scenario runs: the numbers by default,
// smaller ones with -quick (the smoke test's).
type sizes struct {
	stampedeCallers int
	churnCycles     int
	deadlineCallers int
	failingSeconds  int // simulated seconds of outage and retry-after
	fleetActors     int
	fleetSeconds    int
	memoryHosts     int
	scaleHosts      int
	scaleConns      int // connections per host in scale
	parallelisms    []int
	arHosts         []int // host counts of acquire-release
	benchtime       time.Duration
}

var fullSizes = sizes{
	stampedeCallers: 1000,
	churnCycles:     10_000,
	deadlineCallers: 20,
	failingSeconds:  3600,
	fleetActors:     1000,
	fleetSeconds:    2 * 3600,
	memoryHosts:     100_000,
	scaleHosts:      100_000,
	scaleConns:      10,
	parallelisms:    []int{1, 2, 8},
	arHosts:         []int{1, 1000},
	benchtime:       60 * time.Millisecond,
}

// quickSizes keep every claim the smoke test checks meaningful: the fleet
// still outlives one 15-minute TTL, retry-after still spans many Retry-Afters.
var quickSizes = sizes{
	stampedeCallers: 100,
	churnCycles:     300,
	deadlineCallers: 20,
	failingSeconds:  600,
	fleetActors:     50,
	fleetSeconds:    20 * 60,
	memoryHosts:     5000,
	scaleHosts:      2000,
	scaleConns:      10,
	parallelisms:    []int{1, 2, 8},
	arHosts:         []int{1, 1000},
	benchtime:       5 * time.Millisecond,
}

// bench is one run of actorbench: its settings, and where progress goes.
type bench struct {
	sizes    sizes
	rounds   int // rounds of each timing benchmark; the median is reported
	progress *progress
	// floor holds the floor scenario's result once it has run, so the timing
	// tables that follow can set the implementations beside it.
	floor *Result
}

// scenario is one named comparison.
type scenario struct {
	name string
	run  func(ctx context.Context, b *bench) (Result, error)
}

// scenarios in the order they run: the counting ones first, then floor
// before the timing scenarios that are compared with it, then the heavy
// memory ones last so their heap does not slow the timings.
var scenarios = []scenario{
	{"stampede", runStampede},
	{"churn", runChurn},
	{"short-deadline", runShortDeadline},
	{"outage", runOutage},
	{"retry-after", runRetryAfter},
	{"fleet", runFleet},
	{"floor", runFloor},
	{"warm-query", runWarmQuery},
	{"acquire-release", runAcquireRelease},
	{"memory", runMemory},
	{"scale", runScale},
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
