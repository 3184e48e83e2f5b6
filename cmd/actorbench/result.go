package main

// Result is what one scenario measured, for both implementations (and the
// floor), ready to print, encode or chart.
type Result struct {
	Scenario string
	Title    string   // what the scenario did, with its sizes
	Notes    []string // how it was measured (clock, fetcher, rounds)
	Rows     []Row
}

// Row is one implementation's figures in a scenario; timing scenarios have
// one row per parallelism (and host count).
type Row struct {
	Impl        string // implActor, implBaseline or implFloor
	Floor       string // which floor, when Impl is implFloor
	Parallelism int    // goroutines in total; 0 where it does not apply
	Hosts       int    // 0 where it does not apply
	Fields      []Field
	// Series is requests per simulated second, for charts; not printed.
	Series []float64
	// Samples are the rounds of a timing row, for -bench; not printed.
	Samples []Sample
}

// Field is one named figure of a row.
type Field struct {
	Name  string
	Value float64
	Kind  fieldKind
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
	N       int
	NsPerOp float64
	Allocs  float64
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

// row returns the first row of impl at parallelism p and host count hosts
// (0 matches rows without one).
func (res Result) row(impl string, p, hosts int) (Row, bool) {
	for _, r := range res.Rows {
		if r.Impl == impl && r.Parallelism == p && r.Hosts == hosts {
			return r, true
		}
	}
	return Row{}, false
}

// floorRow returns the floor row of kind at parallelism p.
func (res Result) floorRow(kind string, p int) (Row, bool) {
	for _, r := range res.Rows {
		if r.Impl == implFloor && r.Floor == kind && r.Parallelism == p {
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
