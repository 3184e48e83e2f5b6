package main

import (
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
	benchHeader bool // the goos/goarch/cpu lines are out
	verdicts    []Verdict
}

// meta is what a reader needs to know about the run before its figures.
type meta struct {
	GoVersion   string
	GOOS        string
	GOARCH      string
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
	sizes := "the issue's sizes"
	if m.Quick {
		sizes = "-quick sizes"
	}
	return fmt.Sprintf("# actorbench: actor vs baseline (the mutex design), %s, %s %s/%s, %d CPUs, GOMAXPROCS %d (timing rows: -cpu %s), %d rounds per timed figure (%v each), load average %.2f, commit %s, %s",
		sizes, m.GoVersion, m.GOOS, m.GOARCH, m.NumCPU, m.GOMAXPROCS, cpuList(m.CPUs), m.Rounds, m.Benchtime,
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
// "-dirty" when tracked code differs from it; "unknown" outside git.
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
	// Only code counts: the results page and README are what a run rewrites.
	changed, err := exec.Command("git", "-C", dir, "status", "--porcelain", "--untracked-files=no",
		"--", "*.go", "*.mod", "*.sum").Output()
	if err == nil && len(strings.TrimSpace(string(changed))) > 0 {
		commit += "-dirty"
	}
	return commit
}

// report writes res; floor is the floor scenario's result when it has run.
func (r *reporter) report(res Result, floor *Result) error {
	vs := targets(res, floor)
	r.verdicts = append(r.verdicts, vs...)
	if r.json {
		if err := r.writeJSON(res, vs); err != nil {
			return err
		}
	} else {
		r.writeTable(res, floor, vs)
	}
	if r.bench {
		r.writeBenchLines(res)
	}
	return nil
}

// missedOf is the targets in vs that were not met.
func missedOf(vs []Verdict) []Verdict {
	var out []Verdict
	for _, v := range vs {
		if !v.Met {
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
