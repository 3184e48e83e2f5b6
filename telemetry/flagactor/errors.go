package flagactor

import (
	"errors"
	"fmt"
)

// Errors returned by the actor. Calls may wrap them with context (the host,
// the cause); match them with errors.Is.
var (
	// ErrClosed is returned by every call on an actor that has been closed,
	// or whose loop stopped after an internal fault.
	ErrClosed = errors.New("flagactor: closed")
	// ErrInvalidHost is returned when a host cannot be a host name[:port].
	ErrInvalidHost = errors.New("flagactor: invalid host")
	// ErrReleased is returned by Enabled on a lease that was released.
	ErrReleased = errors.New("flagactor: lease released")
)

// The causes the actor records for a failed fetch of its own making: their
// text says what happened; a caller has nothing to do about either but wait
// for the backoff, so they are not for matching.
var (
	// errFetchTimeout is the cause recorded when a fetch outlives the fetch
	// timeout, whether or not the Fetcher honours its context.
	errFetchTimeout = errors.New("flagactor: fetch timed out")
	// errFetcherPanic is the cause recorded when a Fetcher panics (with any
	// value, nil too) or ends its goroutine without returning
	// (runtime.Goexit, as t.FailNow does).
	errFetcherPanic = errors.New("flagactor: fetcher panicked")
)

// errNoFetcher is returned by Acquire when it is given a nil Fetcher: a
// mistake in the caller's code, not a condition to match.
var errNoFetcher = errors.New("flagactor: nil fetcher")

// errNotStarted is returned by every call on an Actor that was not made by
// New (a zero Actor), and on a Lease that was not made by Acquire. It
// matches ErrClosed with errors.Is: such an actor serves nothing.
var errNotStarted = fmt.Errorf("flagactor: actor not started with New: %w", ErrClosed)

// ErrCredentialRejected is what a Fetcher wraps when the server refused the
// credentials it sent (HTTPFetcher: 401 and 403). Such a failure belongs to
// the lease whose Fetcher made it, not to the host: that lease backs off,
// and another lease's query may fetch at once with its own Fetcher. When the
// host's last failure before it was another lease's own, the host backs off
// as well (see Lease.Enabled, and the table in failpolicy.go).
var ErrCredentialRejected = errors.New("flagactor: credentials rejected")

// ErrClientFailed is what a Fetcher wraps when its own client failed before
// the server answered at all (HTTPFetcher: a dial, TLS or proxy failure).
// Like ErrCredentialRejected, such a failure belongs to the lease whose
// Fetcher made it, not to the host (see Lease.Enabled).
var ErrClientFailed = errors.New("flagactor: the lease's client failed before any answer")
