package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// The markers around README's results section, which -readme rewrites.
const (
	readmeBegin = "<!-- results:begin -->"
	readmeEnd   = "<!-- results:end -->"
)

// errNoMarkers is returned when a README lacks the results markers.
var errNoMarkers = errors.New("no " + readmeBegin + " ... " + readmeEnd + " section")

// resultsPage is one run written up: docs/results.md and README's section
// come from it, so every figure, chart and verdict shown is of that run.
type resultsPage struct {
	meta     meta
	results  []Result
	verdicts []Verdict
	text     string // the whole text output
	took     time.Duration
}

// write writes the page to path; charts are the chart files of the run.
func (p resultsPage) write(path string, charts []string) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# actorbench results\n\n")
	fmt.Fprintf(&b, "Written by `make results` from one actorbench run: every figure, verdict and chart below is of that run. Do not edit by hand; rerun it.\n\n")
	p.writeMeta(&b)
	fmt.Fprintf(&b, "\n## Summary\n\n")
	p.writeSummary(&b)
	fmt.Fprintf(&b, "\n## Targets\n\n")
	p.writeTargets(&b)
	if len(charts) > 0 {
		fmt.Fprintf(&b, "\n## Charts\n\n")
		if err := p.writeCharts(&b, filepath.Dir(path), charts); err != nil {
			return err
		}
	}
	fmt.Fprintf(&b, "\n## The whole run\n\n```\n%s```\n", p.text)
	return os.WriteFile(path, b.Bytes(), 0o644)
}

func (p resultsPage) writeMeta(b *bytes.Buffer) {
	m := p.meta
	sizes := "the issue's"
	if m.Quick {
		sizes = "-quick"
	}
	fmt.Fprintf(b, "| run | |\n|---|---|\n")
	fmt.Fprintf(b, "| started | %s, took %v |\n", m.Started.Format("2006-01-02 15:04:05 UTC"), p.took)
	fmt.Fprintf(b, "| commit | `%s` |\n", m.Commit)
	fmt.Fprintf(b, "| Go | %s %s/%s |\n", m.GoVersion, m.GOOS, m.GOARCH)
	fmt.Fprintf(b, "| CPUs | %d; GOMAXPROCS %d, timing rows at -cpu %s |\n", m.NumCPU, m.GOMAXPROCS, cpuList(m.CPUs))
	fmt.Fprintf(b, "| load average at start | %.2f |\n", m.LoadAverage)
	fmt.Fprintf(b, "| rounds | %d per timed figure (%v each for the Go benchmarks); the median, min-max in brackets |\n", m.Rounds, m.Benchtime)
	fmt.Fprintf(b, "| sizes | %s |\n", sizes)
}

// writeSummary writes the table of the run's headline figures, losses
// included: what, actor, baseline, actor/baseline.
func (p resultsPage) writeSummary(b *bytes.Buffer) {
	fmt.Fprintf(b, "| scenario | actor | baseline | actor/baseline |\n|---|---|---|---|\n")
	for _, line := range summaryRows(p.results) {
		fmt.Fprintf(b, "| %s |\n", strings.Join(line, " | "))
	}
}

func (p resultsPage) writeTargets(b *bytes.Buffer) {
	missed := missedOf(p.verdicts)
	fmt.Fprintf(b, "%d targets, %d met, %d missed.\n\n", len(p.verdicts), len(p.verdicts)-len(missed), len(missed))
	for _, v := range p.verdicts {
		fmt.Fprintf(b, "- %s %s\n", v.Scenario, v)
	}
}

// writeCharts links every chart, relative to dir.
func (p resultsPage) writeCharts(b *bytes.Buffer, dir string, charts []string) error {
	for _, c := range charts {
		rel, err := filepath.Rel(dir, c)
		if err != nil {
			return err
		}
		name := strings.TrimSuffix(filepath.Base(c), ".png")
		fmt.Fprintf(b, "![%s](%s)\n\n", chartCaption(name), filepath.ToSlash(rel))
	}
	return nil
}

func chartCaption(scenario string) string {
	switch scenario {
	case "fleet", "outage":
		return scenario + ": requests per simulated second"
	}
	return scenario + ": ns/op by GOMAXPROCS"
}

// readmeWhat says what the table compares.
const readmeWhat = "`actor` is flagactor with the real `telemetry.HTTPFetcher`; `baseline` is our re-implementation of the " +
	"published mutex design (`cmd/actorbench/internal/baseline`), on the same fetcher and clock. Every count comes from the " +
	"in-process TLS flag server or from the implementations' own code paths.\n\n"

// readmeWhy explains the figures that need it; it names no figure, so it
// holds for any run.
const readmeWhy = "\nThe fleet: the baseline's fixed 15 minutes bring every process back in the same second. The actor's expiries " +
	"fall on a grid of tenths of the TTL with a phase of each process's own, so the first refreshes spread over the TTL's " +
	"last tenth and the later ones keep the whole TTL.\n\n" +
	"Where the actor loses, and why: an open+close pair is a lease allocation, a host check and one or two channel sends " +
	"to the loop, against two lock/unlock pairs for the mutex design; at connection-open costs of milliseconds the " +
	"difference does not show. The `scale` scenario's cold queries each cross three goroutines (caller, loop, fetch) " +
	"where the baseline fetches inline, and the actor keeps a lease per connection where the baseline keeps a count. " +
	"Right after release the actor keeps each host's entry until its value expires, so a pool that reopens does not " +
	"refetch; the baseline deletes it at once.\n"

// rewriteReadme replaces what lies between readme's markers with the run's
// summary, its targets, its charts and a link to the page at pagePath.
func (p resultsPage) rewriteReadme(readme, pagePath string, charts []string) error {
	old, err := os.ReadFile(readme)
	if err != nil {
		return err
	}
	before, rest, ok := bytes.Cut(old, []byte(readmeBegin))
	if !ok {
		return fmt.Errorf("%s: %w", readme, errNoMarkers)
	}
	_, after, ok := bytes.Cut(rest, []byte(readmeEnd))
	if !ok {
		return fmt.Errorf("%s: %w", readme, errNoMarkers)
	}
	dir := filepath.Dir(readme)
	page, err := filepath.Rel(dir, pagePath)
	if err != nil {
		return err
	}
	m := p.meta
	var b bytes.Buffer
	b.Write(before)
	fmt.Fprintf(&b, "%s\n<!-- written by make results; do not edit by hand -->\n\n", readmeBegin)
	fmt.Fprintf(&b, "One `make results` run on %s (%d CPUs, %s, timing rows at GOMAXPROCS %s, %d rounds per timed figure: the median, min-max in brackets; load average %.2f at start; commit `%s`). The machine is shared and noisy: compare the ratios within a run, not the absolute times. [docs/results.md](%s) has the run's metadata, every target and the whole text output.\n\n",
		m.Started.Format("2006-01-02"), m.NumCPU, m.GoVersion, cpuList(m.CPUs), m.Rounds, m.LoadAverage, m.Commit, filepath.ToSlash(page))
	b.WriteString(readmeWhat)
	p.writeSummary(&b)
	fmt.Fprintf(&b, "\nTargets: ")
	p.writeTargets(&b)
	b.WriteString(readmeWhy)
	if len(charts) > 0 {
		b.WriteString("\n")
		if err := p.writeCharts(&b, dir, charts); err != nil {
			return err
		}
	}
	b.WriteString(readmeEnd)
	b.Write(after)
	return os.WriteFile(readme, b.Bytes(), 0o644)
}

// summaryRows are the headline figures of every scenario run, one line each:
// what, actor, baseline, actor/baseline.
func summaryRows(results []Result) [][]string {
	var rows [][]string
	var floor *Result
	for i := range results {
		if results[i].Scenario == "floor" {
			floor = &results[i]
		}
	}
	for _, res := range results {
		a, _ := res.row(implActor, 0, rowHosts(res))
		b, _ := res.row(implBaseline, 0, rowHosts(res))
		count := func(r Row, name string) string { return formatValue(mustField(r, name)) }
		side := func(what, field, unit string) {
			af, bf := mustField(a, field), mustField(b, field)
			rows = append(rows, []string{what, formatValue(af) + unit, formatValue(bf) + unit, formatRatio(af.Value, bf.Value)})
		}
		switch res.Scenario {
		case "stampede":
			rows = append(rows, []string{res.Scenario + ": cold queries at once; fetches / told false",
				count(a, "fetches") + " / " + count(a, "wrong"), count(b, "fetches") + " / " + count(b, "wrong"), "-"})
		case "churn":
			side("churn: open/query/close cycles in one TTL; fetches", "fetches", "")
		case "short-deadline":
			rows = append(rows, []string{res.Scenario + ": hurried callers; fetches / told false",
				count(a, "fetches") + " / " + count(a, "hurried_wrong"), count(b, "fetches") + " / " + count(b, "hurried_wrong"), "-"})
		case "outage":
			side(fmt.Sprintf("outage: 500s for %s, a query a second; requests", simSpan(len(a.Series))), "fetches", "")
		case "retry-after":
			side(fmt.Sprintf("retry-after: 429 + Retry-After: 60 for %s; requests", simSpan(len(a.Series))), "fetches", "")
		case "fleet":
			side("fleet: peak requests/s after the first minute", "peak_per_second", "")
			side("fleet: requests per process-hour, steady (from each process's first refresh)", "requests_per_process_hour", "")
			side("fleet: requests per process-hour, every request of the run", "requests_per_process_hour_all", "")
			side("fleet: requests in all", "fetches", "")
		case "warm-query", "acquire-release":
			for _, r := range res.Rows {
				if r.Impl != implActor {
					continue
				}
				br, _ := res.row(implBaseline, r.GOMAXPROCS, r.Hosts)
				what := fmt.Sprintf("warm query, cpu=%d; ns/op", r.GOMAXPROCS)
				if res.Scenario == "acquire-release" {
					what = fmt.Sprintf("open+close pair, %s, cpu=%d; ns/op", hostCount(r.Hosts), r.GOMAXPROCS)
				}
				if floor != nil {
					kind := timingFloor(res.Scenario)
					if fr, ok := floor.floorRow(kind, r.GOMAXPROCS); ok {
						what += fmt.Sprintf(" (floor, %s: %s)", kind, formatFloat(fr.value("ns_per_op")))
					}
				}
				af, bf := mustField(r, "ns_per_op"), mustField(br, "ns_per_op")
				rows = append(rows, []string{what, formatValue(af), formatValue(bf), formatRatio(af.Value, bf.Value)})
			}
		case "memory":
			side("memory: bytes per host, live", "bytes_per_host", "")
			side("memory: bytes per host right after release", "bytes_per_host_released", "")
			side("memory: bytes per host after the TTL", "bytes_per_host_after", "")
		case "scale":
			side(fmt.Sprintf("scale: %d hosts x %d connections; seconds", a.Hosts, int(a.value("leases"))/max(a.Hosts, 1)), "seconds", "")
			side("scale: peak heap bytes", "peak_heap_bytes", "")
			side("scale: bytes per lease", "bytes_per_lease", "")
		}
	}
	return rows
}

// mustField is r's field called name, or a zero count when it has none.
func mustField(r Row, name string) Field {
	f, ok := r.field(name)
	if !ok {
		return Field{Name: name, Kind: kindCount}
	}
	return f
}
