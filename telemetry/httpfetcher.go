package telemetry

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/flagactor/flagactor/telemetry/messages"
)

// maxDrainBytes bounds how much of an unread body is read away before it is
// closed. Reading a short rest to the end lets the transport reuse the
// connection; a long one costs more than a new connection does.
const maxDrainBytes = 64 << 10

// drainWait bounds how long the rest of a body is waited for. A well-behaved
// server has sent it with the headers; one that holds the body open (a stuck
// proxy behind a 429) must not hold the fetch, nor make the actor record a
// timeout in place of the server's status and Retry-After.
const drainWait = 100 * time.Millisecond

// HTTPFetcher asks GET https://{host}/api/2.0/connector-service/feature-flags/GOLANG/{DriverVersion}.
// It implements the flag actor's Fetcher: one request per Fetch, no retries
// (the actor decides when to ask again). Its fields are read by every Fetch
// and must not change once it is in use.
type HTTPFetcher struct {
	Client        *http.Client // the driver's authenticated client; nil = http.DefaultClient
	DriverVersion string       // the last path segment; not empty, "." or ".."
	UserAgent     string       // sent as User-Agent when set
}

// timeNow tells the time, to turn a Retry-After date into a wait. Tests set
// it; HTTPFetcher keeps exactly the contract's three fields, so a driver's
// unkeyed literal compiles.
var timeNow = time.Now

// Fetch asks host's feature-flag service for every flag of DriverVersion.
// host is name[:port], as the flag actor normalizes it; the scheme is always
// https, and a redirect that leaves https or host (its name or its port) is
// refused with an error matching ErrRedirectRefused. A host holding a path,
// query, fragment, user info, white space or a control character is
// ErrBadRequestHost, and no request is made.
//
// A status other than 200 is a *StatusError, whose RetryAfter carries the
// Retry-After of a 429 or 503; it is known from the status line, so Fetch
// waits for the body of such an answer at most drainWait (100ms). A body
// over 1 MiB is ErrResponseTooLarge; a body that is not the feature-flag
// JSON is ErrMalformedResponse. An answer without flags ({} or "flags":null)
// is a good answer, every flag off. One flag of an unexpected type (a
// number, null, an object) is left out and the others kept, and a
// ttl_seconds that is not a number is read as absent; each such part is a
// Debug record on slog.Default(), naming the host and what was wrong.
//
// No error repeats what may hold a secret: not a refused host (the DSN form
// token:<pat>@host), not the request's headers, not a redirect's Location
// beyond its scheme and host; of what the server sent, only the status code
// and the JSON decoder's complaint about a single character (a server may
// echo the credentials back).
func (f *HTTPFetcher) Fetch(ctx context.Context, host string) (messages.Flags, error) {
	target, err := flagsURL(host, f.DriverVersion)
	if err != nil {
		return messages.Flags{}, err
	}
	// Cancelling the request's own context is how drainAndClose gives up on
	// a body that does not come.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return messages.Flags{}, fmt.Errorf("telemetry: feature flags: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	if f.UserAgent != "" {
		req.Header.Set("User-Agent", f.UserAgent)
	}

	resp, err := f.client().Do(req)
	if err != nil {
		return messages.Flags{}, requestError(req.Method, target, err)
	}
	defer drainAndClose(resp, cancel)

	if resp.StatusCode != http.StatusOK {
		return messages.Flags{}, newStatusError(resp, timeNow())
	}
	flags, skipped, err := parseResponse(resp.Body)
	logSkipped(ctx, host, skipped)
	return flags, err
}

// client returns a shallow copy of the configured client whose redirect
// policy also refuses to leave https or the request's host and port, and
// that has no cookie jar: the flag request sends no cookie of the driver's
// session, and the flag endpoint's cookies do not land in it. The copy
// shares the Transport, so its connection pool, with the driver's client.
func (f *HTTPFetcher) client() *http.Client {
	base := f.Client
	if base == nil {
		base = http.DefaultClient
	}
	guarded := *base
	guarded.CheckRedirect = sameHostOnly(base.CheckRedirect)
	guarded.Jar = nil
	return &guarded
}

// drainAndClose reads away what is left of resp's body, when that is at most
// maxDrainBytes and comes within drainWait, then closes it. Past drainWait,
// cancel (the request's context) ends the read and the connection with it.
func drainAndClose(resp *http.Response, cancel context.CancelFunc) {
	if resp.ContentLength <= maxDrainBytes {
		giveUp := time.AfterFunc(drainWait, cancel)
		_, _ = io.CopyN(io.Discard, resp.Body, maxDrainBytes)
		giveUp.Stop()
	}
	_ = resp.Body.Close()
}
