package telemetry_test

import (
	"fmt"

	"github.com/flagactor/flagactor/telemetry"
)

// A driver that keeps enableTelemetry as a *bool (nil when the DSN does not
// set it) hands it to the Gate as it is.
func ExampleOverrideFromBool() {
	var enableTelemetry *bool // not in the DSN
	fmt.Println(telemetry.OverrideFromBool(enableTelemetry) == telemetry.OverrideUnset)

	off := false // enableTelemetry=false
	enableTelemetry = &off
	fmt.Println(telemetry.OverrideFromBool(enableTelemetry) == telemetry.OverrideOff)
	// Output:
	// true
	// true
}
