package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// progressMode is how a run shows that it is alive.
type progressMode int

const (
	progressOff   progressMode = iota // -quiet
	progressLines                     // stderr is not a terminal: a line per task
	progressBars                      // a terminal: a live bar per task
)

// progress reports on stderr which scenario and implementation runs and how
// far it has got. Only the goroutine that runs the scenarios uses it.
type progress struct {
	mode progressMode
	w    io.Writer
}

// newProgress picks bars for a terminal, plain lines otherwise, nothing
// when quiet.
func newProgress(w *os.File, quiet bool) *progress {
	switch {
	case quiet:
		return &progress{mode: progressOff}
	case term.IsTerminal(int(w.Fd())):
		return &progress{mode: progressBars, w: w}
	default:
		return &progress{mode: progressLines, w: w}
	}
}

// task is one scenario-and-implementation run with a known number of steps.
type task struct {
	p     *progress
	label string
	began time.Time
	bar   *progressbar.ProgressBar
}

// start begins a task of total steps (simulated seconds, cycles, benchmark
// runs...). Every bar has a known length, so none starts a spinner goroutine.
func (p *progress) start(label string, total int) *task {
	t := &task{p: p, label: label, began: time.Now()}
	switch p.mode {
	case progressBars:
		t.bar = progressbar.NewOptions(max(total, 1),
			progressbar.OptionSetWriter(p.w),
			progressbar.OptionSetDescription(fmt.Sprintf("%-26s", label)),
			progressbar.OptionSetWidth(30),
			progressbar.OptionShowCount(),
			progressbar.OptionSetElapsedTime(true),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
	case progressLines:
		fmt.Fprintf(p.w, "actorbench: %s ...\n", label)
	}
	return t
}

// add records n more steps done.
func (t *task) add(n int) {
	if t.bar != nil {
		t.bar.Add(n)
	}
}

// done ends the task and says how long it took.
func (t *task) done() {
	took := time.Since(t.began).Round(10 * time.Millisecond)
	switch t.p.mode {
	case progressBars:
		t.bar.Finish()
		fmt.Fprintf(t.p.w, "  %-26s done in %v\n", t.label, took)
	case progressLines:
		fmt.Fprintf(t.p.w, "actorbench: %s done in %v\n", t.label, took)
	}
}
