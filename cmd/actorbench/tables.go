package main

import (
	"fmt"
	"math"
	"slices"
	"strconv"
)

// writeTable prints res as a table under a heading with its notes, then
// its verdict and targets.
func (r *reporter) writeTable(res Result, vs []Verdict) {
	fmt.Fprintf(r.w, "\n== %s: %s\n", res.Scenario, res.Title)
	for _, n := range res.Notes {
		fmt.Fprintf(r.w, "   (%s)\n", n)
	}
	var t table
	switch res.Scenario {
	case "floor":
		floorTable(&t, res)
	case "warm-query", "acquire-release":
		timingTable(&t, res)
	default:
		sideBySide(&t, res)
	}
	t.write(r.w)
	fmt.Fprintf(r.w, "  Verdict: %s\n", summary(res))
	for _, v := range vs {
		fmt.Fprintf(r.w, "  Target %s\n", v)
	}
}

// sideBySide prints one line per field: each implementation the scenario
// ran, then the actor over the others.
func sideBySide(t *table, res Result) {
	names := implsOf(res.Scenario)
	rows := make([]Row, len(names))
	for i, impl := range names {
		rows[i], _ = res.row(impl, 0, rowHosts(res))
	}
	a, _ := res.row(implActor, 0, rowHosts(res))
	head := append([]string{""}, names...)
	for _, impl := range names {
		if impl != implActor {
			head = append(head, "actor/"+impl)
		}
	}
	t.add(head...)
	for _, f := range a.Fields {
		line := []string{f.Name}
		for _, r := range rows {
			rf, _ := r.field(f.Name)
			line = append(line, formatValue(rf))
		}
		for i, impl := range names {
			if impl == implActor {
				continue
			}
			ratio := "-"
			if f.Kind != kindBool {
				ratio = formatRatio(f.Value, rows[i].value(f.Name))
			}
			line = append(line, ratio)
		}
		t.add(line...)
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

// timingTable prints one line per GOMAXPROCS (and host count, and variant):
// the three implementations' ns/op with their ranges, the actor over the
// other two, the floor of the same rounds beside them, and allocations.
func timingTable(t *table, res Result) {
	kind := timingFloor(res.Scenario)
	ar := res.Scenario == "acquire-release"
	head := []string{}
	if ar {
		head = append(head, "hosts", "close")
	}
	head = append(head, "cpu", "goroutines")
	for _, impl := range impls {
		head = append(head, impl+" "+cost.label+" (min-max)")
	}
	head = append(head, "actor/baseline", "actor/mutex-policy", "floor "+cost.label+" ("+kind+")", "actor/floor")
	for _, impl := range impls {
		head = append(head, impl+" allocs/op")
	}
	t.add(head...)
	for _, r := range res.Rows {
		if r.Impl != implActor {
			continue
		}
		var line []string
		if ar {
			closes := fmt.Sprintf("%d pairs later", int(r.value("lease_lifetime_pairs")))
			if r.Variant != "" {
				closes = r.Variant
			}
			line = append(line, strconv.Itoa(r.Hosts), closes)
		}
		line = append(line, strconv.Itoa(r.GOMAXPROCS), strconv.Itoa(r.Goroutines))
		others := make([]Row, len(impls))
		for i, impl := range impls {
			o, ok := res.variantRow(impl, r.Variant, r.GOMAXPROCS, r.Hosts)
			others[i] = o
			f, _ := o.field(cost.field)
			cell := "-"
			if ok {
				cell = formatValue(f)
			}
			line = append(line, cell)
		}
		an := r.value(cost.field)
		for _, impl := range []string{implBaseline, implMutexPolicy} {
			o, ok := res.variantRow(impl, r.Variant, r.GOMAXPROCS, r.Hosts)
			cell := "-"
			if ok {
				cell = formatRatio(an, o.value(cost.field))
			}
			line = append(line, cell)
		}
		if fr, ok := res.floorRow(kind, r.GOMAXPROCS); ok {
			fn := fr.value(cost.field)
			line = append(line, formatFloat(fn), formatRatio(an, fn))
		} else {
			line = append(line, "-", "-")
		}
		for i := range impls {
			cell := "-"
			if _, ok := others[i].field("allocs_per_op"); ok {
				cell = formatAllocs(others[i].value("allocs_per_op"))
			}
			line = append(line, cell)
		}
		t.add(line...)
	}
}

// floorTable prints the floors side by side, one line per GOMAXPROCS.
func floorTable(t *table, res Result) {
	head := []string{"cpu", "goroutines"}
	for _, k := range floorKinds {
		head = append(head, k+" "+cost.label+" (min-max)")
	}
	t.add(head...)
	for _, cpu := range cpusOf(res) {
		line := []string{strconv.Itoa(cpu), strconv.Itoa(goroutinesAt(cpu))}
		for _, k := range floorKinds {
			r, _ := res.floorRow(k, cpu)
			f, _ := r.field(cost.field)
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
