package messages

import "time"

// HostStatus is one host as the actor's loop sees it (Actor.Hosts): what an
// operator needs to tell a healthy host from a failing or idle one.
type HostStatus struct {
	Host      string            // the normalized host
	Namespace string            // with Host, what the entry is filed under (flagactor.Actor.AcquireIn); "" for Acquire's; the driver version in telemetry.Gate.Hosts
	Leases    int               // live leases on it
	Values    map[string]string // the last good flags; nil when none
	Fresh     bool              // Values is within its time-to-live
	FetchedAt time.Time         // when Values arrived; zero when none
	ExpiresAt time.Time         // when Values turns stale; zero when none
	Fetching  bool              // a fetch is in flight
	Failures  int               // consecutive failed fetches that backed the host off (not a lease alone)
	RetryAt   time.Time         // no fetch of the host before this; zero when not backing off
	LastError string            // the last failure's text; "" after a success
}
