package messages_test

import (
	"fmt"
	"maps"
	"slices"
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

func TestSlotPublishesLatest(t *testing.T) {
	var s messages.Slot
	if s.Load() != nil {
		t.Fatal("new Slot holds an answer")
	}
	first, second := &messages.Answer{Fresh: true}, &messages.Answer{}
	s.Publish(first)
	s.Publish(second)
	if got := s.Load(); got != second {
		t.Fatalf("Load = %p, want the last published %p", got, second)
	}
}

func TestTicketBind(t *testing.T) {
	var tk messages.Ticket
	if tk.Slot() != nil {
		t.Fatal("unbound Ticket has a Slot")
	}
	var s messages.Slot
	if !tk.Bind(&s) {
		t.Fatal("Bind of a fresh ticket failed")
	}
	if tk.Slot() != &s {
		t.Fatal("Slot after Bind is not the bound slot")
	}
	if tk.Withdraw() || tk.Withdrawn() {
		t.Fatal("Withdraw succeeded on a bound ticket")
	}
}

// Exactly one of Bind and Withdraw wins: a lease released before the loop
// applied its Acquire is never bound.
func TestTicketWithdraw(t *testing.T) {
	var tk messages.Ticket
	if !tk.Withdraw() || !tk.Withdrawn() {
		t.Fatal("Withdraw of an unbound ticket failed")
	}
	var s messages.Slot
	if tk.Bind(&s) {
		t.Fatal("Bind succeeded on a withdrawn ticket")
	}
	if got := tk.Slot(); got == &s || got.Load() != nil {
		t.Fatalf("Slot of a withdrawn ticket = %p holding %v, want an empty slot", got, got.Load())
	}
}

// An Answer's Bool agrees with Flags.Bool, whether it scans a short list of
// the flags that are on or, for many flags, looks them up.
func TestAnswerBoolAgreesWithFlags(t *testing.T) {
	few := map[string]string{"on": "true", "shout": "TRUE", "off": "false", "odd": "1"}
	many := map[string]string{}
	for i := range 20 {
		many[fmt.Sprintf("flag-%d", i)] = []string{"true", "false", "True"}[i%3]
	}
	for name, values := range map[string]map[string]string{"few": few, "many": many, "none": nil} {
		t.Run(name, func(t *testing.T) {
			f := messages.Flags{Values: values}
			a := messages.NewAnswer(f, true, true)
			for _, flag := range append(slices.Collect(maps.Keys(values)), "absent", "") {
				if got, want := a.Bool(flag), f.Bool(flag); got != want {
					t.Errorf("Answer.Bool(%q) = %v, Flags.Bool = %v", flag, got, want)
				}
			}
		})
	}
}
