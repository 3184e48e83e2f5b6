package telemetry

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestParseOverrideRepeatsNoSecret splits DSNs the wrong way, so that the
// enableTelemetry value carries the rest of the DSN with its token: the
// error does not repeat the value, and still names the setting. A short
// word of letters or digits, which cannot carry one, is quoted.
func TestParseOverrideRepeatsNoSecret(t *testing.T) {
	for _, tt := range []struct {
		value string
		want  string
	}{
		{"true?token=" + bearer, `telemetry: bad enableTelemetry value: enableTelemetry: not a boolean`},
		{"true;PWD=" + secret, `telemetry: bad enableTelemetry value: enableTelemetry: not a boolean`},
		{"true&token=" + secret + "&x=1", `telemetry: bad enableTelemetry value: enableTelemetry: not a boolean`},
		{"dapi1234a", `telemetry: bad enableTelemetry value: enableTelemetry: not a boolean`},
		{"yes", `telemetry: bad enableTelemetry value: enableTelemetry="yes": want`},
		{"enabled", `telemetry: bad enableTelemetry value: enableTelemetry="enabled": want`},
		{"On1234Ab", `telemetry: bad enableTelemetry value: enableTelemetry="On1234Ab": want`},
	} {
		t.Run(tt.value, func(t *testing.T) {
			_, err := ParseOverride(tt.value)

			require.Error(t, err)
			require.Contains(t, err.Error(), tt.want)
			if len(tt.value) > 8 {
				require.NotContains(t, err.Error(), tt.value)
				requireNoSecret(t, err)
			}
		})
	}
}
