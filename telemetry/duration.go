package telemetry

import "time"

// maxServerDuration caps the durations a server sends (ttl_seconds,
// Retry-After). The flag actor clamps a TTL to an hour anyway; the cap keeps
// a hostile or broken value from overflowing a time.Duration, or from
// stopping a host's fetches for years.
const maxServerDuration = 24 * time.Hour

// serverSeconds turns a server's count of seconds into a duration in
// [0, maxServerDuration]. Zero, negative and NaN counts are 0: the server gave
// no usable duration.
func serverSeconds(secs float64) time.Duration {
	switch {
	case !(secs > 0):
		return 0
	case secs >= maxServerDuration.Seconds():
		return maxServerDuration
	default:
		return time.Duration(secs * float64(time.Second))
	}
}
