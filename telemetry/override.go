package telemetry

import (
	"errors"
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

// ErrBadOverride reports an enableTelemetry value ParseOverride does not
// accept.
var ErrBadOverride = errors.New("telemetry: bad enableTelemetry value")

// ParseOverride reads a DSN value: "" is OverrideUnset, otherwise what
// strconv.ParseBool accepts (1, t, T, TRUE, true, True, 0, f, F, FALSE,
// false, False). Anything else is an error matching ErrBadOverride.
func ParseOverride(value string) (Override, error) {
	if value == "" {
		return OverrideUnset, nil
	}
	on, err := strconv.ParseBool(value)
	if err != nil {
		return OverrideUnset, fmt.Errorf("%w: enableTelemetry=%q: want 1, t, T, TRUE, true, True, 0, f, F, FALSE, false or False",
			ErrBadOverride, value)
	}
	if on {
		return OverrideOn, nil
	}
	return OverrideOff, nil
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

// String returns the DSN spelling of an explicit setting ("true" or
// "false"), and "unset" for OverrideUnset, which has none.
func (o Override) String() string {
	switch o {
	case OverrideUnset:
		return "unset"
	case OverrideOn:
		return "true"
	case OverrideOff:
		return "false"
	}
	return "Override(" + strconv.Itoa(int(o)) + ")"
}
