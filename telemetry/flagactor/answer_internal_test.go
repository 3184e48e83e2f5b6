package flagactor

import (
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/flagactor/flagactor/telemetry/messages"
)

func TestSlotPublishesLatest(t *testing.T) {
	var s answerSlot
	if s.Load() != nil {
		t.Fatal("new Slot holds an answer")
	}
	first, second := &answer{expiresAt: 1}, &answer{}
	s.Store(first)
	s.Store(second)
	if got := s.Load(); got != second {
		t.Fatalf("Load = %p, want the last published %p", got, second)
	}
}

func TestTicketBind(t *testing.T) {
	var tk ticket
	if tk.bound.Load() != nil {
		t.Fatal("unbound Ticket has an entry")
	}
	var e hostEntry
	if !tk.bind(&e) {
		t.Fatal("Bind of a fresh ticket failed")
	}
	if tk.bound.Load() != &e {
		t.Fatal("entry after Bind is not the bound entry")
	}
	if tk.withdraw() || tk.withdrawn() {
		t.Fatal("Withdraw succeeded on a bound ticket")
	}
}

// Exactly one of Bind and Withdraw wins: a lease released before the loop
// applied its Acquire is never bound.
func TestTicketWithdraw(t *testing.T) {
	var tk ticket
	if !tk.withdraw() || !tk.withdrawn() {
		t.Fatal("Withdraw of an unbound ticket failed")
	}
	var e hostEntry
	if tk.bind(&e) {
		t.Fatal("Bind succeeded on a withdrawn ticket")
	}
	if got := &tk.bound.Load().slot; got == &e.slot || got.Load() != nil {
		t.Fatalf("Slot of a withdrawn ticket = %p holding %v, want an empty slot", got, got.Load())
	}
}

// A flagValues' Bool agrees with Flags.Bool, whether it scans a short list of
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
			a := newFlagValues(f)
			for _, flag := range append(slices.Collect(maps.Keys(values)), "absent", "") {
				if got, want := a.Bool(flag), f.Bool(flag); got != want {
					t.Errorf("flagValues.Bool(%q) = %v, Flags.Bool = %v", flag, got, want)
				}
			}
		})
	}
}

// withdrawn reports whether a ticket's withdraw has succeeded: the loop
// drops its Acquire, and no Release follows.
func (t *ticket) withdrawn() bool { return t.bound.Load() == &withdrawnEntry }
