package telemetry

import (
	"fmt"
	"strconv"
)

// Override is the client's own telemetry setting (enableTelemetry in a DSN).
// An explicit setting wins over the server's flag.
type Override uint8

// The settings of an Override.
const (
	OverrideUnset Override = iota // follow the server's flag (the default)
	OverrideOn                    // enableTelemetry=true: on, whatever the server says
	OverrideOff                   // enableTelemetry=false: off, and the server is never asked
)

// ParseOverride reads a DSN value: "" is OverrideUnset, otherwise what
// strconv.ParseBool accepts (1, t, T, TRUE, true, True, 0, f, F, FALSE,
// false, False). Anything else is an error, ParseOverride's only one, which
// names the setting and every spelling accepted. It quotes the value only
// when it cannot carry a secret (at most 8 letters or digits, such as
// "yes"): a DSN split the wrong way leaves the rest of the DSN, its token
// too, in the value.
func ParseOverride(value string) (Override, error) {
	if value == "" {
		return OverrideUnset, nil
	}
	on, err := strconv.ParseBool(value)
	if err != nil {
		refused := "enableTelemetry: not a boolean"
		if isShortWord(value) {
			refused = "enableTelemetry=" + strconv.Quote(value)
		}
		return OverrideUnset, fmt.Errorf("telemetry: bad enableTelemetry value: %s: want 1, t, T, TRUE, true, True, 0, f, F, FALSE, false or False",
			refused)
	}
	if on {
		return OverrideOn, nil
	}
	return OverrideOff, nil
}

// isShortWord reports whether s is at most 8 ASCII letters or digits.
func isShortWord(s string) bool {
	for _, c := range s {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return len(s) <= 8
}

// OverrideFromBool is the Override of a driver that keeps enableTelemetry as
// a *bool: nil is OverrideUnset, true OverrideOn, false OverrideOff.
func OverrideFromBool(enabled *bool) Override {
	switch {
	case enabled == nil:
		return OverrideUnset
	case *enabled:
		return OverrideOn
	}
	return OverrideOff
}
