// Command actorbench measures the flag actor (telemetry/flagactor) against
// the mutex design it replaces (internal/baseline), scenario by scenario,
// against an in-process TLS flag server on loopback: nothing but Go needed.
//
//	go run ./cmd/actorbench                      # every scenario, a table each
//	go run ./cmd/actorbench -scenario fleet,outage -plot docs
//	go run ./cmd/actorbench -json                # one JSON object per row
//	go run ./cmd/actorbench -bench -scenario warm-query | benchstat /dev/stdin
//
// Every count comes from the flag server's counters or the implementations'
// own code paths; timing scenarios report the median of several rounds.
// Scenarios that span simulated hours run on clocks the bench moves by hand
// (see simulated in sim.go for how, and why two kinds).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
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
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	// Our own flag set: testing.Init (for -benchtime) fills flag.CommandLine
	// with the test flags, which are not this command's.
	fs := flag.NewFlagSet("actorbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.scenarios, "scenario", "all", "comma-separated scenarios to run: "+strings.Join(scenarioNames(), ","))
	fs.BoolVar(&o.json, "json", false, "print one JSON object per row instead of tables")
	fs.BoolVar(&o.bench, "bench", false, "also print Go benchmark lines (every round) for benchstat")
	fs.IntVar(&o.rounds, "rounds", 5, "rounds of each timing benchmark; the median is reported")
	fs.StringVar(&o.plotDir, "plot", "", "write PNG charts into this `dir`")
	fs.BoolVar(&o.quick, "quick", false, "small sizes (a smoke run, seconds long)")
	fs.BoolVar(&o.quiet, "quiet", false, "no progress on stderr")
	fs.DurationVar(&o.benchtime, "benchtime", 0, "time per timing benchmark round (default 60ms, 5ms with -quick)")
	fs.BoolVar(&o.list, "list", false, "list the scenarios and exit")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: actorbench [flags]\n\nThe flag actor against the mutex design, scenario by scenario.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	switch {
	case fs.NArg() > 0:
		return o, fmt.Errorf("unexpected arguments: %q", fs.Args())
	case o.rounds < 1:
		return o, errors.New("-rounds must be at least 1")
	case o.json && o.bench:
		return o, errors.New("-json and -bench both write to stdout: pick one")
	}
	return o, nil
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
		fmt.Fprintln(stdout, strings.Join(scenarioNames(), "\n"))
		return 0
	}
	picked, err := selectScenarios(o.scenarios)
	if err != nil {
		fmt.Fprintln(stderr, "actorbench:", err)
		return 2
	}
	began := time.Now()
	results, err := runScenarios(ctx, o, picked, stdout, newProgress(stderr, o.quiet))
	if err != nil {
		fmt.Fprintln(stderr, "actorbench:", err)
		return 1
	}
	if o.plotDir != "" {
		files, err := writePlots(o.plotDir, results)
		if err != nil {
			fmt.Fprintln(stderr, "actorbench: plot:", err)
			return 1
		}
		if !o.quiet {
			fmt.Fprintf(stderr, "actorbench: wrote %s\n", strings.Join(files, ", "))
		}
	}
	if !o.quiet {
		fmt.Fprintf(stderr, "actorbench: %d scenarios in %v\n", len(results), time.Since(began).Round(100*time.Millisecond))
	}
	return 0
}

// runScenarios runs picked in order, reporting each to stdout as it ends.
func runScenarios(ctx context.Context, o options, picked []scenario, stdout io.Writer, prog *progress) ([]Result, error) {
	b := &bench{sizes: fullSizes, rounds: o.rounds, progress: prog}
	if o.quick {
		b.sizes = quickSizes
	}
	if o.benchtime > 0 {
		b.sizes.benchtime = o.benchtime
	}
	if err := setBenchtime(b.sizes.benchtime); err != nil {
		return nil, err
	}
	rep := &reporter{w: stdout, json: o.json, bench: o.bench}
	rep.header(o.quick, o.rounds)
	var results []Result
	for _, s := range picked {
		if err := ctx.Err(); err != nil {
			return results, err
		}
		res, err := s.run(ctx, b)
		if err != nil {
			return results, fmt.Errorf("%s: %w", s.name, err)
		}
		results = append(results, res)
		if err := rep.report(res, b.floor); err != nil {
			return results, err
		}
	}
	return results, nil
}
