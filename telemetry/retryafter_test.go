package telemetry

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2030, time.March, 4, 5, 6, 7, 0, time.UTC)
	tests := []struct {
		name   string
		header string
		want   time.Duration
	}{
		{"missing", "", 0},
		{"seconds", "60", time.Minute},
		{"zero", "0", 0},
		{"leading zeros", "007", 7 * time.Second},
		{"surrounding space", " 120 ", 2 * time.Minute},
		{"capped", "172800", maxServerDuration},
		{"too many digits", "99999999999999999999999999", maxServerDuration},
		{"negative", "-5", 0},
		{"plus sign", "+5", 0},
		{"fraction", "1.5", 0},
		{"word", "soon", 0},
		{"date ahead", now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{"date now", now.Format(http.TimeFormat), 0},
		{"date passed", now.Add(-time.Hour).Format(http.TimeFormat), 0},
		{"date far ahead", now.Add(30 * 24 * time.Hour).Format(http.TimeFormat), maxServerDuration},
		{"RFC 850 date", now.Add(time.Minute).Format("Monday, 02-Jan-06 15:04:05 GMT"), time.Minute},
		{"ANSI C date", now.Add(time.Minute).Format(time.ANSIC), time.Minute},
		{"date in another format", now.Add(time.Minute).Format(time.RFC3339), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, parseRetryAfter(tt.header, now))
		})
	}
}
