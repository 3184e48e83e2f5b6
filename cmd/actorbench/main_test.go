package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// timingScenarios are skipped under the race detector: their figures mean
// nothing there, and the count-based scenarios are what it should check.
var timingScenarios = []string{"floor", "warm-query", "acquire-release"}

// quickRun runs every scenario once with -quick -json and returns the
// results and the JSON lines.
func quickRun(t *testing.T) ([]Result, []map[string]any) {
	t.Helper()
	var picked []scenario
	for _, s := range scenarios {
		if raceEnabled && slices.Contains(timingScenarios, s.name) {
			continue
		}
		picked = append(picked, s)
	}
	var out bytes.Buffer
	o := options{quick: true, rounds: 1, json: true, cpus: []int{1, 2, 8}}
	run, err := runScenarios(t.Context(), o, picked, &out, &progress{mode: progressOff})
	if err != nil {
		t.Fatalf("quick run: %v", err)
	}
	out.WriteString(run.tally) // run writes it last, once the run is whole
	results := run.results
	var lines []map[string]any
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		var obj map[string]any
		if err := json.Unmarshal(sc.Bytes(), &obj); err != nil {
			t.Fatalf("output line %q is not JSON: %v", sc.Text(), err)
		}
		lines = append(lines, obj)
	}
	return results, lines
}

// TestQuickRunHoldsTheClaims runs every scenario at -quick sizes, for both
// implementations, and checks what must hold whatever the machine's speed.
func TestQuickRunHoldsTheClaims(t *testing.T) {
	results, lines := quickRun(t)
	byName := map[string]Result{}
	for _, r := range results {
		byName[r.Scenario] = r
	}
	sz := quickSizes
	get := func(scenario, impl, field string) float64 {
		t.Helper()
		res, ok := byName[scenario]
		if !ok {
			t.Fatalf("no result for %s", scenario)
		}
		row, ok := res.row(impl, 0, rowHosts(res))
		if !ok {
			t.Fatalf("%s: no %s row", scenario, impl)
		}
		f, ok := row.field(field)
		if !ok {
			t.Fatalf("%s/%s: no field %s", scenario, impl, field)
		}
		return f.Value
	}
	want := func(what string, ok bool, got ...float64) {
		t.Helper()
		if !ok {
			t.Errorf("%s does not hold (got %v)", what, got)
		}
	}

	a, b := get("stampede", implActor, "fetches"), get("stampede", implBaseline, "wrong")
	want("stampede: actor fetches == 1", a == 1, a)
	want("stampede: actor wrong == 0 and errors == 0",
		get("stampede", implActor, "wrong") == 0 && get("stampede", implActor, "errors") == 0,
		get("stampede", implActor, "wrong"), get("stampede", implActor, "errors"))
	want("stampede: baseline wrong > 0", b > 0, b)

	a, b = get("churn", implActor, "fetches"), get("churn", implBaseline, "fetches")
	want("churn: actor fetches == 1", a == 1, a)
	want("churn: baseline fetches == cycles", b == float64(sz.churnCycles), b)

	a, b = get("outage", implActor, "fetches"), get("outage", implBaseline, "fetches")
	want("outage: baseline fetches once per query", b == float64(sz.failingSeconds), b)
	want("outage: actor fetches far fewer (<= 1/20) than baseline", a > 0 && a*20 <= b, a, b)

	a = get("retry-after", implActor, "fetches")
	want("retry-after: actor fetches <= seconds/60 + 1", a >= 1 && a <= float64(sz.failingSeconds/60+1), a)

	want("short-deadline: actor filled", get("short-deadline", implActor, "filled") == 1)
	want("short-deadline: actor fetches == 1", get("short-deadline", implActor, "fetches") == 1,
		get("short-deadline", implActor, "fetches"))

	// 40 simulated minutes with a 15-minute TTL: every process fetches at
	// its start and refreshes twice, whatever its jitter.
	n := float64(sz.fleetActors)
	for _, impl := range implsOf("fleet") {
		f := get("fleet", impl, "fetches")
		want("fleet: "+impl+" fetches == 3 per process", f == 3*n, f)
		want("fleet: "+impl+" wrong == 0", get("fleet", impl, "wrong") == 0)
	}
	a, b = get("fleet", implActor, "peak_per_second"), get("fleet", implBaseline, "peak_per_second")
	want("fleet: baseline peak == every process at once", b == n, b)
	want("fleet: actor peak < baseline peak", a < b, a, b)
	a, b = get("fleet", implActor, "requests_per_process_hour"), get("fleet", implBaseline, "requests_per_process_hour")
	want("fleet: baseline refreshes every 15 minutes: 4 requests per process-hour", b == 4, b)
	want("fleet: actor's steady rate within 1% of the baseline's", a >= b && a <= 1.01*b, a, b)
	want("fleet: queries skip the seconds where no value can expire",
		get("fleet", implActor, "queries") < n*float64(sz.fleetSeconds)/2, get("fleet", implActor, "queries"))

	live, after := get("memory", implActor, "bytes_per_host"), get("memory", implActor, "bytes_per_host_after")
	want("memory: actor gives memory back once hosts are evicted", live > 0 && after < live/4, live, after)
	released := get("memory", implActor, "bytes_per_host_released")
	want("memory: actor keeps its entries right after release (until the TTL)", released > after, released, after)
	for _, impl := range impls {
		want("scale: "+impl+" fetches each host once", get("scale", impl, "fetches") == float64(sz.scaleHosts))
		want("scale: "+impl+" took time", get("scale", impl, "seconds") > 0)
	}
	want("scale: actor bytes_per_lease > 0", get("scale", implActor, "bytes_per_lease") > 0)

	if !raceEnabled {
		checkTimingRows(t, byName)
	}
	checkJSONLines(t, lines)
	checkTables(t, results)
	checkPlots(t, results)
	checkReadme(t, results)
}

// checkReadme writes README's results section from every scenario's result:
// a summary a person reads, at most 30 lines, in three columns.
func checkReadme(t *testing.T, results []Result) {
	t.Helper()
	dir := t.TempDir()
	readme := filepath.Join(dir, "README.md")
	if err := os.WriteFile(readme, []byte(readmeBegin+"\n"+readmeEnd+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	charts, err := writePlots(filepath.Join(dir, "docs"), results)
	if err != nil {
		t.Fatal(err)
	}
	page := resultsPage{results: results}
	if err := page.rewriteReadme(readme, filepath.Join(dir, "docs", "results.md"), charts); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(readme)
	if err != nil {
		t.Fatal(err)
	}
	section := strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(string(b)), readmeBegin), readmeEnd))
	if n := strings.Count(section, "\n") + 1; n > 30 {
		t.Errorf("README's results section has %d lines, want at most 30:\n%s", n, section)
	}
	if !strings.Contains(section, "| lower is better | published design | same policy, mutex | actor |") {
		t.Errorf("README's summary is not in the three columns:\n%s", section)
	}
	if strings.Count(section, "![") > 1 {
		t.Errorf("README's section shows more than one chart:\n%s", section)
	}
}

// checkTimingRows checks that every timing row was measured.
func checkTimingRows(t *testing.T, byName map[string]Result) {
	t.Helper()
	for _, cpu := range []int{1, 2, 8} {
		for _, kind := range floorKinds {
			r, ok := byName["floor"].floorRow(kind, cpu)
			if !ok || r.value("ns_per_op") <= 0 {
				t.Errorf("floor %s cpu=%d: missing or not measured", kind, cpu)
			}
		}
		for _, impl := range impls {
			if r, ok := byName["warm-query"].row(impl, cpu, 0); !ok || r.value("ns_per_op") <= 0 || r.Goroutines != cpu {
				t.Errorf("warm-query %s cpu=%d: missing or not measured (%+v)", impl, cpu, r)
			}
			for _, hosts := range quickSizes.arHosts {
				if r, ok := byName["acquire-release"].row(impl, cpu, hosts); !ok || r.value("ns_per_op") <= 0 {
					t.Errorf("acquire-release %s hosts=%d cpu=%d: missing or not measured", impl, hosts, cpu)
				}
			}
		}
		// Each timing scenario measures its floor in its own rounds.
		for scenario, kind := range map[string]string{"warm-query": floorAtomicClock, "acquire-release": floorTwoSends} {
			if r, ok := byName[scenario].floorRow(kind, cpu); !ok || r.value("ns_per_op") <= 0 {
				t.Errorf("%s: no %s floor row at cpu=%d", scenario, kind, cpu)
			}
		}
	}
}

// checkJSONLines checks that every line names its scenario and
// implementation, and that every scenario run has a line for each.
func checkJSONLines(t *testing.T, lines []map[string]any) {
	t.Helper()
	seen := map[string]bool{}
	if len(lines) == 0 || lines[0]["scenario"] != "meta" {
		t.Fatalf("the first JSON line is not the meta record: %v", lines[:min(len(lines), 1)])
	}
	if last := lines[len(lines)-1]; last["scenario"] != "tally" {
		t.Errorf("the last JSON line is not the tally: %v", last)
	}
	for _, l := range lines[1 : len(lines)-1] {
		scenario, _ := l["scenario"].(string)
		if scenario == "verdict" {
			continue // TestVerdictRecords
		}
		impl, _ := l["impl"].(string)
		if scenario == "" || impl == "" {
			t.Errorf("JSON line %v lacks scenario or impl", l)
		}
		seen[scenario+"/"+impl] = true
		if slices.Contains(timingScenarios, scenario) {
			if _, ok := l["gomaxprocs"]; !ok {
				t.Errorf("timing line %v lacks gomaxprocs", l)
			}
			if _, ok := l["ns_per_op"]; !ok {
				t.Errorf("timing line %v lacks ns_per_op", l)
			}
		}
	}
	for _, s := range scenarios {
		if raceEnabled && slices.Contains(timingScenarios, s.name) {
			continue
		}
		want := implsOf(s.name)
		if s.name == "floor" {
			want = []string{implFloor}
		}
		for _, impl := range want {
			if !seen[s.name+"/"+impl] {
				t.Errorf("no JSON line for %s/%s", s.name, impl)
			}
		}
	}
}

// benchLine is a Go benchmark line as benchstat reads it.
var benchLine = regexp.MustCompile(`^Benchmark[A-Za-z]+(/[a-z0-9=-]+)+\t\d+\t[0-9.]+ ns/op(\t[0-9.]+ cpu-ns/op)?\t\d+ allocs/op$`)

// checkTables renders every result as a table and as -bench lines.
func checkTables(t *testing.T, results []Result) {
	t.Helper()
	var out bytes.Buffer
	rep := &reporter{w: &out, bench: true}
	if err := rep.header(meta{}); err != nil {
		t.Fatal(err)
	}
	for _, res := range results {
		if err := rep.report(res); err != nil {
			t.Fatal(err)
		}
	}
	text := out.String()
	for _, res := range results {
		if !strings.Contains(text, "== "+res.Scenario+":") {
			t.Errorf("no table for %s", res.Scenario)
		}
	}
	if got := strings.Count(text, "Verdict: "); got != len(results) {
		t.Errorf("%d verdicts for %d scenarios", got, len(results))
	}
	benchLines := 0
	for line := range strings.SplitSeq(text, "\n") {
		if strings.HasPrefix(line, "Benchmark") {
			benchLines++
			if !benchLine.MatchString(line) {
				t.Errorf("bad benchmark line %q", line)
			}
		}
	}
	if !raceEnabled && benchLines == 0 {
		t.Error("-bench printed no benchmark lines")
	}
	if strings.Contains(text, "NaN") {
		t.Errorf("a table shows NaN:\n%s", text)
	}
}

// checkPlots writes the charts and checks each is a PNG.
func checkPlots(t *testing.T, results []Result) {
	t.Helper()
	dir := t.TempDir()
	files, err := writePlots(dir, results)
	if err != nil {
		t.Fatal(err)
	}
	wantFiles := []string{"fleet.png", "outage.png"}
	if !raceEnabled {
		wantFiles = append(wantFiles, "warm-query.png", "acquire-release.png")
	}
	for _, name := range wantFiles {
		path := filepath.Join(dir, name)
		if !slices.Contains(files, path) {
			t.Errorf("no chart %s (wrote %v)", name, files)
			continue
		}
		b, err := os.ReadFile(path)
		if err != nil || !bytes.HasPrefix(b, []byte("\x89PNG")) {
			t.Errorf("%s is not a PNG (%v)", name, err)
		}
	}
}

func TestSelectScenarios(t *testing.T) {
	for _, tc := range []struct {
		name, list string
		want       []string
		wantErr    bool
	}{
		{"all by default", "", scenarioNames(), false},
		{"all by name", "all", scenarioNames(), false},
		{"run order, not list order", "warm-query,floor", []string{"floor", "warm-query"}, false},
		{"spaces and repeats", " fleet , fleet", []string{"fleet"}, false},
		{"unknown", "fleet,nope", nil, true},
		{"empty list", ",", nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := selectScenarios(tc.list)
			if (err != nil) != tc.wantErr {
				t.Fatalf("selectScenarios(%q) error = %v, want error %v", tc.list, err, tc.wantErr)
			}
			var names []string
			for _, s := range got {
				names = append(names, s.name)
			}
			if !slices.Equal(names, tc.want) {
				t.Errorf("selectScenarios(%q) = %v, want %v", tc.list, names, tc.want)
			}
		})
	}
}

func TestParseFlags(t *testing.T) {
	for _, tc := range []struct {
		name    string
		args    []string
		wantErr bool
	}{
		{"defaults", nil, false},
		{"everything", []string{"-scenario", "fleet", "-rounds", "5", "-plot", "x", "-quiet", "-benchtime", "10ms", "-cpu", "1,4", "-check", "-markdown", "r.md", "-readme", "README.md", "-cpuprofile", "cpu.out"}, false},
		{"cpu not a number", []string{"-cpu", "1,two"}, true},
		{"cpu zero", []string{"-cpu", "0"}, true},
		{"readme without the page", []string{"-readme", "README.md", "-plot", "x"}, true},
		{"page with json", []string{"-markdown", "r.md", "-json"}, true},
		{"json and bench both write stdout", []string{"-json", "-bench"}, true},
		{"quick judges nothing, so no check", []string{"-quick", "-check"}, true},
		{"a profile of one scenario", []string{"-cpuprofile", "cpu.out", "-scenario", "churn"}, false},
		{"a profile of every scenario", []string{"-cpuprofile", "cpu.out"}, true},
		{"a profile of two scenarios", []string{"-cpuprofile", "cpu.out", "-scenario", "churn,fleet"}, true},
		{"no rounds", []string{"-rounds", "0"}, true},
		{"stray argument", []string{"fleet"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseFlags(tc.args, &bytes.Buffer{})
			if (err != nil) != tc.wantErr {
				t.Errorf("parseFlags(%q) error = %v, want error %v", tc.args, err, tc.wantErr)
			}
		})
	}
}
