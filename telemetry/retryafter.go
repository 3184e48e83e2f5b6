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
	if header == "" {
		return 0
	}
	// ParseUint takes digits only (no sign, space or fraction), the one
	// form of delay-seconds; too many of them is ErrRange.
	secs, err := strconv.ParseUint(header, 10, 64)
	switch {
	case err == nil:
		return serverSeconds(float64(secs))
	case errors.Is(err, strconv.ErrRange):
		return maxServerDuration
	}
	date, err := http.ParseTime(header)
	if err != nil {
		return 0
	}
	wait := date.Sub(now)
	if wait <= 0 {
		return 0
	}
	return min(wait, maxServerDuration)
}
