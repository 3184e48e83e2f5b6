package flagactor

import (
	"sync/atomic"

	"github.com/flagactor/flagactor/telemetry/messages"
)

// flagValues is one set of flag values, ready for readers. It is immutable,
// and shared by every host (and every answer) that serves the same values.
type flagValues struct {
	Flags messages.Flags

	// onNames lists the flags that are on, when Flags are few: a scan of a
	// short list is cheaper than hashing a long flag name. nil means: ask
	// Flags.
	onNames []string
}

// maxScannedFlags is how many flags a flagValues keeps in a list to scan.
const maxScannedFlags = 8

// newFlagValues returns flags ready for readers. (A flagValues built without
// it is correct too, only slower to read.)
func newFlagValues(flags messages.Flags) *flagValues {
	v := &flagValues{Flags: flags}
	if len(flags.Values) <= maxScannedFlags {
		v.onNames = make([]string, 0, len(flags.Values))
		for name := range flags.Values {
			if flags.Bool(name) {
				v.onNames = append(v.onNames, name)
			}
		}
	}
	return v
}

// Bool reports whether the named flag is on, as Flags.Bool.
func (v *flagValues) Bool(name string) bool {
	if v.onNames == nil {
		return v.Flags.Bool(name)
	}
	for _, on := range v.onNames {
		if on == name {
			return true
		}
	}
	return false
}

// noValues is the value of a host before its first good fetch: every flag off.
var noValues = newFlagValues(messages.Flags{})

// answer is what the actor's loop last published for one host. It is
// immutable once published, so any number of leases may read it at once.
// Times are nanoseconds since the actor's epoch, on its clock.
type answer struct {
	*flagValues // the host's last good value; noValues when there is none

	// expiresAt is when the value turns stale: a reader compares it with the
	// clock itself rather than trust the loop to have looked in time. Zero
	// for an answer that is not fresh.
	expiresAt int64
	// nextFetch, for an answer that is not fresh, is the earliest time the
	// loop would start a fetch of the host: noWake while one is in flight
	// (or a timed-out one still hangs), the end of the backoff after a
	// failure, zero when one can start now. A reader that only looks
	// (Lease.Peek) uses it so as not to ask the loop for nothing.
	nextFetch int64
	// admitStep, for an answer that is not fresh, is the step of the host's
	// own backoff that still admits one fetch, by a lease acquired before it
	// began; zero when none (see failpolicy.go).
	admitStep uint32
	// known is true when the value is one the server served, false before
	// the host's first good fetch.
	known bool
	// givenUp is the cause a caller gave up waiting for the fetch in flight
	// with (see Lease.Enabled): the one field written after publishing, on an
	// answer of one entry (fetchPending), so that it goes with the answer
	// when the fetch ends and the loop publishes the next one (but for the
	// backoff of a failure, and Invalidate while it runs: see publishUnfresh).
	givenUp atomic.Pointer[error]
}

// fetchPending reports whether the answer was published while the entry had
// no value and a fetch in flight (or a timed-out one not returned). Such an
// answer is made for one entry, never shared.
func (a *answer) fetchPending() bool { return !a.known && a.nextFetch == noWake }

// freshAt reports whether the answer is fresh when the actor's clock reads now.
func (a *answer) freshAt(now int64) bool { return now < a.expiresAt }

// answerSlot holds one host's published answer: Load returns it, nil before
// the loop has published one. Only the actor's loop stores into it; leases
// load it without a message, which is what makes a warm query cheap.
type answerSlot struct {
	atomic.Pointer[answer]
	// leaseEpoch numbers the era of the host's leases' own backoffs: one
	// counted in an earlier era is over, so Invalidate ends them all by
	// adding one, without visiting the leases. Only the loop adds to it.
	leaseEpoch atomic.Uint32
}
