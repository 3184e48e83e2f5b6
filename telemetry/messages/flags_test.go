package messages_test

import (
	"testing"

	"github.com/flagactor/flagactor/telemetry/messages"
)

func TestFlagsBool(t *testing.T) {
	f := messages.Flags{Values: map[string]string{
		"on": "true", "shout": "TRUE", "mixed": "True", "off": "false", "yes": "yes", "one": "1", "padded": " true",
	}}
	for _, tc := range []struct {
		name string
		want bool
	}{
		{"on", true},
		{"shout", true},
		{"mixed", true},
		{"off", false},
		{"yes", false},
		{"one", false},
		{"padded", false},
		{"absent", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := f.Bool(tc.name); got != tc.want {
				t.Errorf("Bool(%q) with value %q = %v, want %v", tc.name, f.Values[tc.name], got, tc.want)
			}
		})
	}
	if (messages.Flags{}).Bool("on") {
		t.Error("Bool on empty Flags = true, want false")
	}
}
