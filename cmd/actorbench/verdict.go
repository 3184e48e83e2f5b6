package main

import (
	"fmt"
	"math"
	"strings"
)

// verdict sums res up in one line, from its own figures; the timing and
// memory verdicts also check the targets of issue 5.
func verdict(res Result, floor *Result) string {
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
		return fmt.Sprintf("busiest simulated second after the first minute: actor %d requests, baseline %d; fetches in all: actor %d, baseline %d",
			v(a, "peak_per_second"), v(b, "peak_per_second"), v(a, "fetches"), v(b, "fetches"))
	case "floor":
		return floorVerdict(res)
	case "warm-query":
		return warmQueryVerdict(res, floor)
	case "acquire-release":
		return acquireReleaseVerdict(res, floor)
	case "memory":
		ratio := round(a.value("bytes_per_host")/b.value("bytes_per_host"), 2)
		after := round(a.value("bytes_per_host_after"), 1)
		return fmt.Sprintf("targets: live bytes/host <= 2x baseline: %.2fx %s; bytes/host after eviction <= 10: %.1f %s (baseline keeps %.1f)",
			ratio, met(ratio <= 2), after, met(after <= 10), b.value("bytes_per_host_after"))
	case "scale":
		ratio := round(a.value("seconds")/b.value("seconds"), 2)
		perLease := round(a.value("bytes_per_lease"), 1)
		return fmt.Sprintf("targets: actor time <= 2x baseline: %.2fx %s; bytes/lease <= 64: %.1f %s",
			ratio, met(ratio <= 2), perLease, met(perLease <= 64))
	}
	return ""
}

func floorVerdict(res Result) string {
	var parts []string
	for _, p := range parallelismsOf(res) {
		am, _ := res.floorRow(floorAtomicMap, p)
		rt, _ := res.floorRow(floorRoundTrip, p)
		ts, _ := res.floorRow(floorTwoSends, p)
		base := am.value("ns_per_op")
		parts = append(parts, fmt.Sprintf("p=%d round trip %.0fx, two sends %.0fx", p,
			rt.value("ns_per_op")/base, ts.value("ns_per_op")/base))
	}
	return "against an atomic load + map lookup: " + strings.Join(parts, "; ")
}

// ratioAt is actor/baseline ns/op at parallelism p and host count hosts.
func ratioAt(res Result, p, hosts int) float64 {
	a, _ := res.row(implActor, p, hosts)
	b, _ := res.row(implBaseline, p, hosts)
	return a.value("ns_per_op") / b.value("ns_per_op")
}

// worstFloorRatio is the largest actor/floor ns/op over res's actor rows.
func worstFloorRatio(res Result, floor *Result, kind string) (float64, bool) {
	if floor == nil {
		return 0, false
	}
	worst := 0.0
	for _, r := range res.Rows {
		if r.Impl != implActor {
			continue
		}
		f, ok := floor.floorRow(kind, r.Parallelism)
		if !ok {
			return 0, false
		}
		worst = max(worst, r.value("ns_per_op")/f.value("ns_per_op"))
	}
	return worst, true
}

func warmQueryVerdict(res Result, floor *Result) string {
	maxAllocs := 0.0
	for _, r := range res.Rows {
		if r.Impl == implActor {
			maxAllocs = max(maxAllocs, r.value("allocs_per_op"))
		}
	}
	r1, r8 := round(ratioAt(res, 1, 0), 2), round(ratioAt(res, 8, 0), 2)
	parts := []string{
		fmt.Sprintf("actor/baseline <= 1.0 at p=1: %.2f %s", r1, met(r1 <= 1)),
		fmt.Sprintf("<= 0.5 at p=8: %.2f %s", r8, met(r8 <= 0.5)),
	}
	if worst, ok := worstFloorRatio(res, floor, floorAtomicMap); ok {
		worst = round(worst, 2)
		parts = append(parts, fmt.Sprintf("within 3x of the atomic-map floor: worst %.2fx %s", worst, met(worst <= 3)))
	} else {
		parts = append(parts, "floor not run (add -scenario floor)")
	}
	parts = append(parts, fmt.Sprintf("0 allocs/query: %s %s", formatAllocs(maxAllocs), met(maxAllocs == 0)))
	return "targets: " + strings.Join(parts, "; ")
}

func acquireReleaseVerdict(res Result, floor *Result) string {
	worst := 0.0
	for _, r := range res.Rows {
		if r.Impl == implActor && (r.Parallelism == 1 || r.Parallelism == 8) {
			worst = max(worst, ratioAt(res, r.Parallelism, r.Hosts))
		}
	}
	worst = round(worst, 2)
	parts := []string{fmt.Sprintf("actor/baseline <= 3.0 at p=1 and p=8: worst %.2f %s", worst, met(worst <= 3))}
	if f, ok := worstFloorRatio(res, floor, floorTwoSends); ok {
		f = round(f, 2)
		parts = append(parts, fmt.Sprintf("within 1.5x of the two-sends floor: worst %.2fx %s", f, met(f <= 1.5)))
	} else {
		parts = append(parts, "floor not run (add -scenario floor)")
	}
	return "targets: " + strings.Join(parts, "; ")
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
