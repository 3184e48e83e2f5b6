package flagactor

import (
	"sync/atomic"
	"time"

	"github.com/flagactor/flagactor/telemetry/messages"
)

// answer is what the actor's loop last published for one host. It is
// immutable once published, so any number of leases may read it at once.
type answer struct {
	Flags messages.Flags
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

// maxScannedFlags is how many flags an answer keeps in a list to scan.
const maxScannedFlags = 8

// newAnswer returns an answer for flags, ready for readers. (An answer built
// without it is correct too, only slower to read.)
func newAnswer(flags messages.Flags, fresh, known bool) *answer {
	a := &answer{Flags: flags, Fresh: fresh, Known: known}
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
func (a *answer) Bool(name string) bool {
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

// answerSlot holds one host's published answer. Only the actor's loop stores
// into it; leases load it without a message, which is what makes a warm
// query cheap.
type answerSlot struct {
	published atomic.Pointer[answer]
}

// load returns the published answer, or nil before the loop has published one.
func (s *answerSlot) load() *answer { return s.published.Load() }

// publish replaces the published answer. Only the actor's loop calls it.
func (s *answerSlot) publish(a *answer) { s.published.Store(a) }
