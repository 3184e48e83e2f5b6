package main

import (
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Colours of the charts' lines, one per series kind.
var (
	actorColor    = color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff} // blue
	baselineColor = color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff} // red
	peerColor     = color.RGBA{R: 0x8c, G: 0x56, B: 0x4b, A: 0xff} // brown
	floorColors   = map[string]color.Color{
		floorAtomicLoad:  color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff}, // green
		floorAtomicClock: color.RGBA{R: 0x17, G: 0xbe, B: 0xcf, A: 0xff}, // cyan
		floorAtomicMap:   color.RGBA{R: 0x94, G: 0x67, B: 0xbd, A: 0xff}, // purple
		floorRoundTrip:   color.RGBA{R: 0x7f, G: 0x7f, B: 0x7f, A: 0xff}, // grey
		floorTwoSends:    color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff}, // orange
	}
)

// writePlots writes a PNG chart into dir for each result that has one:
// requests per simulated second for fleet and outage, one panel per
// implementation; ns/op by GOMAXPROCS for warm-query and acquire-release
// (with the floor of the same rounds beside them).
func writePlots(dir string, results []Result) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var written []string
	for _, res := range results {
		file := filepath.Join(dir, res.Scenario+".png")
		var err error
		switch res.Scenario {
		case "fleet", "outage":
			err = saveTimeline(res, file)
		case "warm-query", "acquire-release":
			var p *plot.Plot
			if p, err = parallelismPlot(res); err == nil {
				err = p.Save(20*vg.Centimeter, 11*vg.Centimeter, file)
			}
		default:
			continue
		}
		if err != nil {
			return written, fmt.Errorf("%s chart: %w", res.Scenario, err)
		}
		written = append(written, file)
	}
	return written, nil
}

// saveTimeline draws res's timeline panels one above the other into file.
func saveTimeline(res Result, file string) error {
	panels, err := timelinePanels(res)
	if err != nil {
		return err
	}
	img := vgimg.New(20*vg.Centimeter, vg.Length(len(panels))*6*vg.Centimeter)
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: len(panels), Cols: 1, PadTop: vg.Points(4), PadBottom: vg.Points(4), PadY: vg.Points(8), PadLeft: vg.Points(4), PadRight: vg.Points(8)}
	grid := make([][]*plot.Plot, len(panels))
	for i, p := range panels {
		grid[i] = []*plot.Plot{p}
	}
	canvases := plot.Align(grid, tiles, dc)
	for i, p := range panels {
		p.Draw(canvases[i][0])
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// timelinePanels charts the requests the server saw in each simulated
// second, one panel per implementation, each on its own scale: on one
// scale the actor's few requests a second would be a sliver under the
// baseline's thousand.
func timelinePanels(res Result) ([]*plot.Plot, error) {
	unit, unitName := 60.0, "minutes"
	if row, ok := res.row(implActor, 0, rowHosts(res)); ok && len(row.Series) > 3*3600 {
		unit, unitName = 3600, "hours"
	}
	var panels []*plot.Plot
	for _, impl := range implsOf(res.Scenario) {
		row, ok := res.row(impl, 0, rowHosts(res))
		if !ok {
			continue
		}
		p := plot.New()
		p.Title.Text = fmt.Sprintf("%s: %s requests the server saw per simulated second (lower is better; each panel its own scale)", res.Scenario, impl)
		if len(panels) > 0 {
			p.Title.Text = fmt.Sprintf("%s: %s", res.Scenario, impl)
		}
		p.X.Label.Text = "simulated " + unitName + " since start"
		p.Y.Label.Text = "requests in that second"
		p.Legend.Top = true
		p.X.Tick.Marker = wholeTicks{}
		p.Y.Tick.Marker = wholeTicks{}
		xys := make(plotter.XYs, len(row.Series))
		nonzero, most := 0, 0.0
		for i, n := range row.Series {
			xys[i] = plotter.XY{X: float64(i) / unit, Y: n}
			if n > 0 {
				nonzero++
			}
			most = max(most, n)
		}
		line, err := plotter.NewLine(xys)
		if err != nil {
			return nil, err
		}
		line.Color = implColor(impl)
		line.Width = vg.Points(1)
		p.Add(line)
		label := fmt.Sprintf("%s: %d requests", impl, int64(row.value("fetches")))
		if res.Scenario == "fleet" && len(row.Series) > fleetWarmup {
			label += fmt.Sprintf(", %.3f per process-hour, at most %.0f/s after the first minute",
				row.value("requests_per_process_hour"), slices.Max(row.Series[fleetWarmup:]))
		}
		// The fleet's cold start (every process in its first second) would
		// flatten the steady state the panel is for: the scale is that of
		// after the first minute, and the legend names the start.
		if res.Scenario == "fleet" && len(row.Series) > fleetWarmup {
			if after := slices.Max(row.Series[fleetWarmup:]); after < most {
				label += fmt.Sprintf("\n(off the scale: the cold start, %.0f in the first minute's busiest second)", most)
				most = after
			}
		}
		p.Legend.Add(label, line)
		// A rare request is a one-pixel spike; mark each so it shows.
		if nonzero > 0 && nonzero < 200 {
			marks, err := nonzeroPoints(row.Series, unit)
			if err != nil {
				return nil, err
			}
			marks.Color = implColor(impl)
			marks.Shape = draw.CircleGlyph{}
			marks.Radius = vg.Points(2.5)
			p.Add(marks)
		}
		p.Y.Min = 0
		p.Y.Max = max(most, 1) * 1.5 // headroom for the legend above the tallest spike
		panels = append(panels, p)
	}
	return panels, nil
}

// wholeTicks marks an axis of counts at whole numbers: 1, 2 or 5 times a
// power of ten apart, about five of them.
type wholeTicks struct{}

func (wholeTicks) Ticks(lo, hi float64) []plot.Tick {
	step := 1.0
	for _, m := range []float64{1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000} {
		step = m
		if (hi-lo)/m <= 6 {
			break
		}
	}
	var ticks []plot.Tick
	for v := math.Ceil(lo/step) * step; v <= hi; v += step {
		ticks = append(ticks, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', 0, 64)})
	}
	return ticks
}

func nonzeroPoints(series []float64, unit float64) (*plotter.Scatter, error) {
	var xys plotter.XYs
	for i, n := range series {
		if n > 0 {
			xys = append(xys, plotter.XY{X: float64(i) / unit, Y: n})
		}
	}
	return plotter.NewScatter(xys)
}

// parallelismPlot charts ns/op against GOMAXPROCS (-cpu), on a log
// scale so the floors fit beside the implementations.
func parallelismPlot(res Result) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = res.Scenario + ": " + cost.label + " by GOMAXPROCS, lower is better (median of rounds, bars: min-max)"
	p.X.Label.Text = "GOMAXPROCS (-cpu), one goroutine per P"
	p.Y.Label.Text = cost.label + " (log scale)"
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = logTicks{}
	p.Legend.Top = true
	p.Legend.Left = true

	ps := cpusOf(res)
	names := make([]string, len(ps))
	for i, n := range ps {
		names[i] = strconv.Itoa(n)
	}
	p.NominalX(names...)

	type series struct {
		label string
		color color.Color
		dash  bool
		rows  []Row
	}
	var all []series
	hostCounts := []int{0}
	if res.Scenario == "acquire-release" {
		hostCounts = nil
		for _, r := range res.Rows {
			if r.Impl == implActor && r.Variant == "" && r.GOMAXPROCS == ps[0] {
				hostCounts = append(hostCounts, r.Hosts)
			}
		}
	}
	for i, hosts := range hostCounts {
		for _, impl := range impls {
			s := series{label: impl, color: implColor(impl), dash: i > 0}
			if hosts != 0 {
				s.label = fmt.Sprintf("%s, %s, leases live", impl, hostCount(hosts))
			}
			for _, pp := range ps {
				if r, ok := res.row(impl, pp, hosts); ok {
					s.rows = append(s.rows, r)
				}
			}
			all = append(all, s)
		}
	}
	// The floor measured in the same rounds.
	k := timingFloor(res.Scenario)
	fs := series{label: "floor: " + k + " (same rounds)", color: floorColors[k], dash: true}
	for _, pp := range ps {
		if r, ok := res.floorRow(k, pp); ok {
			fs.rows = append(fs.rows, r)
		}
	}
	if len(fs.rows) == len(ps) {
		all = append(all, fs)
	}
	least, most := math.Inf(1), 0.0
	for _, s := range all {
		for _, r := range s.rows {
			least = min(least, r.value(cost.field))
			most = max(most, r.value(cost.field))
		}
	}
	p.Y.Min = max(least*0.7, 0.1) // a labelled tick below the lowest line
	p.Y.Max = most * 5            // on the log scale, room for the legend above the lines
	for _, s := range all {
		xys := make(plotter.XYs, len(s.rows))
		for i, r := range s.rows {
			xys[i] = plotter.XY{X: float64(i), Y: max(r.value(cost.field), 0.1)}
		}
		line, points, err := plotter.NewLinePoints(xys)
		if err != nil {
			return nil, err
		}
		line.Color, points.Color = s.color, s.color
		line.Width = vg.Points(1.5)
		if s.dash {
			line.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		}
		p.Add(line, points)
		p.Legend.Add(s.label, line, points)
		if bars, err := rangeBars(s.rows); err != nil {
			return nil, err
		} else if bars != nil {
			bars.Color = s.color
			p.Add(bars)
		}
	}
	return p, nil
}

// rangeBars draws the min-max of each row's rounds; nil when a row has one
// round only.
func rangeBars(rows []Row) (*plotter.YErrorBars, error) {
	var pts rangePoints
	for i, r := range rows {
		f, _ := r.field(cost.field)
		if f.Rounds < 2 {
			return nil, nil
		}
		pts = append(pts, rangePoint{x: float64(i), y: max(f.Value, 0.1), lo: f.Value - f.Min, hi: f.Max - f.Value})
	}
	return plotter.NewYErrorBars(pts)
}

type rangePoint struct{ x, y, lo, hi float64 }

// rangePoints are the points of rangeBars, as plotter.YErrorBars reads them.
type rangePoints []rangePoint

func (p rangePoints) Len() int                         { return len(p) }
func (p rangePoints) XY(i int) (float64, float64)      { return p[i].x, p[i].y }
func (p rangePoints) YError(i int) (low, high float64) { return p[i].lo, p[i].hi }

// logTicks labels a log axis at 1, 2 and 5 times each power of ten, with
// unlabelled marks between: plot.LogTicks labels powers of ten only, often
// a single one over the range of a benchmark.
type logTicks struct{}

func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	var ticks []plot.Tick
	for decade := math.Pow(10, math.Floor(math.Log10(lo))); decade <= hi; decade *= 10 {
		for m := 1.0; m < 10; m++ {
			v := m * decade
			if v < lo || v > hi {
				continue
			}
			t := plot.Tick{Value: v}
			if m == 1 || m == 2 || m == 5 {
				t.Label = strconv.FormatFloat(v, 'f', -1, 64)
			}
			ticks = append(ticks, t)
		}
	}
	return ticks
}

func implColor(impl string) color.Color {
	switch impl {
	case implActor:
		return actorColor
	case implMutexPolicy:
		return peerColor
	}
	return baselineColor
}
