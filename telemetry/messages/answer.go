package messages

import (
	"sync/atomic"
	"time"
)

// Answer is what the actor's loop last published for one host. It is immutable
// once published, so any number of leases may read it at once.
type Answer struct {
	Flags Flags
	// Fresh is false once the value's time-to-live has passed. A reader that
	// finds a stale answer must ask the loop, which serves it and refreshes it.
	Fresh bool
	// Known is true when Flags hold a value the server served, false before
	// the host's first good fetch.
	Known bool
	// NextFetch, for an answer that is not fresh, is the earliest time the
	// loop would start a fetch of the host: in the far future while one is in
	// flight, the end of the backoff after a failure, zero when one can start
	// now. A reader that only looks (Lease.Peek) uses it so as not to ask the
	// loop for nothing.
	NextFetch time.Time

	// onNames lists the flags that are on, when Flags are few: a scan of a
	// short list is cheaper than hashing a long flag name. nil means: ask
	// Flags.
	onNames []string
}

// maxScannedFlags is how many flags an Answer keeps in a list to scan.
const maxScannedFlags = 8

// NewAnswer returns an Answer for flags, ready for readers. (An Answer built
// without it is correct too, only slower to read.)
func NewAnswer(flags Flags, fresh, known bool) *Answer {
	a := &Answer{Flags: flags, Fresh: fresh, Known: known}
	if len(flags.Values) <= maxScannedFlags {
		a.onNames = make([]string, 0, len(flags.Values))
		for name := range flags.Values {
			if flags.Bool(name) {
				a.onNames = append(a.onNames, name)
			}
		}
	}
	return a
}

// Bool reports whether the named flag is on in the answer, as Flags.Bool.
func (a *Answer) Bool(name string) bool {
	if a.onNames == nil {
		return a.Flags.Bool(name)
	}
	for _, on := range a.onNames {
		if on == name {
			return true
		}
	}
	return false
}

// Slot holds one host's published Answer. Only the actor's loop stores into it;
// leases load it without a message, which is what makes a warm query cheap.
type Slot struct {
	answer atomic.Pointer[Answer]
}

// Load returns the published answer, or nil before the loop has published one.
func (s *Slot) Load() *Answer { return s.answer.Load() }

// Publish replaces the published answer. Only the actor's loop calls it.
func (s *Slot) Publish(a *Answer) { s.answer.Store(a) }
