package flagactor

import "container/heap"

// wakeQueue is a min-heap (container/heap) of host entries by wakeAt: the
// loop's one timer points at its head, so no step of the loop sweeps every
// host. Each entry keeps its place in wakeIndex, -1 when not queued.
type wakeQueue []*hostEntry

// next returns the earliest wake-up, or noWake.
func (q wakeQueue) next() int64 {
	if len(q) == 0 {
		return noWake
	}
	return q[0].wakeAt
}

// set queues e to wake at at, moves it, or, for noWake, removes it.
func (q *wakeQueue) set(e *hostEntry, at int64) {
	switch {
	case at == noWake:
		if e.wakeIndex >= 0 {
			heap.Remove(q, int(e.wakeIndex))
		}
	case e.wakeIndex < 0:
		e.wakeAt = at
		heap.Push(q, e)
	case at != e.wakeAt:
		e.wakeAt = at
		heap.Fix(q, int(e.wakeIndex))
	}
}

// Len, Less, Swap, Push and Pop are heap.Interface's: the loop calls set.

func (q wakeQueue) Len() int { return len(q) }

func (q wakeQueue) Less(i, j int) bool { return q[i].wakeAt < q[j].wakeAt }

func (q wakeQueue) Swap(i, j int) {
	q[i], q[j] = q[j], q[i]
	q[i].wakeIndex = int32(i)
	q[j].wakeIndex = int32(j)
}

func (q *wakeQueue) Push(x any) {
	e := x.(*hostEntry)
	e.wakeIndex = int32(len(*q))
	*q = append(*q, e)
}

func (q *wakeQueue) Pop() any {
	h := *q
	e := h[len(h)-1]
	h[len(h)-1] = nil
	e.wakeIndex = -1
	*q = h[:len(h)-1] // evict gives memory back after a burst of hosts
	return e
}
