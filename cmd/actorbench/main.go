// Command actorbench measures the flag actor (telemetry/flagactor) against
// the published mutex design it replaces (internal/baseline) and against our
// own policy behind a mutex (internal/mutexpolicy), scenario by scenario,
// against an in-process TLS flag server on loopback: nothing but Go needed.
// The peer tells what the policy wins from what the actor's structure costs.
//
//	go run ./cmd/actorbench                      # every scenario, a table each
//	go run ./cmd/actorbench -scenario fleet,outage -plot docs
//	go run ./cmd/actorbench -json                # one JSON object per row
//	go run ./cmd/actorbench -bench -scenario warm-query | benchstat /dev/stdin
//	go run ./cmd/actorbench -cpu 1,2,8 -check    # exit 1 when a target is missed, inconclusive or not judged
//	go run ./cmd/actorbench -scenario acquire-release -cpuprofile cpu.out
//	make results                                 # docs/results.md, charts and README from one run
//
// Every count comes from the flag server's counters or the implementations'
// own code paths; timing scenarios report the median of several rounds.
// Scenarios that span simulated hours run on clocks the bench moves by hand
// (see simulated in sim.go for how).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// options are the command line's settings.
type options struct {
	scenarios string
	json      bool
	bench     bool
	rounds    int
	plotDir   string
	quick     bool
	quiet     bool
	benchtime time.Duration
	list      bool
	cpus      []int
	check     bool
	markdown  string // write the results page here
	readme    string // rewrite this README's results section
	cpuprof   string // write a CPU profile of the run here
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	// Our own flag set: testing.Init (for -benchtime) fills flag.CommandLine
	// with the test flags, which are not this command's.
	fs := flag.NewFlagSet("actorbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.scenarios, "scenario", "all", "comma-separated scenarios to run: "+strings.Join(scenarioNames(), ","))
	fs.BoolVar(&o.json, "json", false, "print JSON lines instead of tables: a meta record, one per row, one per target (verdict)")
	fs.BoolVar(&o.bench, "bench", false, "also print Go benchmark lines (every round) for benchstat")
	fs.IntVar(&o.rounds, "rounds", 5, "rounds of each timed figure; the median is reported, with the min-max (1 with -quick, unless given)")
	fs.StringVar(&o.plotDir, "plot", "", "write PNG charts into this `dir`")
	fs.BoolVar(&o.quick, "quick", false, "small sizes (a smoke run, seconds long)")
	fs.BoolVar(&o.quiet, "quiet", false, "no progress on stderr")
	fs.DurationVar(&o.benchtime, "benchtime", 0, "time per timing benchmark round (default 60ms, 5ms with -quick)")
	fs.BoolVar(&o.list, "list", false, "list the scenarios, a line on each, and exit")
	cpu := fs.String("cpu", "1,2,8", "comma-separated GOMAXPROCS `list` for the timing scenarios, as go test -cpu")
	fs.BoolVar(&o.check, "check", false, "exit 1 when any target of the scenarios run is missed, inconclusive or cannot be judged, or when none could be (targets above the machine's CPUs are not judged and do not fail); needs -rounds 5 or more, not -quick")
	fs.StringVar(&o.cpuprof, "cpuprofile", "", "write a CPU profile of the run to this `file` (pick one scenario with -scenario); read it with go tool pprof")
	fs.StringVar(&o.markdown, "markdown", "", "also write the results page (metadata, summary, targets, charts, the whole text) to this `file`")
	fs.StringVar(&o.readme, "readme", "", "rewrite the results section of this README `file`, between "+readmeBegin+" and "+readmeEnd)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: actorbench [flags]\n\nThe flag actor against the mutex design, scenario by scenario.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if o.quick && !flagGiven(fs, "rounds") {
		o.rounds = 1 // a smoke run judges nothing: one round shows it works
	}
	cpus, err := parseCPUs(*cpu)
	if err != nil {
		return o, err
	}
	o.cpus = cpus
	switch {
	case fs.NArg() > 0:
		return o, fmt.Errorf("unexpected arguments: %q", fs.Args())
	case o.rounds < 1:
		return o, errors.New("-rounds must be at least 1")
	case o.json && o.bench:
		return o, errors.New("-json and -bench both write to stdout: pick one")
	case (o.markdown != "" || o.readme != "") && o.json:
		return o, errors.New("-markdown and -readme show the text output: not with -json")
	case o.readme != "" && (o.markdown == "" || o.plotDir == ""):
		return o, errors.New("-readme links the results page and the charts: give -markdown and -plot too")
	case o.quick && o.check:
		return o, errors.New("-quick runs smoke sizes, which judge no target: -check needs a full run")
	case o.check && o.rounds < minCheckRounds:
		return o, fmt.Errorf("-check judges medians and ranges of rounds: give -rounds %d or more", minCheckRounds)
	case o.cpuprof != "" && (o.scenarios == "" || o.scenarios == "all" || strings.Contains(o.scenarios, ",")):
		return o, errors.New("-cpuprofile profiles one scenario: name it with -scenario")
	}
	return o, nil
}

// minCheckRounds is the fewest rounds -check judges: with fewer, one noisy
// round moves the median and the range says little.
const minCheckRounds = 5

// flagGiven reports whether the command line set the flag called name.
func flagGiven(fs *flag.FlagSet, name string) bool {
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == name })
	return given
}

// parseCPUs reads a -cpu list.
func parseCPUs(list string) ([]int, error) {
	var cpus []int
	for field := range strings.SplitSeq(list, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(field))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("-cpu %q: want a comma-separated list of positive integers", list)
		}
		if !slices.Contains(cpus, n) {
			cpus = append(cpus, n)
		}
	}
	return cpus, nil
}

// run is the whole command; it returns the exit code.
func run(ctx context.Context, args []string, stdout io.Writer, stderr *os.File) int {
	o, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "actorbench:", err)
		return 2
	}
	if o.list {
		listScenarios(stdout)
		return 0
	}
	picked, err := selectScenarios(o.scenarios)
	if err != nil {
		fmt.Fprintln(stderr, "actorbench:", err)
		return 2
	}
	if o.plotDir != "" && !slices.ContainsFunc(picked, func(s scenario) bool { return s.chart }) {
		fmt.Fprintf(stderr, "actorbench: -plot: no scenario picked has a chart (those that do: %s)\n", strings.Join(chartNames(), ", "))
		return 2
	}
	began := time.Now()
	out := stdout
	var text strings.Builder // the whole text output, for the results page
	if o.markdown != "" {
		out = io.MultiWriter(stdout, &text)
	}
	// The tally, the last line, goes out only once the run is whole: an
	// interrupt anywhere, charts and pages included, leaves none.
	stopProfile, err := startProfile(o.cpuprof)
	if err != nil {
		fmt.Fprintln(stderr, "actorbench: -cpuprofile:", err)
		return 1
	}
	run, err := runScenarios(ctx, o, picked, out, newProgress(stderr, o.quiet))
	if perr := stopProfile(); perr != nil && err == nil {
		err = fmt.Errorf("-cpuprofile: %w", perr)
	}
	if ctx.Err() != nil {
		return interrupted(stderr)
	}
	if err != nil {
		fmt.Fprintln(stderr, "actorbench:", err)
		return 1
	}
	took := time.Since(began).Round(time.Second)
	var charts []string
	if o.plotDir != "" {
		charts, err = writePlots(o.plotDir, run.results)
		if err != nil {
			fmt.Fprintln(stderr, "actorbench: plot:", err)
			return 1
		}
		if !o.quiet {
			fmt.Fprintf(stderr, "actorbench: wrote %s\n", strings.Join(charts, ", "))
		}
	}
	if o.markdown != "" {
		page := resultsPage{meta: run.meta, results: run.results, verdicts: run.verdicts, text: text.String() + run.tally, took: took}
		if err := page.write(o.markdown, charts); err != nil {
			fmt.Fprintln(stderr, "actorbench: -markdown:", err)
			return 1
		}
		if o.readme != "" {
			if err := page.rewriteReadme(o.readme, o.markdown, charts); err != nil {
				fmt.Fprintln(stderr, "actorbench: -readme:", err)
				return 1
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return interrupted(stderr)
	}
	if _, err := io.WriteString(stdout, run.tally); err != nil {
		fmt.Fprintln(stderr, "actorbench:", err)
		return 1
	}
	if !o.quiet {
		fmt.Fprintf(stderr, "actorbench: %d scenarios in %v\n", len(run.results), took)
		if o.cpuprof != "" {
			fmt.Fprintf(stderr, "actorbench: CPU profile in %s (go tool pprof -top -focus flagactor %s)\n", o.cpuprof, o.cpuprof)
		}
	}
	return checkExit(o.check, run.verdicts, stderr)
}

// interrupted ends a run that was interrupted: no tally, since its figures
// are incomplete, and the shell's code for an interrupt.
func interrupted(stderr io.Writer) int {
	fmt.Fprintln(stderr, "actorbench: interrupted; no tally")
	return 130
}

// checkExit is the exit code of a run whose targets were judged vs: with
// -check, 1 when any failed (missed, inconclusive, not judged, or on a
// broken floor; a target beyond the machine's CPUs does not fail), naming
// each on stderr, and 1 when the run judged nothing at all.
func checkExit(check bool, vs []Verdict, stderr io.Writer) int {
	if !check {
		return 0
	}
	c := tally(vs)
	if c.judged() == 0 {
		fmt.Fprintf(stderr, "actorbench: -check: nothing judged: of %d targets none could be judged on this run (%s)\n", len(vs), tallyLine(vs))
		return 1
	}
	failed := failedOf(vs)
	if len(failed) == 0 {
		return 0
	}
	fmt.Fprintf(stderr, "actorbench: -check: of %d targets %d failed (%s):\n", len(vs), len(failed), tallyLine(vs))
	for _, v := range failed {
		fmt.Fprintf(stderr, "  %s %s\n", v.Scenario, v)
	}
	return 1
}

// listScenarios prints every scenario with a line on what it does.
func listScenarios(w io.Writer) {
	var t table
	for _, s := range scenarios {
		t.add(s.name, s.about)
	}
	t.writeLeft(w)
}

// chartNames are the scenarios -plot draws.
func chartNames() []string {
	var names []string
	for _, s := range scenarios {
		if s.chart {
			names = append(names, s.name)
		}
	}
	return names
}

// benchRun is what one run produced.
type benchRun struct {
	meta     meta
	results  []Result
	verdicts []Verdict
	tally    string // the run's last lines, written once the run is whole
}

// runScenarios runs picked in order, reporting each to stdout as it ends.
func runScenarios(ctx context.Context, o options, picked []scenario, stdout io.Writer, prog *progress) (benchRun, error) {
	var run benchRun
	b := &bench{sizes: fullSizes, rounds: o.rounds, cpus: o.cpus, progress: prog}
	if len(b.cpus) == 0 {
		b.cpus = []int{1, 2, 8}
	}
	if o.quick {
		b.sizes = quickSizes
	}
	if o.benchtime > 0 {
		b.sizes.benchtime = o.benchtime
	}
	if err := setBenchtime(b.sizes.benchtime); err != nil {
		return run, err
	}
	run.meta = newMeta(o, b)
	rep := &reporter{w: stdout, json: o.json, bench: o.bench, quick: o.quick}
	if err := rep.header(run.meta); err != nil {
		return run, err
	}
	for _, s := range picked {
		if err := ctx.Err(); err != nil {
			return run, err
		}
		res, err := s.run(ctx, b)
		if err != nil {
			return run, fmt.Errorf("%s: %w", s.name, err)
		}
		if err := ctx.Err(); err != nil { // a scenario may end normally, interrupted
			return run, err
		}
		run.results = append(run.results, res)
		if err := rep.report(res); err != nil {
			return run, err
		}
		run.verdicts = rep.verdicts
	}
	var tally strings.Builder
	err := rep.writeTally(&tally)
	run.tally = tally.String()
	return run, err
}

// startProfile starts a CPU profile into path, when one is asked for, and
// returns what stops it and closes the file.
func startProfile(path string) (stop func() error, err error) {
	if path == "" {
		return func() error { return nil }, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() error {
		pprof.StopCPUProfile()
		return f.Close()
	}, nil
}
