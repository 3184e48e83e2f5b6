package flagactor

import "sync/atomic"

// overflow holds the requests that found the mailbox full, so that no call
// is refused or reordered for want of room. It is a lock-free stack, and it
// is sticky: while it is not empty, every sender pushes onto it rather than
// into the mailbox, so nothing a goroutine sends later can reach the loop
// through the mailbox ahead of what it pushed. The common path pays one
// atomic load (queued); nodes are allocated only here.
//
// The loop takes the stack whole, then handles everything still in the
// mailbox (sent before the take: a goroutine that pushed sends nothing more
// into the mailbox while the stack is not empty), then the stack's requests
// in the order they were pushed. It leaves a mark in the stack's place while
// it works, so the stack stays "not empty" until the loop finds nothing but
// its own mark and removes it.
type overflow struct {
	head atomic.Pointer[overflowNode]
	// ready wakes the loop when the stack stops being empty; a buffer of
	// one, and a send that never blocks, is enough for any number of pushes.
	ready chan struct{}
}

// overflowNode is one pushed request, or (req nil) the loop's mark.
type overflowNode struct {
	next *overflowNode
	req  request
	// taken is closed once the loop has taken up the node: every node of one
	// take shares the channel of the node at its bottom.
	taken chan struct{}
}

// queued reports whether requests wait on the stack (or the loop works
// through it): a sender must then push too.
func (o *overflow) queued() bool { return o.head.Load() != nil }

// push queues req and returns the channel closed once the loop has taken
// it up.
func (o *overflow) push(req request) <-chan struct{} {
	n := &overflowNode{req: req}
	var own chan struct{}
	for {
		h := o.head.Load()
		n.next = h
		if h != nil {
			n.taken = h.taken
		} else {
			if own == nil {
				own = make(chan struct{})
			}
			n.taken = own
		}
		if o.head.CompareAndSwap(h, n) {
			if h == nil {
				o.wake()
			}
			return n.taken
		}
	}
}

// wake makes the loop look at the stack, without waiting.
func (o *overflow) wake() {
	select {
	case o.ready <- struct{}{}:
	default:
	}
}

// takeOverflow handles, in order, what was pushed since the last take. Only
// the loop calls it, on overflow.ready.
func (s *loopState) takeOverflow() {
	o := &s.a.overflow
	h := o.head.Load()
	if h == nil {
		return
	}
	if h.req == nil && o.head.CompareAndSwap(h, nil) {
		return // nothing but the loop's mark: the stack is empty again
	}
	top := o.head.Swap(&overflowNode{taken: make(chan struct{})})
	// Whatever the mailbox holds now was sent before anything in top by the
	// same goroutine: it goes first.
	s.drainMailboxEmpty()
	var reversed *overflowNode
	bottom := top
	for n := top; n != nil && n.req != nil; {
		next := n.next
		n.next, reversed, bottom = reversed, n, n
		n = next
	}
	for n := reversed; n != nil; n = n.next {
		s.handle(n.req)
	}
	if reversed != nil {
		close(bottom.taken)
	}
	o.wake() // back soon, to remove the mark or take what came meanwhile
}

// drainMailboxEmpty handles what the mailbox holds until it is empty. While
// the overflow is not empty only senders that looked before it filled can
// still put a request in the mailbox, at most one each: this ends.
func (s *loopState) drainMailboxEmpty() {
	for {
		select {
		case req := <-s.a.mailbox:
			s.handle(req)
		default:
			return
		}
	}
}
