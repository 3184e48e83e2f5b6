package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
)

// timingRounds is a timing row whose rounds took ns ns/op each.
func timingRounds(impl string, cpu int, ns ...float64) Row {
	r := Row{Impl: impl, GOMAXPROCS: cpu, Goroutines: cpu,
		Fields: []Field{timedField("ns_per_op", ns), timedField("cpu_ns_per_op", ns), timedField("allocs_per_op", make([]float64, len(ns)))}}
	for _, n := range ns {
		r.Samples = append(r.Samples, Sample{N: 1000, NsPerOp: n, CPUNsPerOp: n})
	}
	return r
}

// A target at a GOMAXPROCS above the machine's CPUs measures goroutines
// taking turns: it is "not judged (N CPUs)", and that alone does not fail
// -check.
func TestATargetAboveTheMachinesCPUsIsNotJudged(t *testing.T) {
	cpus := runtime.NumCPU()
	res := Result{Scenario: "warm-query", Rows: []Row{
		timingRounds(implBaseline, cpus+1, 100, 100, 100, 100, 100),
		timingRounds(implActor, cpus+1, 10, 10, 10, 10, 10),
	}}
	v := ratioAt(res, implBaseline, cpus+1, 0, 0.3)
	if want := fmt.Sprintf("not judged (%d CPUs)", cpus); v.Met || !strings.Contains(v.String(), want) {
		t.Errorf("target at cpu=%d on %d CPUs judged %q, want %q", cpus+1, cpus, v, want)
	}
	met := ratioAt(Result{Scenario: "warm-query", Rows: []Row{
		timingRounds(implBaseline, 1, 100, 100, 100, 100, 100),
		timingRounds(implActor, 1, 10, 10, 10, 10, 10),
	}}, implBaseline, 1, 0, 0.3)
	var stderr bytes.Buffer
	if code := checkExit(true, []Verdict{met, v}, &stderr); code != 0 {
		t.Errorf("-check with one target met and one beyond the CPUs: exit %d, want 0 (%s)", code, stderr.String())
	}
}

// -check judges medians of rounds: fewer than 5 are refused before anything runs.
func TestCheckRefusesFewerThanFiveRounds(t *testing.T) {
	for _, rounds := range []string{"1", "4"} {
		code, out, errText := runCLI(t, "-check", "-rounds", rounds, "-scenario", "churn")
		if code != 2 || out != "" || !strings.Contains(errText, "-rounds") {
			t.Errorf("-check -rounds %s: exit %d, stdout %q, stderr %q; want 2, nothing run, and why", rounds, code, out, errText)
		}
	}
}

// A run that judged nothing (no target, or only targets beyond the CPUs)
// cannot pass -check: it says so and exits 1.
func TestCheckFailsARunThatJudgedNothing(t *testing.T) {
	cpus := runtime.NumCPU()
	beyond := ratioAt(Result{Scenario: "warm-query"}, implBaseline, cpus+1, 0, 0.3)
	for name, vs := range map[string][]Verdict{"no targets": nil, "only beyond the CPUs": {beyond}} {
		var stderr bytes.Buffer
		if code := checkExit(true, vs, &stderr); code != 1 || !strings.Contains(stderr.String(), "nothing judged") {
			t.Errorf("%s: exit %d, stderr %q; want 1 and \"nothing judged\"", name, code, stderr.String())
		}
	}
}

// retry-after's summary prints the requests one per Retry-After allows; the
// actor's requests are judged against that count.
func TestRetryAfterIsJudgedOnTheRequestsItAllows(t *testing.T) {
	seconds := 3600
	allowed := float64(seconds/int(retryAfter.Seconds()) + 1)
	for _, tc := range []struct {
		fetches float64
		met     bool
	}{{allowed, true}, {allowed + 1, false}} {
		res := Result{Scenario: "retry-after"}
		for _, impl := range impls {
			res.Rows = append(res.Rows, Row{Impl: impl, Series: make([]float64, seconds),
				Fields: []Field{{Name: "fetches", Value: tc.fetches, Kind: kindCount}}})
		}
		vs := targets(res)
		if len(vs) == 0 {
			t.Fatal("retry-after has no target")
		}
		v := vs[0]
		if v.Limit != allowed || v.Met != tc.met || !strings.Contains(v.Target, "actor") {
			t.Errorf("actor with %v requests judged %q, want against the %v allowed, met %v", tc.fetches, v, allowed, tc.met)
		}
	}
}

// An interrupt in the last scenario, even one the scenario does not notice,
// ends the run with a non-zero exit and no tally.
func TestAnInterruptInTheLastScenarioExitsNonZeroWithoutATally(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	saved := scenarios
	defer func() { scenarios = saved }()
	scenarios = append(scenarios[:len(scenarios):len(scenarios)], scenario{name: "interrupted", about: "cancels the run and ends normally",
		run: func(context.Context, *bench) (Result, error) {
			cancel()
			return Result{Scenario: "interrupted"}, nil
		}})
	errFile, err := os.CreateTemp(t.TempDir(), "stderr")
	if err != nil {
		t.Fatal(err)
	}
	defer errFile.Close()
	var out bytes.Buffer
	code := run(ctx, []string{"-quiet", "-scenario", "interrupted"}, &out, errFile)
	if code == 0 || strings.Contains(out.String(), "targets:") {
		t.Errorf("interrupted run: exit %d, stdout %q; want non-zero and no tally", code, out.String())
	}
}

// A verdict whose rounds fall on both sides of its limit cannot say met or
// missed: it is inconclusive, and -check fails on it.
func TestARangeAcrossTheLimitIsInconclusive(t *testing.T) {
	for _, tc := range []struct {
		name  string
		actor []float64 // over a baseline of 100 ns every round
		want  string
	}{
		{"every round under", []float64{80, 85, 90, 95, 98}, "(met)"},
		{"every round over", []float64{102, 110, 120, 130, 140}, "(MISSED)"},
		{"median under, rounds across", []float64{80, 85, 90, 95, 130}, "inconclusive"},
		{"median over, rounds across", []float64{80, 110, 120, 130, 140}, "inconclusive"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := Result{Scenario: "warm-query", Rows: []Row{
				timingRounds(implBaseline, 1, 100, 100, 100, 100, 100),
				timingRounds(implActor, 1, tc.actor...),
			}}
			v := ratioAt(res, implBaseline, 1, 0, 1)
			if !strings.Contains(v.String(), tc.want) && !strings.Contains(strings.ToLower(v.String()), tc.want) {
				t.Errorf("rounds %v against a limit of 1: %q, want %s", tc.actor, v, tc.want)
			}
			if tc.want == "inconclusive" {
				var stderr bytes.Buffer
				if v.Met || checkExit(true, []Verdict{v}, &stderr) != 1 {
					t.Errorf("inconclusive %q: met %v; want not met and -check failing", v, v.Met)
				}
			}
		})
	}
}
