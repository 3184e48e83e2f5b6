package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
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
	b.WriteString(pageWhy)
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
	sizes := "default (see -list)"
	if m.Quick {
		sizes = "-quick"
	}
	fmt.Fprintf(b, "| run | |\n|---|---|\n")
	fmt.Fprintf(b, "| started | %s, took %v |\n", m.Started.Format("2006-01-02 15:04:05 UTC"), p.took)
	fmt.Fprintf(b, "| commit | `%s` |\n", m.Commit)
	fmt.Fprintf(b, "| Go | %s %s/%s |\n", m.GoVersion, m.GOOS, m.GOARCH)
	fmt.Fprintf(b, "| machine | %s |\n", m.Machine)
	fmt.Fprintf(b, "| CPUs | %d; GOMAXPROCS %d, timing rows at -cpu %s |\n", m.NumCPU, m.GOMAXPROCS, cpuList(m.CPUs))
	fmt.Fprintf(b, "| load average at start | %.2f |\n", m.LoadAverage)
	fmt.Fprintf(b, "| rounds | %d per timed figure (%v each for the Go benchmarks); the median, min-max in brackets |\n", m.Rounds, m.Benchtime)
	fmt.Fprintf(b, "| sizes | %s |\n", sizes)
}

// writeSummary writes the table of the run's headline figures, losses
// included: the three implementations, and the actor over the other two.
func (p resultsPage) writeSummary(b *bytes.Buffer) {
	fmt.Fprintf(b, "| scenario | published design (baseline) | same policy, mutex (mutex-policy) | actor | actor/baseline | actor/mutex-policy |\n|---|---|---|---|---|---|\n")
	for _, r := range summaryRows(p.results) {
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s |\n", r.what, r.cells[0], r.cells[1], r.cells[2], r.ratios[0], r.ratios[1])
	}
}

// costWhat says in a few words what the timed rows measure.
func costWhat() string {
	if cost.field == cpuCost.field {
		return "the CPU time of the whole process per op (every thread: callers, the actor's loop, the GC)"
	}
	return "wall-clock time per op"
}

// writeTargetTable writes every target as a table row: the figure, its
// limit, the figure round by round (timed ones), and the verdict.
func writeTargetTable(b *bytes.Buffer, vs []Verdict) {
	fmt.Fprintf(b, "| target | figure | limit | round by round | verdict |\n|---|---|---|---|---|\n")
	for _, v := range vs {
		figure, rounds, verdict := formatFloat(v.Value), "-", v.Status.String()
		if v.Hi > 0 {
			rounds = fmt.Sprintf("%.2f-%.2f", v.Lo, v.Hi)
		}
		if !v.Status.judged() {
			figure, verdict = "-", fmt.Sprintf("not judged (%s)", v.Why)
		}
		target := strings.ReplaceAll(v.Scenario+": "+v.Target, "|", `\|`) // |actor - mutex-policy|
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s |\n", target, figure, formatFloat(v.Limit), rounds, verdict)
	}
}

func (p resultsPage) writeTargets(b *bytes.Buffer) {
	fmt.Fprintf(b, "%s (%d in all).\n\n", tallyLine(p.verdicts), len(p.verdicts))
	var timedMisses []string
	for _, v := range p.verdicts {
		fmt.Fprintf(b, "- %s %s\n", v.Scenario, v)
		if v.Status == statusMissed && v.Rounds != "" && !slices.Contains(timedMisses, v.Scenario) {
			timedMisses = append(timedMisses, v.Scenario)
		}
	}
	// Where a timed target is missed, say how to see where the time goes.
	for _, s := range timedMisses {
		fmt.Fprintf(b, "\nWhere %s's time goes: `make bench ARGS='-scenario %s -cpu 1 -cpuprofile cpu.out'`, then `go tool pprof -top -cum -focus flagactor cpu.out` (the profile covers every implementation of the scenario; -focus keeps the actor's part).\n", s, s)
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
		return scenario + ": requests per simulated second, lower is better"
	}
	return scenario + ": " + cost.label + " by GOMAXPROCS, lower is better"
}

// pageWhy explains, below the results page's summary, the figures that need it; it names no figure, so it
// holds for any run.
const pageWhy = "\nThe fleet: the baseline's fixed 15 minutes bring every process back in the same second. The actor's expiries " +
	"fall on a grid of tenths of the TTL with a phase of each process's own, so the first refreshes spread over the TTL's " +
	"last tenth and the later ones keep the whole TTL.\n\n" +
	"Policy and structure: `mutex-policy` runs the actor's rules (one fetch per host in flight with every caller waiting " +
	"on it, stale-while-revalidate, backoff with Retry-After, the server's TTL clamped, linger after the last release, " +
	"and the rows of the actor's failure table for a lease's own failures and Invalidate) " +
	"as a good Go engineer writes them with locks: the answer published through an atomic pointer (a warm query takes " +
	"no lock), a read lock and an atomic lease count for open and close, the write lock only where the map changes. " +
	"Where its counts equal the actor's (stampede, churn, short-deadline, outage, retry-after), the win over the " +
	"published design is the policy's: both our implementations count the same. Where the actor differs from it in " +
	"time or bytes (open+close, warm query, scale, memory), the difference is the structure's. " +
	"An open+close pair with leases that live is a lease allocation, a host check " +
	"and two pushes onto the loop's lock-free mailbox, against lock/unlock pairs for the mutex designs; at connection-open costs of " +
	"milliseconds the difference does not show. Right after release the actor and mutex-policy keep each host's entry " +
	"until its value expires, so a pool that reopens does not refetch; the baseline deletes it at once.\n"

// readmeChart is the one chart README shows: where the structure is measured.
const readmeChart = "acquire-release"

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
	fmt.Fprintf(&b, "One `make results` run on %s (%d CPUs, %s, commit `%s`, load average %.2f at start; timed rows are %s, medians of %d interleaved rounds). "+
		"Three implementations: the published design (`baseline`, our re-implementation of the per-host `featureFlagCache` in the Databricks SQL Go driver's [telemetry design](https://github.com/databricks/databricks-sql-go/blob/main/telemetry/DESIGN.md): a map behind a mutex, a fixed TTL, no backoff), the same policy as the actor behind a mutex (`mutex-policy`), and the actor. "+
		"Lower is better in every row. The published design reads its flag once per connection open, not per statement: its warm-query row is what one read costs it, which a driver built on it pays per connection. "+
		"The machine (%s) may be shared and noisy: compare within a run. "+
		"[%s](%s) has every figure with its range, every target, every chart and the whole output.\n\n",
		m.Started.Format("2006-01-02"), m.NumCPU, m.GoVersion, m.Commit, m.LoadAverage, costWhat(), m.Rounds, m.Machine, filepath.ToSlash(page), filepath.ToSlash(page))
	fmt.Fprintf(&b, "| lower is better | published design | same policy, mutex | actor |\n|---|---|---|---|\n")
	for _, r := range summaryRows(p.results) {
		if r.headline {
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", r.what, r.short[0], r.short[1], r.short[2])
		}
	}
	fmt.Fprintf(&b, "\n%s ([each target](%s#targets))\n\n", tallyLine(p.verdicts), filepath.ToSlash(page))
	writeTargetTable(&b, p.verdicts)
	for _, c := range charts {
		if strings.TrimSuffix(filepath.Base(c), ".png") != readmeChart {
			continue
		}
		rel, err := filepath.Rel(dir, c)
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "\n![%s](%s)\n", chartCaption(readmeChart), filepath.ToSlash(rel))
	}
	b.WriteString(readmeEnd)
	b.Write(after)
	return os.WriteFile(readme, b.Bytes(), 0o644)
}

// summaryRow is one line of the summary: what, then baseline, mutex-policy
// and actor ("-" where one did not run), then the actor over the other two.
type summaryRow struct {
	what     string
	cells    [3]string // with the range of the rounds
	short    [3]string // the median alone, for README
	ratios   [2]string
	headline bool // also in README's table
}

// summaryRows are the figures of every scenario run, one line each.
func summaryRows(results []Result) []summaryRow {
	var rows []summaryRow
	for _, res := range results {
		get := func(impl string) (Row, bool) { return res.row(impl, 0, rowHosts(res)) }
		// line adds a row of field for every implementation; with two
		// fields, "first / second".
		line := func(what string, headline bool, fields ...string) {
			r := summaryRow{what: what, headline: headline, ratios: [2]string{"-", "-"}}
			a, _ := get(implActor)
			for i, impl := range impls {
				row, ok := get(impl)
				if !ok {
					r.cells[i], r.short[i] = "-", "-"
					continue
				}
				var full, short []string
				for _, name := range fields {
					f := mustField(row, name)
					full, short = append(full, formatValue(f)), append(short, formatValue(Field{Name: f.Name, Value: f.Value, Kind: f.Kind}))
				}
				r.cells[i], r.short[i] = strings.Join(full, " / "), strings.Join(short, " / ")
				if len(fields) == 1 && impl != implActor {
					r.ratios[i] = formatRatio(a.value(fields[0]), row.value(fields[0]))
				}
			}
			rows = append(rows, r)
		}
		a, _ := get(implActor)
		switch res.Scenario {
		case "stampede":
			line("stampede: cold queries at once; fetches / told false", true, "fetches", "told_false")
		case "churn":
			line("churn: open/query/close cycles in one TTL; fetches", true, "fetches")
		case "short-deadline":
			line("short-deadline: hurried callers; fetches / told false", true, "fetches", "hurried_told_false")
		case "outage":
			line(fmt.Sprintf("outage: 500s for %s, a query a second; requests", simSpan(len(a.Series))), true, "fetches")
		case "retry-after":
			line(fmt.Sprintf("retry-after: 429 + Retry-After: 60 for %s; requests", simSpan(len(a.Series))), false, "fetches")
		case "fleet":
			line("fleet: peak requests/s after the first minute", true, "peak_per_second")
			line("fleet: requests per process-hour, steady (from each process's first refresh)", false, "requests_per_process_hour")
			line("fleet: requests per process-hour, every request of the run", false, "requests_per_process_hour_all")
			line("fleet: requests in all", false, "fetches")
		case "warm-query", "acquire-release":
			rows = append(rows, timingSummaryRows(res)...)
		case "memory":
			line("memory: bytes per host, live", true, "bytes_per_host")
			line("memory: bytes per host right after release", false, "bytes_per_host_released")
			line("memory: bytes per host after the TTL", false, "bytes_per_host_after")
		case "scale":
			line(fmt.Sprintf("scale: %d hosts x %d connections; seconds", a.Hosts, int(a.value("leases"))/max(a.Hosts, 1)), true, "seconds")
			line("scale: peak heap bytes", false, "peak_heap_bytes")
			line("scale: bytes per lease", true, "bytes_per_lease")
			if g := scaleGrowthRow(res); g.what != "" {
				rows = append(rows, g)
			}
		}
	}
	return rows
}

// timingSummaryRows are a timing scenario's lines, one per GOMAXPROCS (and
// host count), with the floor of the same rounds named beside; README shows
// the warm query at every GOMAXPROCS and the pair at the targets' 1 and 2.
func timingSummaryRows(res Result) []summaryRow {
	var rows []summaryRow
	kind := timingFloor(res.Scenario)
	for _, r := range res.Rows {
		if r.Impl != implActor || r.Variant != "" {
			continue
		}
		what := fmt.Sprintf("warm query, cpu=%d; %s", r.GOMAXPROCS, cost.label)
		headline := true
		if res.Scenario == "acquire-release" {
			what = fmt.Sprintf("open+close pair (leases live), %s, cpu=%d; %s", hostCount(r.Hosts), r.GOMAXPROCS, cost.label)
			headline = r.GOMAXPROCS <= 2 // the targets' GOMAXPROCS
		}
		if fr, ok := res.floorRow(kind, r.GOMAXPROCS); ok {
			what += fmt.Sprintf(" (floor, %s: %s)", kind, formatFloat(fr.value(cost.field)))
		}
		sr := summaryRow{what: what, headline: headline, ratios: [2]string{"-", "-"}}
		for i, impl := range impls {
			o, ok := res.row(impl, r.GOMAXPROCS, r.Hosts)
			if !ok {
				sr.cells[i], sr.short[i] = "-", "-"
				continue
			}
			f := mustField(o, cost.field)
			sr.cells[i], sr.short[i] = formatValue(f), formatFloat(f.Value)
			if impl != implActor {
				sr.ratios[i] = formatRatio(r.value(cost.field), f.Value)
			}
		}
		rows = append(rows, sr)
	}
	return rows
}

// scaleGrowthRow is the growth of each implementation's time per host from
// scaleSmallHosts to the full scale run; what is "" without the small rows.
func scaleGrowthRow(res Result) summaryRow {
	r := summaryRow{what: fmt.Sprintf("scale: time per host, %d hosts over %d", rowHosts(res), scaleSmallHosts), headline: true, ratios: [2]string{"-", "-"}}
	for i, impl := range impls {
		g, _, lo, hi, ok := scaleGrowth(res, impl)
		if !ok {
			return summaryRow{}
		}
		r.short[i] = fmt.Sprintf("%.2fx", g)
		r.cells[i] = fmt.Sprintf("%.2fx (%.2f-%.2f)", g, lo, hi)
	}
	return r
}

// mustField is r's field called name, or a zero count when it has none.
func mustField(r Row, name string) Field {
	f, ok := r.field(name)
	if !ok {
		return Field{Name: name, Kind: kindCount}
	}
	return f
}
