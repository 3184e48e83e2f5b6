package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
)

// reporter writes each scenario's result as it finishes: a table and a
// verdict, or JSON lines; with -bench also Go benchmark lines.
type reporter struct {
	w           io.Writer
	json        bool
	bench       bool
	benchHeader bool // the goos/goarch/cpu lines are out
}

func (r *reporter) header(quick bool, rounds int) {
	if r.json {
		return
	}
	sizes := "the issue's sizes"
	if quick {
		sizes = "-quick sizes"
	}
	fmt.Fprintf(r.w, "# actorbench: actor vs baseline (the mutex design), %s, %s %s/%s, GOMAXPROCS=%d, %d rounds per timing",
		sizes, runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.GOMAXPROCS(0), rounds)
	if load := loadAverage(); load != "" {
		// Timings on a shared machine mean little without it.
		fmt.Fprintf(r.w, ", load average %s", load)
	}
	fmt.Fprintln(r.w)
}

// loadAverage is the one-minute load average, best effort.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	one, _, _ := strings.Cut(string(b), " ")
	return one
}

// report writes res; floor is the floor scenario's result when it has run.
func (r *reporter) report(res Result, floor *Result) error {
	if r.json {
		if err := r.writeJSON(res); err != nil {
			return err
		}
	} else {
		r.writeTable(res, floor)
	}
	if r.bench {
		r.writeBenchLines(res)
	}
	return nil
}
