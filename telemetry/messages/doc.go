// Package messages is the vocabulary callers, the flag actor and fetchers
// share: the flags a host serves (Flags), the actor's counters (Stats) and one
// host as the actor sees it (HostStatus).
//
// Every type here is a small concrete struct of plain values. The actor's
// mailbox, its requests and what it publishes to leases are the actor's own
// and live unexported in package flagactor.
package messages
