package telemetry

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// parseRetryAfter reads a Retry-After header (RFC 9110, section 10.2.3):
// either a count of seconds or an HTTP date, which now turns into a wait.
// A missing or malformed header, or a date that has passed, is 0. The wait
// is capped at maxServerDuration.
func parseRetryAfter(header string, now time.Time) time.Duration {
	header = strings.TrimSpace(header)
	// ParseUint takes digits only (no sign, space or fraction), the one
	// form of delay-seconds; too many of them is ErrRange, with the largest
	// count, which serverSeconds caps.
	if secs, err := strconv.ParseUint(header, 10, 64); err == nil || errors.Is(err, strconv.ErrRange) {
		return serverSeconds(float64(secs))
	}
	date, err := http.ParseTime(header)
	if err != nil {
		return 0 // missing or malformed
	}
	// serverSeconds reads a date that has passed, a wait below 0, as none.
	return serverSeconds(date.Sub(now).Seconds())
}
