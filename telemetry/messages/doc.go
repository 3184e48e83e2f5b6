// Package messages is the vocabulary spoken between callers, the flag actor and
// fetchers: the flags a host serves, the actor's counters, and the requests that
// travel through the actor's single mailbox.
//
// Every type here is a small concrete struct. The actor's loop is the only writer
// of host state; the types that callers may read concurrently (Slot, Answer) say so.
package messages
