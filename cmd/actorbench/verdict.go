package main

import (
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
)

// Verdict is one target of a scenario, judged on this run's figures: the
// figure must be at most the limit.
type Verdict struct {
	Scenario string  // the scenario judged
	Target   string  // what is judged
	Value    float64 // the figure, rounded as printed
	Limit    float64
	Status   status
	Met      bool // Status is statusMet
	// Rounds says which rounds a figure came from: for a ratio, the medians
	// it divides and the range of the ratio round by round. "" for a count.
	Rounds string
	Lo, Hi float64 // the figure's range round by round; 0 for a count
	Why    string  // why it was not judged, or how the floor broke
}

// judgeRange judges v again on the figure round by round (lo-hi): when the
// rounds fall on both sides of the limit, the median says nothing either
// way, and v is inconclusive.
func judgeRange(v Verdict, lo, hi float64) Verdict {
	if !math.IsNaN(lo) && !math.IsNaN(hi) {
		v.Lo, v.Hi = lo, hi
	}
	if v.Status == statusMet || v.Status == statusMissed {
		if round(lo, 2) <= v.Limit && round(hi, 2) > v.Limit {
			v.Status, v.Met = statusInconclusive, false
		}
	}
	return v
}

// status is what became of a target.
type status int

const (
	statusMet status = iota
	statusMissed
	// statusNotJudged: the run has no figure to judge it on (a -cpu without
	// its GOMAXPROCS, a -quick run's smoke sizes).
	statusNotJudged
	// statusBrokenFloor: a subject measured below the floor that bounds it,
	// in the same rounds, so the floor is no floor and the target means
	// nothing until it is fixed.
	statusBrokenFloor
	// statusInconclusive: the rounds fall on both sides of the limit; the
	// median alone would be a coin toss. -check fails on it.
	statusInconclusive
	// statusBeyondCPUs: the target is at a GOMAXPROCS above the machine's
	// CPUs, where goroutines take turns on fewer cores: this machine cannot
	// show it. It does not fail -check.
	statusBeyondCPUs
)

// beyondCPUs is a target at GOMAXPROCS cpu that this machine cannot judge.
func beyondCPUs(scenario, target string, limit float64) Verdict {
	return Verdict{Scenario: scenario, Target: target, Limit: limit, Status: statusBeyondCPUs,
		Why: fmt.Sprintf("%d CPUs", runtime.NumCPU())}
}

// judgeable reports whether this machine can judge a target at GOMAXPROCS cpu.
func judgeable(cpu int) bool { return cpu <= runtime.NumCPU() }

// atMost judges value <= limit on the figure as printed (two decimals).
func atMost(scenario, target string, value, limit float64, rounds string) Verdict {
	value = round(value, 2)
	v := Verdict{Scenario: scenario, Target: target, Value: value, Limit: limit, Status: statusMissed, Rounds: rounds}
	if value <= limit {
		v.Status, v.Met = statusMet, true
	}
	return v
}

// notJudged is a target the run cannot judge, and why.
func notJudged(scenario, target string, limit float64, why string) Verdict {
	return Verdict{Scenario: scenario, Target: target, Limit: limit, Status: statusNotJudged, Why: why}
}

// String is the verdict as the table prints it.
func (v Verdict) String() string {
	var s string
	switch v.Status {
	case statusNotJudged, statusBeyondCPUs:
		return fmt.Sprintf("%s <= %s: not judged (%s)", v.Target, formatFloat(v.Limit), v.Why)
	case statusInconclusive:
		s = fmt.Sprintf("%s: %s <= %s (INCONCLUSIVE: the rounds fall on both sides of the limit)", v.Target, formatFloat(v.Value), formatFloat(v.Limit))
	case statusBrokenFloor:
		s = fmt.Sprintf("%s: %s <= %s (broken floor, not judged: %s)", v.Target, formatFloat(v.Value), formatFloat(v.Limit), v.Why)
	default:
		s = fmt.Sprintf("%s: %s <= %s %s", v.Target, formatFloat(v.Value), formatFloat(v.Limit), met(v.Met))
	}
	if v.Rounds != "" {
		s += " [" + v.Rounds + "]"
	}
	return s
}

// String is the status as -json writes it.
func (s status) String() string {
	switch s {
	case statusMet:
		return "met"
	case statusMissed:
		return "missed"
	case statusBrokenFloor:
		return "broken floor"
	case statusInconclusive:
		return "inconclusive"
	case statusBeyondCPUs:
		return "not judged (CPUs)"
	}
	return "not judged"
}

// fails reports whether -check fails on a target of this status: every one
// but met and beyond the machine's CPUs.
func (s status) fails() bool { return s != statusMet && s != statusBeyondCPUs }

// judged reports whether the run judged the target on its figures.
func (s status) judged() bool {
	return s == statusMet || s == statusMissed || s == statusInconclusive
}

// counts are the verdicts by status.
type counts struct {
	met, missed, inconclusive int
	notJudged                 int // no figure for it, or on a broken floor
	beyondCPUs                int
}

// judged is how many targets the run could judge.
func (c counts) judged() int { return c.met + c.missed + c.inconclusive }

// tally counts the verdicts by status.
func tally(vs []Verdict) counts {
	var c counts
	for _, v := range vs {
		switch v.Status {
		case statusMet:
			c.met++
		case statusMissed:
			c.missed++
		case statusInconclusive:
			c.inconclusive++
		case statusBeyondCPUs:
			c.beyondCPUs++
		default:
			c.notJudged++
		}
	}
	return c
}

// tallyLine is the run's last line: targets met and missed, and those
// inconclusive or not judged when there are some.
func tallyLine(vs []Verdict) string {
	c := tally(vs)
	line := fmt.Sprintf("targets: %d met, %d missed", c.met, c.missed)
	if c.inconclusive > 0 {
		line += fmt.Sprintf(", %d inconclusive", c.inconclusive)
	}
	if c.notJudged > 0 {
		line += fmt.Sprintf(", %d not judged", c.notJudged)
	}
	if c.beyondCPUs > 0 {
		line += fmt.Sprintf(", %d not judged (%d CPUs)", c.beyondCPUs, runtime.NumCPU())
	}
	return line
}

// quickNote says why a -quick run judges nothing; each of its targets
// says quickWhy.
const (
	quickNote = "-quick runs smoke sizes; the targets are for the full sizes"
	quickWhy  = "-quick"
)

// limitAt is one ratio target of a timing scenario: actor over other at
// GOMAXPROCS cpu.
type limitAt struct {
	other string
	cpu   int
	limit float64
}

// Targets of the open+close pair with leases that live: against the
// competent same-policy peer and the published design (issue 26), and the
// published design at GOMAXPROCS 8 (issue 19; judged only on 8 CPUs or more).
var acquireReleaseLimits = []limitAt{
	{implMutexPolicy, 1, 1.5}, {implMutexPolicy, 2, 1.5},
	{implBaseline, 1, 2.5}, {implBaseline, 2, 2.5}, {implBaseline, 8, 2},
}

// Targets of the warm query (issue 26 at GOMAXPROCS 1; issue 12 at 8).
var warmQueryLimits = []limitAt{
	{implMutexPolicy, 1, 1.2}, {implBaseline, 1, 0.75}, {implBaseline, 8, 0.3},
}

// scaleGrowthLimit is how much the actor's time per host may grow from
// scaleSmallHosts hosts to the full scale run's.
const scaleGrowthLimit = 1.3

// scaleBytesPerLease is the most a connection's lease may cost: 64 bytes,
// grown by the 16 that keep the acquire context's values (issue 18).
const scaleBytesPerLease = 80

// targets judges res against the targets of issues 5, 9, 12, 19 and 26.
func targets(res Result) []Verdict {
	a, _ := res.row(implActor, 0, rowHosts(res))
	b, _ := res.row(implBaseline, 0, rowHosts(res))
	p, _ := res.row(implMutexPolicy, 0, rowHosts(res))
	sameFetches := func(slack float64) Verdict {
		return atMost(res.Scenario, "|actor - mutex-policy| fetches (the same policy)", math.Abs(a.value("fetches")-p.value("fetches")), slack, "")
	}
	switch res.Scenario {
	case "stampede", "churn":
		return []Verdict{sameFetches(0)}
	case "outage":
		return []Verdict{sameFetches(3)}
	case "retry-after":
		return []Verdict{atMost(res.Scenario, "actor requests (one per Retry-After allows)", a.value("fetches"), float64(retryAfterAllowed(a)), "")}
	case "fleet":
		return []Verdict{
			atMost(res.Scenario, "actor peak_per_second after the first minute", a.value("peak_per_second"), 60, ""),
			atMost(res.Scenario, "actor/baseline requests_per_process_hour",
				a.value("requests_per_process_hour")/b.value("requests_per_process_hour"), 1.01, ""),
		}
	case "warm-query":
		return warmQueryTargets(res)
	case "acquire-release":
		return acquireReleaseTargets(res)
	case "memory":
		return []Verdict{
			atMost(res.Scenario, "actor/baseline bytes_per_host live", a.value("bytes_per_host")/b.value("bytes_per_host"), 2, ""),
			atMost(res.Scenario, "actor bytes_per_host_after (once every TTL has passed)", a.value("bytes_per_host_after"), 10, ""),
		}
	case "scale":
		return []Verdict{
			scaleGrowthTarget(res),
			atMost(res.Scenario, "actor bytes_per_lease", a.value("bytes_per_lease"), scaleBytesPerLease, ""),
		}
	}
	return nil
}

// summary sums res up in one line from its own figures.
func summary(res Result) string {
	a, _ := res.row(implActor, 0, rowHosts(res))
	b, _ := res.row(implBaseline, 0, rowHosts(res))
	p, _ := res.row(implMutexPolicy, 0, rowHosts(res))
	v := func(r Row, name string) int64 { return int64(r.value(name)) }
	switch res.Scenario {
	case "stampede":
		return fmt.Sprintf("actor: %d fetch(es), %d told false, %d errors; mutex-policy: %d fetch(es), %d told false, %d errors; baseline: %d fetch(es), %d told false (while the server said true), %d errors",
			v(a, "fetches"), v(a, "told_false"), v(a, "errors"), v(p, "fetches"), v(p, "told_false"), v(p, "errors"),
			v(b, "fetches"), v(b, "told_false"), v(b, "errors"))
	case "churn":
		return fmt.Sprintf("the actor fetched %d time(s), mutex-policy %d, the baseline %d: %s",
			v(a, "fetches"), v(p, "fetches"), v(b, "fetches"), times(b.value("fetches"), a.value("fetches")))
	case "outage":
		return fmt.Sprintf("during the outage the actor sent %d requests, mutex-policy %d, the baseline %d: %s",
			v(a, "fetches"), v(p, "fetches"), v(b, "fetches"), times(b.value("fetches"), a.value("fetches")))
	case "retry-after":
		allowed := int64(retryAfterAllowed(a))
		return fmt.Sprintf("the actor sent %d requests, %s the %d that one per Retry-After allows; mutex-policy %d; the baseline %d",
			v(a, "fetches"), within(v(a, "fetches") <= allowed), allowed, v(p, "fetches"), v(b, "fetches"))
	case "short-deadline":
		return fmt.Sprintf("actor: %d fetch(es), %d hurried callers told false, last caller filled: %s; mutex-policy: %d fetch(es), %d told false, filled: %s; baseline: %d fetch(es), %d told false, filled: %s",
			v(a, "fetches"), v(a, "hurried_told_false"), yesNo(a.value("filled") != 0),
			v(p, "fetches"), v(p, "hurried_told_false"), yesNo(p.value("filled") != 0),
			v(b, "fetches"), v(b, "hurried_told_false"), yesNo(b.value("filled") != 0))
	case "fleet":
		return fmt.Sprintf("busiest simulated second after the first minute: actor %d requests, baseline %d; requests per process-hour: actor %.3f, baseline %.3f; in all: actor %d, baseline %d",
			v(a, "peak_per_second"), v(b, "peak_per_second"), a.value("requests_per_process_hour"), b.value("requests_per_process_hour"),
			v(a, "fetches"), v(b, "fetches"))
	case "floor":
		return floorSummary(res)
	case "warm-query", "acquire-release":
		return "ratios of the medians of the interleaved rounds, the floor in the same rounds; the targets below"
	case "memory":
		return fmt.Sprintf("bytes per host live: actor %.1f, mutex-policy %.1f, baseline %.1f; right after release: actor %.1f, mutex-policy %.1f, baseline %.1f; after the TTL: actor %.2f, mutex-policy %.2f, baseline %.1f",
			a.value("bytes_per_host"), p.value("bytes_per_host"), b.value("bytes_per_host"),
			a.value("bytes_per_host_released"), p.value("bytes_per_host_released"), b.value("bytes_per_host_released"),
			a.value("bytes_per_host_after"), p.value("bytes_per_host_after"), b.value("bytes_per_host_after"))
	case "scale":
		return scaleGrowthSummary(res) + fmt.Sprintf("; at %d hosts: actor %.2fs, mutex-policy %.2fs, baseline %.2fs (medians); peak heap actor %d bytes, mutex-policy %d, baseline %d",
			a.Hosts, a.value("seconds"), p.value("seconds"), b.value("seconds"), v(a, "peak_heap_bytes"), v(p, "peak_heap_bytes"), v(b, "peak_heap_bytes"))
	}
	return ""
}

func floorSummary(res Result) string {
	var parts []string
	for _, cpu := range cpusOf(res) {
		al, _ := res.floorRow(floorAtomicLoad, cpu)
		rt, _ := res.floorRow(floorRoundTrip, cpu)
		ts, _ := res.floorRow(floorTwoSends, cpu)
		base := al.value(cost.field)
		parts = append(parts, fmt.Sprintf("cpu=%d round trip %.0fx, two sends %.0fx", cpu,
			rt.value(cost.field)/base, ts.value(cost.field)/base))
	}
	return "against one atomic load: " + strings.Join(parts, "; ")
}

// ratioRounds says which rounds a ratio of two rows' medians used, and the
// range of the ratio taken round by round (the implementations' rounds are
// interleaved, so round i of one ran beside round i of the other).
func ratioRounds(a, b Row, field string, perRound func(Row) []float64) (text string, lo, hi float64) {
	f, _ := a.field(field)
	if f.Rounds < 2 {
		return "one round each", math.NaN(), math.NaN()
	}
	lo, hi = rangeOf(perRound(a), perRound(b))
	return fmt.Sprintf("ratio of the medians of %d interleaved rounds each; round by round %.2f-%.2f", f.Rounds, lo, hi), lo, hi
}

// rangeOf is the least and the most of num[i]/den[i].
func rangeOf(num, den []float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for i := range min(len(num), len(den)) {
		r := num[i] / den[i]
		lo, hi = min(lo, r), max(hi, r)
	}
	return lo, hi
}

// ratioVerdict judges a/b's medians of field against limit, and again on
// the ratio round by round.
func ratioVerdict(scenario, target string, a, b Row, field string, perRound func(Row) []float64, limit float64) Verdict {
	text, lo, hi := ratioRounds(a, b, field, perRound)
	return judgeRange(atMost(scenario, target, a.value(field)/b.value(field), limit, text), lo, hi)
}

// roundCost is a timing row's cost per op round by round.
func roundCost(r Row) []float64 {
	v := make([]float64, len(r.Samples))
	for i, s := range r.Samples {
		v[i] = cost.of(s)
	}
	return v
}

// ratioAt judges actor/other ns/op at GOMAXPROCS cpu and host count hosts;
// a target at a GOMAXPROCS the run did not measure is not judged.
func ratioAt(res Result, other string, cpu, hosts int, limit float64) Verdict {
	target := fmt.Sprintf("actor/%s %s at cpu=%d", other, cost.label, cpu)
	if hosts != 0 {
		target = fmt.Sprintf("actor/%s %s, %s, cpu=%d", other, cost.label, hostCount(hosts), cpu)
	}
	if !judgeable(cpu) {
		return beyondCPUs(res.Scenario, target, limit)
	}
	a, okA := res.row(implActor, cpu, hosts)
	b, okB := res.row(other, cpu, hosts)
	if !okA || !okB {
		return notJudged(res.Scenario, target, limit, fmt.Sprintf("no cpu=%d rows: the run's -cpu lacks %d", cpu, cpu))
	}
	return ratioVerdict(res.Scenario, target, a, b, cost.field, roundCost, limit)
}

// floorTarget judges the worst actor/floor ns/op over res's actor rows,
// against the floor kind measured in the same rounds. Any row of subjects
// below its floor breaks the floor: the target is then not judged.
func floorTarget(res Result, kind string, subjects []string, limit float64) Verdict {
	target := fmt.Sprintf("actor/%s floor %s, worst", kind, cost.label)
	worst, at, rounds, lo, hi := 0.0, "", "", 0.0, 0.0
	var broken []string
	for _, r := range res.Rows {
		if !slices.Contains(subjects, r.Impl) || r.Variant != "" || !judgeable(r.GOMAXPROCS) {
			continue
		}
		f, ok := res.floorRow(kind, r.GOMAXPROCS)
		if !ok {
			return notJudged(res.Scenario, target, limit, fmt.Sprintf("no %s floor row at cpu=%d", kind, r.GOMAXPROCS))
		}
		where := fmt.Sprintf("cpu=%d", r.GOMAXPROCS)
		if r.Hosts != 0 {
			where = hostCount(r.Hosts) + ", " + where
		}
		ratio := r.value(cost.field) / f.value(cost.field)
		if round(ratio, 2) < 1 {
			broken = append(broken, fmt.Sprintf("%s %s at %s below the floor's %s", r.Impl, formatFloat(r.value(cost.field)), where, formatFloat(f.value(cost.field))))
		}
		if r.Impl == implActor && ratio > worst {
			worst, at = ratio, where
			rounds, lo, hi = ratioRounds(r, f, cost.field, roundCost)
			rounds += ", the floor in the same rounds"
		}
	}
	if at == "" {
		return notJudged(res.Scenario, target, limit, "no actor rows")
	}
	v := judgeRange(atMost(res.Scenario, fmt.Sprintf("%s (%s)", target, at), worst, limit, rounds), lo, hi)
	if len(broken) > 0 {
		v.Status, v.Met, v.Why = statusBrokenFloor, false, strings.Join(broken, "; ")
	}
	return v
}

func warmQueryTargets(res Result) []Verdict {
	var vs []Verdict
	for _, t := range warmQueryLimits {
		vs = append(vs, ratioAt(res, t.other, t.cpu, 0, t.limit))
	}
	// Judged against the clock floor: since issue 9 a warm query reads the
	// clock to be right, and no honest one can cost less than that.
	vs = append(vs, floorTarget(res, floorAtomicClock, impls, 3))
	maxAllocs := 0.0
	for _, r := range res.Rows {
		if r.Impl == implActor {
			maxAllocs = max(maxAllocs, r.value("allocs_per_op"))
		}
	}
	return append(vs, atMost(res.Scenario, "actor allocs per query, most at any cpu", maxAllocs, 0, ""))
}

func acquireReleaseTargets(res Result) []Verdict {
	var vs []Verdict
	for _, hosts := range hostsOf(res) {
		for _, t := range acquireReleaseLimits {
			vs = append(vs, ratioAt(res, t.other, t.cpu, hosts, t.limit))
		}
	}
	// Two sends bound the actor only: a mutex design sends nothing.
	return append(vs, floorTarget(res, floorTwoSends, []string{implActor}, 1.5))
}

// hostsOf lists the host counts of res's actor rows in order, once each.
func hostsOf(res Result) []int {
	var hosts []int
	for _, r := range res.Rows {
		if r.Impl == implActor && !slices.Contains(hosts, r.Hosts) {
			hosts = append(hosts, r.Hosts)
		}
	}
	return hosts
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

// retryAfterAllowed is how many requests one per Retry-After allows over
// the simulated seconds of r.
func retryAfterAllowed(r Row) int { return len(r.Series)/int(retryAfter.Seconds()) + 1 }

// scaleGrowth is how impl's time per host grows from the small scale run to
// the full one: its median, and the ratio round by round.
func scaleGrowth(res Result, impl string) (growth float64, rounds string, lo, hi float64, ok bool) {
	big, okBig := res.row(impl, 0, rowHosts(res))
	small, okSmall := res.row(impl, 0, scaleSmallHosts)
	if !okBig || !okSmall || big.Hosts == small.Hosts {
		return 0, "", 0, 0, false
	}
	perHost := func(r Row) []float64 {
		v := slices.Clone(scaleRoundSeconds(r))
		for i := range v {
			v[i] /= float64(r.Hosts)
		}
		return v
	}
	secs := scaleSecondsField()
	growth = (big.value(secs) / float64(big.Hosts)) / (small.value(secs) / float64(small.Hosts))
	lo, hi = rangeOf(perHost(big), perHost(small))
	return growth, fmt.Sprintf("%d rounds; round by round %.2f-%.2f", len(perHost(big)), lo, hi), lo, hi, true
}

// scaleGrowthTarget judges the actor's time per host at the full scale run
// against the same at scaleSmallHosts: the cost of a host must not grow with
// the hosts held.
func scaleGrowthTarget(res Result) Verdict {
	a, _ := res.row(implActor, 0, rowHosts(res))
	target := fmt.Sprintf("actor %s per host, %d hosts over %d", scaleSecondsField(), a.Hosts, scaleSmallHosts)
	growth, rounds, lo, hi, ok := scaleGrowth(res, implActor)
	if !ok {
		return notJudged(res.Scenario, target, scaleGrowthLimit, fmt.Sprintf("no %d-host rows", scaleSmallHosts))
	}
	v := judgeRange(atMost(res.Scenario, target, growth, scaleGrowthLimit, rounds), lo, hi)
	if b, _, _, _, ok := scaleGrowth(res, implBaseline); ok {
		v.Rounds += fmt.Sprintf("; the published design's growth %.2f", b)
	}
	return v
}

// scaleGrowthSummary says how each implementation's time per host grew.
func scaleGrowthSummary(res Result) string {
	var parts []string
	for _, impl := range impls {
		if g, _, _, _, ok := scaleGrowth(res, impl); ok {
			parts = append(parts, fmt.Sprintf("%s %.2fx", impl, g))
		}
	}
	if len(parts) == 0 {
		return "time per host"
	}
	return fmt.Sprintf("time per host at %d hosts over at %d: %s", rowHosts(res), scaleSmallHosts, strings.Join(parts, ", "))
}
