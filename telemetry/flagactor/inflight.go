package flagactor

import (
	"context"
	"slices"
)

// inflight is the loop's record of one host's fetch in flight. It lives only
// as long as the fetch's goroutine, which keeps every idle host entry small.
type inflight struct {
	entry    *hostEntry // the host it fetches
	by       *ticket    // the lease whose Fetcher runs it
	deadline int64      // when the loop gives up on it, whatever the Fetcher does; noWake once it has
	// cancel ends the fetch's context (see startFetch): the loop calls it as
	// the fetch's result arrives, to free its timer, and as the loop exits.
	cancel context.CancelFunc
	// timedOut is set when the loop gave up on the fetch (a failed fetch,
	// its waiters answered) while its goroutine has not returned. Until it
	// does, the record stays: it holds the host, so that no second fetch of
	// it starts (at most one fetch goroutine per host), and the host is not
	// evicted (a new entry would start one). Its result, when it comes, is
	// ignored.
	timedOut bool
	// invalidated is set when Invalidate came while the fetch was in flight:
	// its answer may predate what the caller of Invalidate learned, so it
	// serves its waiters but is kept as stale, and the next query fetches.
	invalidated bool

	waiters []*queryRequest // queries of a host with no value, waiting on the fetch
	pruneAt int             // waiter count at which departed waiters are dropped
}

// addWaiter queues q on the fetch and reports whether it did: a caller that
// has already left is not queued. Waiters whose context ended are dropped
// whenever the list has doubled, so a fetch that hangs cannot make it grow
// without bound.
func (f *inflight) addWaiter(q *queryRequest) bool {
	if isDone(q.Done) {
		return false
	}
	if len(f.waiters) >= f.pruneAt {
		f.waiters = slices.DeleteFunc(f.waiters, func(w *queryRequest) bool { return isDone(w.Done) })
		f.pruneAt = max(16, 2*len(f.waiters))
	}
	f.waiters = append(f.waiters, q)
	return true
}

func isDone(done <-chan struct{}) bool {
	select {
	case <-done:
		return true
	default:
		return false
	}
}

// answer replies to every waiter of a finished fetch; each is answered once.
func (f *inflight) answer(r queryReply) {
	for _, w := range f.waiters {
		w.Reply <- r // buffered
	}
	f.waiters = nil
}
