package flagactor

import (
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/flagactor/flagactor/telemetry/messages"
)

// flagSet is one distinct set of flag values, shared by every host that
// serves it: a fleet of hosts with the same flags holds one map, not one each.
type flagSet struct {
	key    string
	refs   int
	values *flagValues
	// fresh is the fresh answer made last for this set. Expiries fall on the
	// actor's grid, so hosts fetched around one moment with the same flags
	// share one answer, as they share one map: a fleet of workspaces costs
	// one answer per expiry, not one per host.
	fresh *answer
}

// flagSets interns flag sets by their content, under flagSetKey. Every set
// in it is some entry's value, so it never holds more sets than the loop
// holds entries, and it is rebuilt when the host map is (see evict).
type flagSets map[string]*flagSet

// intern returns the shared set equal to values, with one more reference.
func (fs flagSets) intern(values map[string]string) *flagSet {
	key := flagSetKey(values)
	if set, ok := fs[key]; ok {
		set.refs++
		return set
	}
	// Copy: the Fetcher's map is not ours to keep, and readers share this one.
	f := messages.Flags{Values: maps.Clone(values)}
	if f.Values == nil {
		f.Values = map[string]string{}
	}
	set := &flagSet{
		key:    key,
		refs:   1,
		values: newFlagValues(f),
	}
	fs[key] = set
	return set
}

// release drops one reference to set, forgetting it at zero. A nil set is a no-op.
func (fs flagSets) release(set *flagSet) {
	if set == nil {
		return
	}
	set.refs--
	if set.refs == 0 {
		delete(fs, set.key)
	}
}

// flagSetKey encodes values canonically: sorted names, each part
// length-prefixed, so no name or value can be confused with a separator.
func flagSetKey(values map[string]string) string {
	names := slices.Sorted(maps.Keys(values))
	var b strings.Builder
	for _, name := range names {
		for _, part := range [2]string{name, values[name]} {
			b.WriteString(strconv.Itoa(len(part)))
			b.WriteByte(':')
			b.WriteString(part)
		}
	}
	return b.String()
}

// freshUntil returns the fresh answer of set that expires at expiresAt,
// reusing the last one made when it expires then too. Answers are immutable,
// so any number of hosts may publish the same one.
func (set *flagSet) freshUntil(expiresAt int64) *answer {
	if a := set.fresh; a != nil && a.expiresAt == expiresAt {
		return a
	}
	set.fresh = &answer{flagValues: set.values, expiresAt: expiresAt, known: true}
	return set.fresh
}
