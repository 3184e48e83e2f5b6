package telemetry

import "sync/atomic"

// taskGroup counts the Gate's own goroutines (an idle version's check, and
// the retiring of its actor) so that Gate.Close can wait for them. It is a
// WaitGroup that refuses new tasks once closed, built on one atomic word so
// that a task starting and Close racing cannot miss each other.
type taskGroup struct {
	word atomic.Uint64 // tasksClosed | the number of tasks running or armed
}

// tasksClosed marks a closed taskGroup in its word.
const tasksClosed = 1 << 63

// add counts one more task; false once the group is closed, and then the
// task must not start.
func (tg *taskGroup) add() bool {
	for {
		w := tg.word.Load()
		if w&tasksClosed != 0 {
			return false
		}
		if tg.word.CompareAndSwap(w, w+1) {
			return true
		}
	}
}

// done ends one task. The last task of a closed group closes drained.
func (tg *taskGroup) done(drained func()) {
	if tg.word.Add(^uint64(0)) == tasksClosed {
		drained()
	}
}

// close refuses every later add, and reports whether no task was counted:
// the caller then has nobody to wait for.
func (tg *taskGroup) close() (idle bool) {
	return tg.word.Or(tasksClosed) == 0
}
