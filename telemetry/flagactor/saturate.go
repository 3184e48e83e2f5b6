package flagactor

import "time"

// addSat returns the loop time at + d, saturated: a duration too long to
// add (WithFetchTimeout(math.MaxInt64), a huge TTL or Retry-After) gives
// noWake, a time that never comes, rather than wrap into the past. (at is
// never negative, so no d can wrap it below math.MinInt64.)
func addSat(at int64, d time.Duration) int64 {
	if d > 0 && at > noWake-int64(d) {
		return noWake
	}
	return at + int64(d)
}

// epochLead is how far before the clock's reading at New (Actor.epoch) the
// loop's times count from, so that they stay positive even when the clock
// is set back (a mock set before the time the actor started): zero keeps its
// meaning of "none" for a backoff or a fetch that may start. About 146
// years, which leaves as much before a loop time saturates. It is added to
// each reading rather than taken off the epoch: a time.Time 146 years back
// loses its monotonic reading, and time.Since the wall clock's.
const epochLead = time.Duration(1) << 62

// loopTime is a clock reading, since the epoch, as the loop counts time:
// saturated into [1, noWake-1] however far the clock is from its reading at
// New, so that it never wraps, zero keeps its meaning of "none", and noWake
// stays a time that never comes. Past either end the loop's time stands
// still (a clock 146 years from New still fetches, once).
func loopTime(since time.Duration) int64 {
	return min(max(addSat(int64(epochLead), since), 1), noWake-1)
}
