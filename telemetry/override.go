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

// ParseOverride reads a DSN value: "" is OverrideUnset, otherwise anything
// strconv.ParseBool accepts.
func ParseOverride(value string) (Override, error) {
	if value == "" {
		return OverrideUnset, nil
	}
	on, err := strconv.ParseBool(value)
	if err != nil {
		return OverrideUnset, fmt.Errorf("telemetry: enableTelemetry=%q: want true or false", value)
	}
	if on {
		return OverrideOn, nil
	}
	return OverrideOff, nil
}

// String returns the DSN spelling of o.
func (o Override) String() string {
	switch o {
	case OverrideOn:
		return "true"
	case OverrideOff:
		return "false"
	}
	return ""
}
