package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// runCLI runs the command with args and returns its exit code, stdout and
// stderr.
func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	errFile, err := os.CreateTemp(t.TempDir(), "stderr")
	if err != nil {
		t.Fatal(err)
	}
	defer errFile.Close()
	var out bytes.Buffer
	code = run(t.Context(), args, &out, errFile)
	errText, err := os.ReadFile(errFile.Name())
	if err != nil {
		t.Fatal(err)
	}
	return code, out.String(), string(errText)
}

// jsonLines decodes one JSON object per line.
func jsonLines(t *testing.T, text string) []map[string]any {
	t.Helper()
	var lines []map[string]any
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		var obj map[string]any
		if err := json.Unmarshal(sc.Bytes(), &obj); err != nil {
			t.Fatalf("output line %q is not JSON: %v", sc.Text(), err)
		}
		lines = append(lines, obj)
	}
	return lines
}

func TestJSONStartsWithMetaAndHasAVerdictRecordPerTarget(t *testing.T) {
	code, out, errText := runCLI(t, "-quick", "-quiet", "-json", "-rounds", "1", "-scenario", "memory")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errText)
	}
	lines := jsonLines(t, out)
	if len(lines) == 0 || lines[0]["scenario"] != "meta" {
		t.Fatalf("first line = %v, want the meta record", lines[:min(1, len(lines))])
	}
	for _, key := range []string{"go_version", "goos", "goarch", "num_cpu", "gomaxprocs", "load_average", "commit", "rounds"} {
		if _, ok := lines[0][key]; !ok {
			t.Errorf("meta record lacks %q: %v", key, lines[0])
		}
	}
	if c, _ := lines[0]["commit"].(string); c == "" {
		t.Errorf("meta commit = %q, want a commit or \"unknown\"", c)
	}
	var verdicts int
	for _, l := range lines[1:] {
		if l["scenario"] != "verdict" {
			continue
		}
		verdicts++
		target, _ := l["target"].(string)
		_, hasValue := l["value"].(float64)
		_, hasLimit := l["limit"].(float64)
		_, hasMet := l["met"].(bool)
		if target == "" || !hasValue || !hasLimit || !hasMet || l["of"] != "memory" {
			t.Errorf("verdict record %v lacks of, target, value, limit or met", l)
		}
	}
	if verdicts != 2 {
		t.Errorf("%d verdict records for memory, want its 2 targets", verdicts)
	}
}

func TestCheckExitsOneWhenATargetIsMissed(t *testing.T) {
	met := atMost("s", "a figure", 1, 2, "")
	missed := atMost("s", "another figure", 3, 2, "")
	unjudged := notJudged("s", "another figure", 2, "no cpu=8 rows")
	broken := atMost("s", "another figure", 0.5, 2, "")
	broken.Status, broken.Met, broken.Why = statusBrokenFloor, false, "below its floor"
	for _, tc := range []struct {
		name  string
		check bool
		vs    []Verdict
		want  int
	}{
		{"all met", true, []Verdict{met, met}, 0},
		{"one missed", true, []Verdict{met, missed}, 1},
		{"one not judged", true, []Verdict{met, unjudged}, 1},
		{"one on a broken floor", true, []Verdict{met, broken}, 1},
		{"missed without -check", false, []Verdict{missed}, 0},
		{"no targets", true, nil, 1}, // a run that judged nothing fails -check
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stderr bytes.Buffer
			if got := checkExit(tc.check, tc.vs, &stderr); got != tc.want {
				t.Errorf("checkExit = %d, want %d", got, tc.want)
			}
			if tc.want == 1 && tc.vs != nil && !strings.Contains(stderr.String(), "another figure") {
				t.Errorf("stderr %q does not name the target", stderr.String())
			}
		})
	}
}

func TestTallyLine(t *testing.T) {
	met := atMost("s", "a", 1, 2, "")
	missed := atMost("s", "b", 3, 2, "")
	unjudged := notJudged("s", "c", 2, "why")
	for _, tc := range []struct {
		vs   []Verdict
		want string
	}{
		{nil, "targets: 0 met, 0 missed"},
		{[]Verdict{met, missed, met}, "targets: 2 met, 1 missed"},
		{[]Verdict{met, unjudged}, "targets: 1 met, 0 missed, 1 not judged"},
	} {
		if got := tallyLine(tc.vs); got != tc.want {
			t.Errorf("tallyLine(%v) = %q, want %q", tc.vs, got, tc.want)
		}
	}
}

func TestListGivesEveryScenarioWithALine(t *testing.T) {
	code, out, _ := runCLI(t, "-list")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, s := range scenarios {
		found := false
		for line := range strings.SplitSeq(out, "\n") {
			if fields := strings.Fields(line); len(fields) > 3 && fields[0] == s.name && strings.Contains(line, s.about) {
				found = true
			}
		}
		if !found {
			t.Errorf("-list has no line for %s with what it does:\n%s", s.name, out)
		}
	}
}

func TestPlotWithNoChartableScenarioSaysSo(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "charts")
	code, out, errText := runCLI(t, "-quick", "-quiet", "-scenario", "churn,memory", "-plot", dir)
	if code != 2 || !strings.Contains(errText, "no scenario picked has a chart") || !strings.Contains(errText, "fleet") {
		t.Errorf("exit %d, stderr %q: want 2 and a message naming the scenarios that chart", code, errText)
	}
	if out != "" {
		t.Errorf("stdout %q: want nothing run", out)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the chart directory was made (%v)", err)
	}
}

func TestCPUSetsGOMAXPROCSPerRowAndTimedFiguresCarryTheirRange(t *testing.T) {
	if raceEnabled {
		t.Skip("timings under the race detector mean nothing")
	}
	code, out, errText := runCLI(t, "-quiet", "-json", "-rounds", "3", "-benchtime", "1ms", "-cpu", "1,3", "-scenario", "warm-query")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errText)
	}
	seen := map[float64]int{}
	verdictRounds := ""
	for _, l := range jsonLines(t, out) {
		switch l["scenario"] {
		case "warm-query":
			cpu, _ := l["gomaxprocs"].(float64)
			seen[cpu]++
			if l["goroutines"] != cpu {
				t.Errorf("row %v: goroutines %v, want one per P", l, l["goroutines"])
			}
			ns, lo, hi := l["ns_per_op"].(float64), l["ns_per_op_min"].(float64), l["ns_per_op_max"].(float64)
			if !(lo <= ns && ns <= hi) || l["rounds"] != 3.0 {
				t.Errorf("row %v: want min <= median <= max over 3 rounds", l)
			}
		case "verdict":
			if strings.Contains(l["target"].(string), "actor/baseline "+cost.label+" at cpu=1") {
				verdictRounds, _ = l["rounds"].(string)
			}
		}
	}
	if seen[1] != 4 || seen[3] != 4 || len(seen) != 2 {
		t.Errorf("rows by gomaxprocs = %v, want the three and the floor at 1 and 3", seen)
	}
	if !strings.Contains(verdictRounds, "3 interleaved rounds") {
		t.Errorf("the cpu=1 ratio verdict says rounds %q: want which rounds it used", verdictRounds)
	}
}

func TestResultsPageAndReadmeComeFromTheRun(t *testing.T) {
	root := t.TempDir()
	readme := filepath.Join(root, "README.md")
	const before, after = "# project\n\n## Results\n\n", "\n\n## How it works\n\nprose stays\n"
	if err := os.WriteFile(readme, []byte(before+readmeBegin+"\nold figures\n"+readmeEnd+after), 0o644); err != nil {
		t.Fatal(err)
	}
	docs := filepath.Join(root, "docs")
	page := filepath.Join(docs, "results.md")
	code, out, errText := runCLI(t, "-quick", "-quiet", "-rounds", "1", "-scenario", "churn,outage,memory",
		"-plot", docs, "-markdown", page, "-readme", readme)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errText)
	}
	pageText, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| commit |", "| load average at start |", "## Summary", "| churn: ",
		"| published design (baseline) | same policy, mutex (mutex-policy) | actor |",
		"memory: bytes per host right after release", "## Targets", "memory actor bytes_per_host_after",
		"![outage: requests per simulated second, lower is better](outage.png)", "## The whole run", out} {
		if !strings.Contains(string(pageText), want) {
			t.Errorf("results page lacks %q", want)
		}
	}
	got, err := os.ReadFile(readme)
	if err != nil {
		t.Fatal(err)
	}
	text := string(got)
	if !strings.HasPrefix(text, before+readmeBegin) || !strings.HasSuffix(text, readmeEnd+after) {
		t.Errorf("README outside the markers changed:\n%s", text)
	}
	for _, want := range []string{"[docs/results.md](docs/results.md)", "| lower is better | published design | same policy, mutex | actor |",
		"| memory: bytes per host, live |", "targets: 0 met, 0 missed, 4 not judged"} {
		if !strings.Contains(text, want) {
			t.Errorf("README section lacks %q:\n%s", want, text)
		}
	}
	section := text[strings.Index(text, readmeBegin)+len(readmeBegin) : strings.Index(text, readmeEnd)]
	if n := strings.Count(strings.Trim(section, "\n"), "\n") + 1; n > 30 {
		t.Errorf("README's results section has %d lines, want at most 30:\n%s", n, section)
	}
	if strings.Contains(text, "old figures") {
		t.Error("README still shows the old figures")
	}

	// A README without the markers is refused, and left as it was.
	if err := os.WriteFile(readme, []byte("# no markers\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errText = runCLI(t, "-quick", "-quiet", "-rounds", "1", "-scenario", "outage",
		"-plot", docs, "-markdown", page, "-readme", readme)
	if code != 1 || !strings.Contains(errText, "no "+readmeBegin) {
		t.Errorf("README without markers: exit %d, stderr %q; want 1 and why", code, errText)
	}
}

// Each timing case runs under its own GOMAXPROCS, on one goroutine per P,
// and the process's GOMAXPROCS is back afterwards.
func TestRunRoundsSetsGOMAXPROCSPerCase(t *testing.T) {
	if err := setBenchtime(time.Millisecond); err != nil {
		t.Fatal(err)
	}
	before := runtime.GOMAXPROCS(0)
	var mu sync.Mutex
	seen := map[int]bool{}  // GOMAXPROCS inside a body
	bodies := map[int]int{} // bodies run, by GOMAXPROCS
	probe := func() runSetup {
		return runSetup{body: func(l loop) {
			procs := runtime.GOMAXPROCS(0)
			mu.Lock()
			bodies[procs]++
			seen[procs] = true
			mu.Unlock()
			for l.Next() {
			}
		}}
	}
	b := &bench{rounds: 1, progress: &progress{mode: progressOff}}
	rows, err := runRounds(b, "probe", []timingCase{
		{impl: implFloor, floor: "probe", cpu: 1, bench: timed(probe)},
		{impl: implFloor, floor: "probe", cpu: 3, bench: timed(probe)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := runtime.GOMAXPROCS(0); got != before {
		t.Errorf("GOMAXPROCS after the rounds = %d, want %d back", got, before)
	}
	if len(seen) != 2 || !seen[1] || !seen[3] {
		t.Errorf("bodies ran under GOMAXPROCS %v, want 1 and 3", slices.Sorted(maps.Keys(seen)))
	}
	// testing.Benchmark runs the function several times, growing b.N: at 1 P
	// one body per run, at 3 Ps three per run.
	if bodies[3]%3 != 0 || bodies[3] < 3 || bodies[1] < 1 {
		t.Errorf("body calls by GOMAXPROCS = %v, want a multiple of 3 at 3", bodies)
	}
	for _, r := range rows {
		if r.Goroutines != r.GOMAXPROCS {
			t.Errorf("row at GOMAXPROCS %d says %d goroutines", r.GOMAXPROCS, r.Goroutines)
		}
	}
}

func TestCPUProfileOfOneScenario(t *testing.T) {
	prof := filepath.Join(t.TempDir(), "cpu.out")
	code, _, errText := runCLI(t, "-quick", "-quiet", "-scenario", "churn", "-cpuprofile", prof)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errText)
	}
	if st, err := os.Stat(prof); err != nil || st.Size() == 0 {
		t.Errorf("no CPU profile written (%v)", err)
	}
}
