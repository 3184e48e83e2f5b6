package telemetry

import (
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
	if isDigits(header) {
		secs, err := strconv.ParseUint(header, 10, 64)
		if err != nil { // all digits, so too many of them to fit
			return maxServerDuration
		}
		return serverSeconds(float64(secs))
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

// isDigits reports whether s is one or more ASCII digits: the only form of
// delay-seconds, so no sign, space or fraction.
func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
