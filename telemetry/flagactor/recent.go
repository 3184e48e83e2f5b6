package flagactor

import "sync/atomic"

// recentEntries lets a lease read its entry's published answer before the
// loop has applied its Acquire: a connection opening on a host whose value
// is fresh is answered at once, with no round trip to the loop. It is a
// small table indexed by a hash of the entry's key, holding the entries the
// loop made last; a collision only costs a reader the round trip. Only the
// loop stores into it. A reader checks the key (which an entry never
// changes) and then trusts nothing but the entry's published answer, whose
// freshness it checks on its own clock read.
type recentEntries [recentSize]atomic.Pointer[hostEntry]

// recentSize is the number of places in recentEntries: a handful of hosts
// and driver versions per process find their own place.
const recentSize = 64

// note files e, which the loop has just made.
func (r *recentEntries) note(e *hostEntry) { r[recentIndex(e.key())].Store(e) }

// forget drops e, which the loop is forgetting, if it is still filed.
func (r *recentEntries) forget(e *hostEntry) { r[recentIndex(e.key())].CompareAndSwap(e, nil) }

// find returns the published-answer slot of the entry filed under key, or
// unpublished.
func (r *recentEntries) find(key entryKey) *answerSlot {
	e := r[recentIndex(key)].Load()
	if e == nil || e.host != key.host || e.namespace != key.namespace {
		return &unpublished
	}
	return &e.slot
}

// unpublished is the slot of an entry a lease cannot see yet: it never holds
// an answer, so its reader asks the loop.
var unpublished answerSlot

// recentIndex is key's place: FNV-1a over namespace and host. (A key made to
// collide only sends its reader to the loop.)
func recentIndex(key entryKey) int {
	h := uint32(2166136261)
	for i := 0; i < len(key.namespace); i++ {
		h = (h ^ uint32(key.namespace[i])) * 16777619
	}
	h = (h ^ 0xff) * 16777619 // apart: ("ab", "c") is not ("a", "bc")
	for i := 0; i < len(key.host); i++ {
		h = (h ^ uint32(key.host[i])) * 16777619
	}
	return int(h % recentSize)
}
