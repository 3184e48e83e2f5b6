package main

import (
	"fmt"
	"math"
	"strings"
)

// Verdict is one target of a scenario, judged on this run's figures: the
// figure must be at most the limit.
type Verdict struct {
	Scenario string  // the scenario judged
	Target   string  // what is judged
	Value    float64 // the figure, rounded as printed
	Limit    float64
	Met      bool
	// Rounds says which rounds a figure came from: for a ratio, the medians
	// it divides and the range of the ratio round by round. "" for a count.
	Rounds string
}

// atMost judges value <= limit on the figure as printed (two decimals).
func atMost(scenario, target string, value, limit float64, rounds string) Verdict {
	value = round(value, 2)
	return Verdict{Scenario: scenario, Target: target, Value: value, Limit: limit, Met: value <= limit, Rounds: rounds}
}

// String is the verdict as the table prints it.
func (v Verdict) String() string {
	s := fmt.Sprintf("%s: %s <= %s %s", v.Target, formatFloat(v.Value), formatFloat(v.Limit), met(v.Met))
	if v.Rounds != "" {
		s += " [" + v.Rounds + "]"
	}
	return s
}

// targets judges res against the targets of issues 5, 9 and 12; floor is
// the floor scenario's result when it has run.
func targets(res Result, floor *Result) []Verdict {
	a, _ := res.row(implActor, 0, rowHosts(res))
	b, _ := res.row(implBaseline, 0, rowHosts(res))
	switch res.Scenario {
	case "fleet":
		return []Verdict{
			atMost(res.Scenario, "actor peak_per_second after the first minute", a.value("peak_per_second"), 60, ""),
			atMost(res.Scenario, "actor/baseline requests_per_process_hour",
				a.value("requests_per_process_hour")/b.value("requests_per_process_hour"), 1.01, ""),
		}
	case "warm-query":
		return warmQueryTargets(res, floor)
	case "acquire-release":
		return acquireReleaseTargets(res, floor)
	case "memory":
		return []Verdict{
			atMost(res.Scenario, "actor/baseline bytes_per_host live", a.value("bytes_per_host")/b.value("bytes_per_host"), 2, ""),
			atMost(res.Scenario, "actor bytes_per_host_after (once every TTL has passed)", a.value("bytes_per_host_after"), 10, ""),
		}
	case "scale":
		return []Verdict{
			atMost(res.Scenario, "actor/baseline seconds", a.value("seconds")/b.value("seconds"), 2,
				ratioRounds(a, b, "seconds", scaleRoundSeconds)),
			atMost(res.Scenario, "actor bytes_per_lease", a.value("bytes_per_lease"), 64, ""),
		}
	}
	return nil
}

// summary sums res up in one line from its own figures.
func summary(res Result) string {
	a, _ := res.row(implActor, 0, rowHosts(res))
	b, _ := res.row(implBaseline, 0, rowHosts(res))
	v := func(r Row, name string) int64 { return int64(r.value(name)) }
	switch res.Scenario {
	case "stampede":
		return fmt.Sprintf("actor: %d fetch(es), %d wrong, %d errors; baseline: %d fetch(es), %d wrong (false while the server said true), %d errors",
			v(a, "fetches"), v(a, "wrong"), v(a, "errors"), v(b, "fetches"), v(b, "wrong"), v(b, "errors"))
	case "churn":
		return fmt.Sprintf("the actor fetched %d time(s), the baseline %d: %s",
			v(a, "fetches"), v(b, "fetches"), times(b.value("fetches"), a.value("fetches")))
	case "outage":
		return fmt.Sprintf("during the outage the actor sent %d requests, the baseline %d: %s",
			v(a, "fetches"), v(b, "fetches"), times(b.value("fetches"), a.value("fetches")))
	case "retry-after":
		seconds := len(a.Series)
		allowed := int64(seconds/int(retryAfter.Seconds()) + 1)
		return fmt.Sprintf("the actor sent %d requests, %s the %d that one per Retry-After allows; the baseline sent %d",
			v(a, "fetches"), within(v(a, "fetches") <= allowed), allowed, v(b, "fetches"))
	case "short-deadline":
		return fmt.Sprintf("actor: %d fetch(es), %d hurried callers told false, last caller filled: %s; baseline: %d fetch(es), %d told false, filled: %s",
			v(a, "fetches"), v(a, "hurried_wrong"), yesNo(a.value("filled") != 0),
			v(b, "fetches"), v(b, "hurried_wrong"), yesNo(b.value("filled") != 0))
	case "fleet":
		return fmt.Sprintf("busiest simulated second after the first minute: actor %d requests, baseline %d; requests per process-hour: actor %.3f, baseline %.3f; in all: actor %d, baseline %d",
			v(a, "peak_per_second"), v(b, "peak_per_second"), a.value("requests_per_process_hour"), b.value("requests_per_process_hour"),
			v(a, "fetches"), v(b, "fetches"))
	case "floor":
		return floorSummary(res)
	case "warm-query", "acquire-release":
		return "ratios of the medians of the interleaved rounds; the targets below"
	case "memory":
		return fmt.Sprintf("bytes per host live: actor %.1f, baseline %.1f; right after release: actor %.1f, baseline %.1f; after the TTL: actor %.2f, baseline %.1f",
			a.value("bytes_per_host"), b.value("bytes_per_host"), a.value("bytes_per_host_released"), b.value("bytes_per_host_released"),
			a.value("bytes_per_host_after"), b.value("bytes_per_host_after"))
	case "scale":
		return fmt.Sprintf("actor %.2fs, baseline %.2fs (medians); peak heap actor %d bytes, baseline %d",
			a.value("seconds"), b.value("seconds"), v(a, "peak_heap_bytes"), v(b, "peak_heap_bytes"))
	}
	return ""
}

func floorSummary(res Result) string {
	var parts []string
	for _, cpu := range cpusOf(res) {
		al, _ := res.floorRow(floorAtomicLoad, cpu)
		rt, _ := res.floorRow(floorRoundTrip, cpu)
		ts, _ := res.floorRow(floorTwoSends, cpu)
		base := al.value("ns_per_op")
		parts = append(parts, fmt.Sprintf("cpu=%d round trip %.0fx, two sends %.0fx", cpu,
			rt.value("ns_per_op")/base, ts.value("ns_per_op")/base))
	}
	return "against one atomic load: " + strings.Join(parts, "; ")
}

// ratioRounds says which rounds a ratio of two rows' medians used, and the
// range of the ratio taken round by round (the implementations' rounds are
// interleaved, so round i of one ran beside round i of the other).
func ratioRounds(a, b Row, field string, perRound func(Row) []float64) string {
	f, _ := a.field(field)
	if f.Rounds < 2 {
		return "one round each"
	}
	ra, rb := perRound(a), perRound(b)
	lo, hi := math.Inf(1), math.Inf(-1)
	for i := range min(len(ra), len(rb)) {
		r := ra[i] / rb[i]
		lo, hi = min(lo, r), max(hi, r)
	}
	return fmt.Sprintf("ratio of the medians of %d interleaved rounds each; round by round %.2f-%.2f", f.Rounds, lo, hi)
}

// roundNs is a timing row's ns/op round by round.
func roundNs(r Row) []float64 {
	v := make([]float64, len(r.Samples))
	for i, s := range r.Samples {
		v[i] = s.NsPerOp
	}
	return v
}

// ratioAt judges actor/baseline ns/op at GOMAXPROCS cpu and host count hosts.
func ratioAt(res Result, cpu, hosts int, limit float64) (Verdict, bool) {
	a, okA := res.row(implActor, cpu, hosts)
	b, okB := res.row(implBaseline, cpu, hosts)
	if !okA || !okB {
		return Verdict{}, false
	}
	target := fmt.Sprintf("actor/baseline ns/op at cpu=%d", cpu)
	if hosts != 0 {
		target = fmt.Sprintf("actor/baseline ns/op, %s, cpu=%d", hostCount(hosts), cpu)
	}
	return atMost(res.Scenario, target, a.value("ns_per_op")/b.value("ns_per_op"), limit,
		ratioRounds(a, b, "ns_per_op", roundNs)), true
}

// floorTarget judges the worst actor/floor ns/op over res's actor rows.
func floorTarget(res Result, floor *Result, kind string, limit float64) []Verdict {
	if floor == nil {
		return nil // the floor was not run (add -scenario floor)
	}
	worst, at := 0.0, ""
	var rounds int
	for _, r := range res.Rows {
		if r.Impl != implActor {
			continue
		}
		f, ok := floor.floorRow(kind, r.GOMAXPROCS)
		if !ok {
			return nil
		}
		if ratio := r.value("ns_per_op") / f.value("ns_per_op"); ratio > worst {
			worst, at = ratio, fmt.Sprintf("cpu=%d", r.GOMAXPROCS)
			if r.Hosts != 0 {
				at = hostCount(r.Hosts) + ", " + at
			}
			nf, _ := r.field("ns_per_op")
			rounds = nf.Rounds
		}
	}
	return []Verdict{atMost(res.Scenario, fmt.Sprintf("actor/%s floor ns/op, worst (%s)", kind, at), worst, limit,
		fmt.Sprintf("ratio of the medians of %d rounds each, the floor in its own scenario", rounds))}
}

func warmQueryTargets(res Result, floor *Result) []Verdict {
	var vs []Verdict
	for _, t := range []struct {
		cpu   int
		limit float64
	}{{1, 0.75}, {8, 0.3}} {
		if v, ok := ratioAt(res, t.cpu, 0, t.limit); ok {
			vs = append(vs, v)
		}
	}
	// Judged against the clock floor: since issue 9 a warm query reads the
	// clock to be right, and no honest one can cost less than that.
	vs = append(vs, floorTarget(res, floor, floorAtomicClock, 3)...)
	maxAllocs := 0.0
	for _, r := range res.Rows {
		if r.Impl == implActor {
			maxAllocs = max(maxAllocs, r.value("allocs_per_op"))
		}
	}
	return append(vs, atMost(res.Scenario, "actor allocs per query, most at any cpu", maxAllocs, 0, ""))
}

func acquireReleaseTargets(res Result, floor *Result) []Verdict {
	var vs []Verdict
	for _, r := range res.Rows {
		if r.Impl == implActor && (r.GOMAXPROCS == 1 || r.GOMAXPROCS == 8) {
			if v, ok := ratioAt(res, r.GOMAXPROCS, r.Hosts, 3); ok {
				vs = append(vs, v)
			}
		}
	}
	return append(vs, floorTarget(res, floor, floorTwoSends, 1.5)...)
}

// round rounds v to the digits the verdict prints, so that a target is
// judged on the figure shown.
func round(v float64, digits int) float64 {
	scale := math.Pow(10, float64(digits))
	return math.Round(v*scale) / scale
}

// times says how many times more the baseline did than the actor.
func times(baseline, actor float64) string {
	if actor == 0 {
		return "the actor did none"
	}
	return fmt.Sprintf("%.0fx fewer for the actor", baseline/actor)
}

func met(ok bool) string {
	if ok {
		return "(met)"
	}
	return "(MISSED)"
}

func within(ok bool) string {
	if ok {
		return "within"
	}
	return "MORE than"
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// hostCount names a number of hosts.
func hostCount(n int) string {
	if n == 1 {
		return "1 host"
	}
	return fmt.Sprintf("%d hosts", n)
}
