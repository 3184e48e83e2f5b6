package main

import (
	"fmt"
	"math"
	"slices"
	"strconv"
)

// writeTable prints res as a table under a heading with its notes, then
// its verdict and targets, and returns the targets.
func (r *reporter) writeTable(res Result, floor *Result, vs []Verdict) {
	fmt.Fprintf(r.w, "\n== %s: %s\n", res.Scenario, res.Title)
	for _, n := range res.Notes {
		fmt.Fprintf(r.w, "   (%s)\n", n)
	}
	var t table
	switch res.Scenario {
	case "floor":
		floorTable(&t, res)
	case "warm-query", "acquire-release":
		timingTable(&t, res, floor)
	default:
		sideBySide(&t, res)
	}
	t.write(r.w)
	fmt.Fprintf(r.w, "  Verdict: %s\n", summary(res))
	for _, v := range vs {
		fmt.Fprintf(r.w, "  Target %s\n", v)
	}
}

// sideBySide prints one line per field: actor, baseline, their ratio.
func sideBySide(t *table, res Result) {
	a, _ := res.row(implActor, 0, rowHosts(res))
	b, _ := res.row(implBaseline, 0, rowHosts(res))
	t.add("", implActor, implBaseline, "actor/baseline")
	for _, f := range a.Fields {
		bf, _ := b.field(f.Name)
		ratio := "-"
		if f.Kind != kindBool {
			ratio = formatRatio(f.Value, bf.Value)
		}
		t.add(f.Name, formatValue(f), formatValue(bf), ratio)
	}
}

// rowHosts is the Hosts of a side-by-side scenario's rows.
func rowHosts(res Result) int {
	if len(res.Rows) == 0 {
		return 0
	}
	return res.Rows[0].Hosts
}

// timingFloor is the floor a timing scenario is set beside.
func timingFloor(scenario string) string {
	if scenario == "acquire-release" {
		return floorTwoSends
	}
	return floorAtomicClock
}

// timingTable prints one line per GOMAXPROCS (and host count): actor and
// baseline ns/op with their ranges, their ratio, the floor beside them when
// it has run, and allocations.
func timingTable(t *table, res Result, floor *Result) {
	kind := timingFloor(res.Scenario)
	head := []string{}
	if res.Scenario == "acquire-release" {
		head = append(head, "hosts")
	}
	head = append(head, "cpu", "goroutines", "actor ns/op (min-max)", "baseline ns/op (min-max)", "actor/baseline")
	if floor != nil {
		head = append(head, "floor ns/op ("+kind+")", "actor/floor")
	}
	head = append(head, "actor allocs/op", "baseline allocs/op")
	t.add(head...)
	for _, r := range res.Rows {
		if r.Impl != implActor {
			continue
		}
		b, _ := res.row(implBaseline, r.GOMAXPROCS, r.Hosts)
		var line []string
		if res.Scenario == "acquire-release" {
			line = append(line, strconv.Itoa(r.Hosts))
		}
		af, _ := r.field("ns_per_op")
		bf, _ := b.field("ns_per_op")
		line = append(line, strconv.Itoa(r.GOMAXPROCS), strconv.Itoa(r.Goroutines),
			formatValue(af), formatValue(bf), formatRatio(af.Value, bf.Value))
		if floor != nil {
			fr, ok := floor.floorRow(kind, r.GOMAXPROCS)
			if ok {
				fn := fr.value("ns_per_op")
				line = append(line, formatFloat(fn), formatRatio(af.Value, fn))
			} else {
				line = append(line, "-", "-")
			}
		}
		line = append(line, formatAllocs(r.value("allocs_per_op")), formatAllocs(b.value("allocs_per_op")))
		t.add(line...)
	}
}

// floorTable prints the floors side by side, one line per GOMAXPROCS.
func floorTable(t *table, res Result) {
	head := []string{"cpu", "goroutines"}
	for _, k := range floorKinds {
		head = append(head, k+" ns/op (min-max)")
	}
	t.add(head...)
	for _, cpu := range cpusOf(res) {
		line := []string{strconv.Itoa(cpu), strconv.Itoa(goroutinesAt(cpu))}
		for _, k := range floorKinds {
			r, _ := res.floorRow(k, cpu)
			f, _ := r.field("ns_per_op")
			line = append(line, formatValue(f))
		}
		t.add(line...)
	}
}

// cpusOf lists the GOMAXPROCS of res's rows in order, once each.
func cpusOf(res Result) []int {
	var cpus []int
	for _, r := range res.Rows {
		if !slices.Contains(cpus, r.GOMAXPROCS) {
			cpus = append(cpus, r.GOMAXPROCS)
		}
	}
	return cpus
}

// formatValue prints a field by its kind, a timed one with the range of its
// rounds.
func formatValue(f Field) string {
	switch f.Kind {
	case kindBool:
		if f.Value != 0 {
			return "yes"
		}
		return "no"
	case kindCount:
		return strconv.FormatFloat(f.Value, 'f', 0, 64)
	}
	if f.Rounds > 1 {
		return fmt.Sprintf("%s (%s-%s)", formatFloat(f.Value), formatFloat(f.Min), formatFloat(f.Max))
	}
	return formatFloat(f.Value)
}

// formatFloat prints three significant figures or so.
func formatFloat(v float64) string {
	switch a := math.Abs(v); {
	case a >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

// formatAllocs prints allocations per op as go test does, whole, unless a
// median of an even number of rounds fell between two.
func formatAllocs(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// formatRatio prints a/b, or "-" when both are zero.
func formatRatio(a, b float64) string {
	switch {
	case b == 0 && a == 0:
		return "-"
	case b == 0, a/b >= 1000:
		return ">1000" // the baseline did next to nothing
	}
	return strconv.FormatFloat(a/b, 'f', 2, 64)
}
