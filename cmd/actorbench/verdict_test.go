package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
)

// timingRow is a timing row with one round at ns ns/op.
func timingRow(impl, floor string, cpu, hosts int, ns float64) Row {
	return Row{Impl: impl, Floor: floor, GOMAXPROCS: cpu, Goroutines: cpu, Hosts: hosts,
		Fields:  []Field{timedField("ns_per_op", []float64{ns}), timedField("cpu_ns_per_op", []float64{ns}), timedField("allocs_per_op", []float64{0})},
		Samples: []Sample{{N: 1000, NsPerOp: ns, CPUNsPerOp: ns}}}
}

// A subject measured below the floor that bounds it shows the floor is not
// one: the target is reported as a broken floor, not as met.
func TestASubjectBelowItsFloorIsABrokenFloorNotAMetTarget(t *testing.T) {
	res := Result{Scenario: "warm-query", Rows: []Row{
		timingRow(implActor, "", 1, 0, 38.2),
		timingRow(implBaseline, "", 1, 0, 170),
		timingRow(implFloor, floorAtomicClock, 1, 0, 45.3),
	}}
	var floorVerdict *Verdict
	for _, v := range targets(res) {
		if strings.Contains(v.Target, "floor") {
			floorVerdict = &v
		}
	}
	if floorVerdict == nil {
		t.Fatal("no floor target judged")
	}
	if floorVerdict.Met || !strings.Contains(floorVerdict.String(), "broken floor") {
		t.Errorf("actor 38.2 ns below its 45.3 ns floor judged %q, want a broken floor, not met", floorVerdict)
	}
}

// With -cpu 2 the targets at GOMAXPROCS 1 cannot be judged: -check names
// them "not judged" and fails, and the tally counts them.
func TestCheckFailsOnTargetsItCannotJudge(t *testing.T) {
	if raceEnabled {
		t.Skip("timings under the race detector mean nothing")
	}
	code, out, errText := runCLI(t, "-quiet", "-check", "-rounds", "5", "-benchtime", "1ms", "-cpu", "2", "-scenario", "acquire-release")
	if code != 1 {
		t.Errorf("-check with targets at cpu=1 unjudged: exit %d, want 1", code)
	}
	if !strings.Contains(errText, "not judged") || !strings.Contains(errText, "cpu=1") {
		t.Errorf("stderr %q does not name the targets not judged", errText)
	}
	if last := lastLine(out); !strings.HasPrefix(last, "targets: ") || !strings.Contains(last, "not judged") {
		t.Errorf("last stdout line %q, want the tally with the targets not judged", last)
	}
}

// lastLine is the last non-empty line of text.
func lastLine(text string) string {
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	return lines[len(lines)-1]
}

// -quick runs smoke sizes: it judges nothing, says so, and ends with the tally.
func TestQuickJudgesNothingAndTheLastLineIsTheTally(t *testing.T) {
	code, out, errText := runCLI(t, "-quick", "-quiet", "-scenario", "memory")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errText)
	}
	if strings.Contains(out, "(met)") || strings.Contains(out, "MISSED") {
		t.Errorf("-quick judged a target:\n%s", out)
	}
	if !strings.Contains(out, "-quick") || !strings.Contains(out, "not judged") {
		t.Errorf("-quick does not say it judges nothing:\n%s", out)
	}
	if last := lastLine(out); last != "targets: 0 met, 0 missed, 2 not judged" {
		t.Errorf("last line %q, want the tally of memory's 2 targets not judged", last)
	}
	code, out, _ = runCLI(t, "-quick", "-quiet", "-scenario", "churn")
	if last := lastLine(out); code != 0 || !strings.HasPrefix(last, "targets: ") {
		t.Errorf("exit %d, last line %q: want the tally", code, last)
	}
}

func TestQuickCheckIsRefused(t *testing.T) {
	code, out, errText := runCLI(t, "-quick", "-check", "-scenario", "churn")
	if code != 2 || out != "" || !strings.Contains(errText, "-quick") {
		t.Errorf("-quick -check: exit %d, stdout %q, stderr %q; want 2, nothing run, and why", code, out, errText)
	}
}

// A hurried caller that gets (false, context.DeadlineExceeded) was told
// false, as much as one that got (false, nil).
func TestShortDeadlineCountsFalseWithAnErrorAsToldFalse(t *testing.T) {
	var got answers
	got.add(false, context.DeadlineExceeded)
	got.add(false, nil)
	got.add(true, nil)
	if got.toldFalse != 2 {
		t.Errorf("told false = %d after (false, error), (false, nil), (true, nil); want 2", got.toldFalse)
	}
	res, err := runShortDeadline(t.Context(), &bench{sizes: quickSizes, progress: &progress{mode: progressOff}})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := res.row(implActor, 0, 0)
	n := quickSizes.deadlineCallers
	if told := a.value("hurried_told_false"); told != float64(n) {
		t.Errorf("actor hurried_told_false = %v, want all %d (each got false with the deadline's error)", told, n)
	}
	if s := summary(res); !strings.Contains(s, "actor: 1 fetch(es), 20 hurried callers told false") {
		t.Errorf("summary %q does not count the actor's (false, error) answers as told false", s)
	}
}

// A file git does not track (and does not ignore) makes the commit dirty:
// it may be compiled in.
func TestCommitIsDirtyWithAnUntrackedFile(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	dir := t.TempDir()
	gitIn := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.email=b@example.com", "-c", "user.name=b"}, args...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	gitIn("init", "-q")
	if err := os.WriteFile(filepath.Join(dir, "a.go"), []byte("package a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	gitIn("add", "a.go")
	gitIn("commit", "-q", "-m", "a")
	t.Chdir(dir)
	if c := gitCommit(); strings.HasSuffix(c, "-dirty") || c == "unknown" {
		t.Fatalf("clean checkout: commit %q", c)
	}
	if err := os.WriteFile(filepath.Join(dir, "b.go"), []byte("package a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if c := gitCommit(); !strings.HasSuffix(c, "-dirty") {
		t.Errorf("untracked b.go: commit %q, want it marked -dirty", c)
	}
}

// Every measured open+close pair closes a lease opened at least 1000 pairs
// before, and the rows say so.
func TestAcquireReleaseLeasesLive(t *testing.T) {
	if raceEnabled {
		t.Skip("timings under the race detector mean nothing")
	}
	code, out, errText := runCLI(t, "-quick", "-quiet", "-json", "-rounds", "1", "-benchtime", "1ms", "-cpu", "1,2", "-scenario", "acquire-release")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errText)
	}
	live := 0
	for _, l := range jsonLines(t, out) {
		if l["scenario"] != "acquire-release" || l["variant"] != nil || l["impl"] == implFloor {
			continue
		}
		if pairs, _ := l["lease_lifetime_pairs"].(float64); pairs < 1000 {
			t.Errorf("row %v: lease_lifetime_pairs %v, want >= 1000", l, l["lease_lifetime_pairs"])
		}
		live++
	}
	if live == 0 {
		t.Error("no acquire-release rows")
	}
}

// pairs closes, in each timed pair, the lease its goroutine opened
// leaseLifetime pairs before; with lifetime 0, the one it just opened.
func TestPairsCloseALeaseOpenedLifetimePairsBefore(t *testing.T) {
	for _, lifetime := range []int{leaseLifetime, 0} {
		opened := 0    // leases opened so far, the ring's included
		var ages []int // for each close, leases opened since the closed one
		open := func(string) (int, error) {
			opened++
			return opened, nil
		}
		shut := func(l int) { ages = append(ages, opened-l) }
		var failed atomic.Int64
		prev := runtime.GOMAXPROCS(1)
		run := pairs(hostNames(3), lifetime, open, shut, nil, &failed)()
		ages = nil // the timed pairs only
		run.body(&countdown{n: 5000})
		runtime.GOMAXPROCS(prev)
		if len(ages) != 5000 || failed.Load() != 0 {
			t.Fatalf("lifetime %d: %d closes in 5000 pairs (%d failures)", lifetime, len(ages), failed.Load())
		}
		for i, age := range ages {
			if age != lifetime {
				t.Fatalf("lifetime %d: pair %d closed a lease opened %d pairs before", lifetime, i, age)
			}
		}
	}
}
