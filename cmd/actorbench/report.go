package main

import (
	"bytes"
	"cmp"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// reporter writes each scenario's result as it finishes: a table, a verdict
// and its targets, or JSON lines; with -bench also Go benchmark lines. It
// keeps every target judged, for -check and the results page.
type reporter struct {
	w           io.Writer
	json        bool
	bench       bool
	quick       bool // judge nothing: smoke sizes
	benchHeader bool // the goos/goarch/cpu lines are out
	verdicts    []Verdict
}

// meta is what a reader needs to know about the run before its figures.
type meta struct {
	GoVersion   string
	GOOS        string
	GOARCH      string
	Machine     string // the CPU's model, and virtualization when known
	NumCPU      int
	GOMAXPROCS  int   // the process's own, outside the timing rows
	CPUs        []int // -cpu: GOMAXPROCS of the timing rows
	LoadAverage float64
	Commit      string
	Rounds      int
	Benchtime   time.Duration
	Quick       bool
	Started     time.Time
}

func newMeta(o options, b *bench) meta {
	return meta{
		GoVersion:   runtime.Version(),
		GOOS:        runtime.GOOS,
		GOARCH:      runtime.GOARCH,
		Machine:     machine(),
		NumCPU:      runtime.NumCPU(),
		GOMAXPROCS:  runtime.GOMAXPROCS(0),
		CPUs:        b.cpus,
		LoadAverage: loadAverage(),
		Commit:      gitCommit(),
		Rounds:      b.rounds,
		Benchtime:   b.sizes.benchtime,
		Quick:       o.quick,
		Started:     time.Now().UTC().Truncate(time.Second),
	}
}

// line is the meta as the text header's one line.
func (m meta) line() string {
	sizes := "default sizes"
	if m.Quick {
		sizes = "-quick sizes (no target judged)"
	}
	return fmt.Sprintf("# actorbench: baseline (the published mutex design) vs mutex-policy (our policy behind locks) vs actor, %s, %s %s/%s, %s, %d CPUs, GOMAXPROCS %d (timing rows: -cpu %s), %d rounds per timed figure (%v each), load average %.2f, commit %s, %s",
		sizes, m.GoVersion, m.GOOS, m.GOARCH, m.Machine, m.NumCPU, m.GOMAXPROCS, cpuList(m.CPUs), m.Rounds, m.Benchtime,
		m.LoadAverage, m.Commit, m.Started.Format(time.RFC3339))
}

func (r *reporter) header(m meta) error {
	if !r.json {
		_, err := fmt.Fprintln(r.w, m.line())
		return err
	}
	var o jsonObject
	o.kv("scenario", "meta")
	o.kv("go_version", m.GoVersion)
	o.kv("goos", m.GOOS)
	o.kv("goarch", m.GOARCH)
	o.kv("machine", m.Machine)
	o.kv("num_cpu", m.NumCPU)
	o.kv("gomaxprocs", m.GOMAXPROCS)
	o.kv("cpu", m.CPUs)
	o.kv("load_average", m.LoadAverage)
	o.kv("commit", m.Commit)
	o.kv("rounds", m.Rounds)
	o.kv("benchtime", m.Benchtime.String())
	o.kv("quick", m.Quick)
	o.kv("started", m.Started.Format(time.RFC3339))
	return o.writeTo(r.w)
}

// machine names the CPU and how the machine runs, best effort, so that two
// results can be told apart: the model from /proc/cpuinfo, "virtual
// machine" when the CPU reports a hypervisor, "container" inside Docker or
// Podman.
func machine() string {
	parts := []string{cmp.Or(cpuModel(), "unknown CPU")}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil && bytes.Contains(b, []byte(" hypervisor")) {
		parts = append(parts, "virtual machine")
	}
	for _, marker := range []string{"/.dockerenv", "/run/.containerenv"} {
		if _, err := os.Stat(marker); err == nil {
			parts = append(parts, "container")
			break
		}
	}
	return strings.Join(parts, ", ")
}

// loadAverage is the one-minute load average, best effort (0 when unknown).
func loadAverage() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	one, _, _ := strings.Cut(string(b), " ")
	v, _ := strconv.ParseFloat(one, 64)
	return v
}

// gitCommit names the checkout the bench measures: the commit, marked
// "-dirty" when any file differs from it, tracked or not (an untracked .go
// file may be compiled in; only what git ignores does not count); "unknown"
// outside git. It reads the checkout before the run writes anything.
func gitCommit() string {
	top, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
	if err != nil {
		return "unknown"
	}
	dir := strings.TrimSpace(string(top))
	out, err := exec.Command("git", "-C", dir, "rev-parse", "--short=12", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	commit := strings.TrimSpace(string(out))
	changed, err := exec.Command("git", "-C", dir, "status", "--porcelain", "--untracked-files=normal").Output()
	if err == nil && len(strings.TrimSpace(string(changed))) > 0 {
		commit += "-dirty"
	}
	return commit
}

// report writes res and its targets; a -quick run judges none.
func (r *reporter) report(res Result) error {
	vs := targets(res)
	if r.quick {
		for i, v := range vs {
			vs[i] = notJudged(v.Scenario, v.Target, v.Limit, quickWhy)
		}
	}
	r.verdicts = append(r.verdicts, vs...)
	if r.json {
		if err := r.writeJSON(res, vs); err != nil {
			return err
		}
	} else {
		r.writeTable(res, vs)
	}
	if r.bench {
		r.writeBenchLines(res)
	}
	return nil
}

// failedOf is the targets in vs that fail -check: missed, inconclusive, not
// judged, or on a broken floor.
func failedOf(vs []Verdict) []Verdict {
	var out []Verdict
	for _, v := range vs {
		if v.Status.fails() {
			out = append(out, v)
		}
	}
	return out
}

// cpuList prints a -cpu list as go test takes it.
func cpuList(cpus []int) string { return intList(cpus) }

func intList(v []int) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ",")
}

// writeTally writes the run's last line to w: how many targets were met,
// missed, inconclusive and not judged (a -quick run says why it judged
// none); with -json, a record.
func (r *reporter) writeTally(w io.Writer) error {
	c := tally(r.verdicts)
	if r.json {
		var o jsonObject
		o.kv("scenario", "tally")
		o.kv("met", c.met)
		o.kv("missed", c.missed)
		o.kv("inconclusive", c.inconclusive)
		o.kv("not_judged", c.notJudged)
		o.kv("not_judged_cpus", c.beyondCPUs)
		return o.writeTo(w)
	}
	if r.quick {
		fmt.Fprintf(w, "\n%s: no target judged.\n", quickNote)
	}
	_, err := fmt.Fprintf(w, "\n%s\n", tallyLine(r.verdicts))
	return err
}
