package main

import "slices"

// Result is what one scenario measured, for every implementation (and the
// floor), ready to print, encode or chart.
type Result struct {
	Scenario string
	Title    string   // what the scenario did, with its sizes
	Notes    []string // how it was measured (clock, fetcher, rounds)
	Rows     []Row
}

// Row is one implementation's figures in a scenario; timing scenarios have
// one row per GOMAXPROCS (and host count).
type Row struct {
	Impl  string // implActor, implBaseline or implFloor
	Floor string // which floor, when Impl is implFloor
	// Variant names a second way of timing Impl (variantImmediate); "" for
	// the row the targets and summaries read.
	Variant    string
	GOMAXPROCS int // the timing row's GOMAXPROCS (-cpu); 0 where it does not apply
	Goroutines int // goroutines running the timed body; 0 where it does not apply
	Hosts      int // 0 where it does not apply
	Fields     []Field
	// Series is requests per simulated second, for charts; not printed.
	Series []float64
	// Samples are the rounds of a timing row, for -bench; not printed.
	Samples []Sample
	// PerRound is each figure round by round, for rows folded from rounds
	// run whole (scale); not printed.
	PerRound map[string][]float64
}

// Field is one named figure of a row. A timed figure is the median of its
// rounds, with the least and the most of them beside it.
type Field struct {
	Name  string
	Value float64
	Kind  fieldKind
	// Min and Max are the range over the rounds, when Rounds > 1.
	Min, Max float64
	Rounds   int // rounds behind a timed figure; 0 for a single measurement
}

// timedField is the median of values (one per round) with their range.
func timedField(name string, values []float64) Field {
	v := slices.Clone(values)
	slices.Sort(v)
	return Field{Name: name, Value: medianOf(v), Kind: kindMeasure, Min: v[0], Max: v[len(v)-1], Rounds: len(v)}
}

// medianOf is the median of sorted values.
func medianOf(v []float64) float64 {
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

// fieldKind says how a field prints and encodes.
type fieldKind int

const (
	kindCount   fieldKind = iota // a whole number
	kindMeasure                  // a measured quantity, printed with decimals
	kindBool                     // a yes/no, Value 1 or 0
)

// Sample is one round of a timing benchmark.
type Sample struct {
	N          int
	NsPerOp    float64 // wall clock
	CPUNsPerOp float64 // the process's CPU time; 0 where it cannot be read
	Allocs     float64
}

// field returns the row's field called name.
func (r Row) field(name string) (Field, bool) {
	for _, f := range r.Fields {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

// value returns the row's field called name, or 0.
func (r Row) value(name string) float64 {
	f, _ := r.field(name)
	return f.Value
}

// row returns the first row of impl at GOMAXPROCS cpu and host count hosts
// (0 matches rows without one).
func (res Result) row(impl string, cpu, hosts int) (Row, bool) {
	for _, r := range res.Rows {
		if r.Impl == impl && r.Variant == "" && r.GOMAXPROCS == cpu && r.Hosts == hosts {
			return r, true
		}
	}
	return Row{}, false
}

// variantRow returns the row of impl's variant at GOMAXPROCS cpu and hosts.
func (res Result) variantRow(impl, variant string, cpu, hosts int) (Row, bool) {
	for _, r := range res.Rows {
		if r.Impl == impl && r.Variant == variant && r.GOMAXPROCS == cpu && r.Hosts == hosts {
			return r, true
		}
	}
	return Row{}, false
}

// floorRow returns the floor row of kind at GOMAXPROCS cpu.
func (res Result) floorRow(kind string, cpu int) (Row, bool) {
	for _, r := range res.Rows {
		if r.Impl == implFloor && r.Floor == kind && r.GOMAXPROCS == cpu {
			return r, true
		}
	}
	return Row{}, false
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
