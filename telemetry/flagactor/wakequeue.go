package flagactor

// wakeQueue is a min-heap of host entries by wakeAt: the loop's one timer
// points at its head, so no step of the loop sweeps every host.
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
			q.remove(int(e.wakeIndex))
		}
	case e.wakeIndex < 0:
		e.wakeAt = at
		e.wakeIndex = int32(len(*q))
		*q = append(*q, e)
		q.up(len(*q) - 1)
	case at != e.wakeAt:
		e.wakeAt = at
		if !q.down(int(e.wakeIndex)) {
			q.up(int(e.wakeIndex))
		}
	}
}

func (q *wakeQueue) remove(i int) {
	h := *q
	last := len(h) - 1
	removed := h[i]
	if i != last {
		q.swap(i, last)
	}
	h[last] = nil
	*q = h[:last]
	removed.wakeIndex = -1
	if i != last && !q.down(i) {
		q.up(i)
	}
	// Give memory back after a burst of hosts has gone.
	if c := cap(*q); c >= 1024 && len(*q) <= c/4 {
		*q = append(make(wakeQueue, 0, len(*q)*2), *q...)
	}
}

func (q wakeQueue) swap(i, j int) {
	q[i], q[j] = q[j], q[i]
	q[i].wakeIndex = int32(i)
	q[j].wakeIndex = int32(j)
}

func (q wakeQueue) up(i int) {
	for i > 0 {
		parent := (i - 1) / 2
		if q[parent].wakeAt <= q[i].wakeAt {
			return
		}
		q.swap(i, parent)
		i = parent
	}
}

// down sifts i toward the leaves and reports whether it moved.
func (q wakeQueue) down(i int) bool {
	start := i
	for {
		child := 2*i + 1
		if child >= len(q) {
			break
		}
		if right := child + 1; right < len(q) && q[right].wakeAt < q[child].wakeAt {
			child = right
		}
		if q[i].wakeAt <= q[child].wakeAt {
			break
		}
		q.swap(i, child)
		i = child
	}
	return i > start
}
