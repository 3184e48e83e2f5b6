package telemetry

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/flagactor/flagactor/telemetry/messages"
)

// maxDrainBytes bounds how much of an unread body is read away before it is
// closed. Reading a short rest to the end lets the transport reuse the
// connection; a long one costs more than a new connection does.
const maxDrainBytes = 64 << 10

// drainWait bounds how long the rest of a body is waited for, once Fetch
// has what it needs from it (a status, or a complete JSON object). A
// well-behaved server has sent it by then; one that holds the body open (a
// stuck proxy) must not hold the fetch, nor make the actor record a timeout
// in place of the server's answer.
const drainWait = 100 * time.Millisecond

// HTTPFetcher asks GET https://{host}/api/2.0/connector-service/feature-flags/GOLANG/{DriverVersion}.
// It implements the flag actor's Fetcher: one request per Fetch, no retries
// (the actor decides when to ask again). Its fields are read by every Fetch
// and must not change once it is in use. It always speaks https and makes
// no log record; a telemetry.Gate lends each connection a fetcher of its
// own, which asks over plain http a host written with an explicit http://,
// and logs to the Gate's logger.
type HTTPFetcher struct {
	Client        *http.Client // the driver's authenticated client; nil = http.DefaultClient
	DriverVersion string       // the last path segment; not empty, "." or ".."
	UserAgent     string       // sent as User-Agent when set
}

// timeNow tells the time, to turn a Retry-After date into a wait. Tests set
// it; HTTPFetcher keeps exactly the contract's three fields, so a driver's
// unkeyed literal compiles.
var timeNow = time.Now

// fetchOptions is what a connection's fetcher adds to an HTTPFetcher.
type fetchOptions struct {
	scheme string       // "https", or "http" for a host written with http://
	logger *slog.Logger // gets the records of skipped parts; nil for none
}

// Fetch asks host's feature-flag service for every flag of DriverVersion.
// host is name[:port], as the flag actor normalizes it; the scheme is https.
// A redirect that changes the scheme, the host (its name or its port), or
// that would be the eleventh, is refused with an error matching
// ErrRedirectRefused, whatever the client's CheckRedirect says; the
// client's policy is asked only about the redirects left. A host holding a
// path, query, fragment, user info, white space or a control character is
// ErrBadRequestHost, and no request is made.
//
// A status other than 200 is a *StatusError, whose RetryAfter carries the
// Retry-After of a 429 or 503; it is known from the status line, so Fetch
// waits for the body of such an answer at most drainWait (100ms). The JSON
// object of a 200 is the answer once it is complete: a body that stays open
// and silent for drainWait after it is taken as ended. White space is all
// the rest may hold, as far as it arrives. A body over 1 MiB is
// ErrResponseTooLarge; a body that is not the feature-flag JSON is
// ErrMalformedResponse. An answer
// without flags ({} or "flags":null) is a good answer, every flag off. One
// flag of an unexpected type (a number, null, an object) is left out and
// the others kept, and a ttl_seconds that is not a number is read as
// absent; Fetch logs nothing about them.
//
// A request that got no answer is an error naming the request and the kind
// of failure (dial, TLS, proxy, a closed connection, a malformed answer),
// and matching context.Canceled or context.DeadlineExceeded when that is
// why. When the connection's own client failed before the server answered
// at all (it could not dial, complete TLS, get through its proxy, or send
// the request), the error matches flagactor.ErrClientFailed, as does a 407
// from its proxy; a deadline or cancellation never does.
//
// No error repeats what the server sent or the client added, and none
// keeps net/http's error as a cause: not a refused host (the DSN form
// token:<pat>@host), not the request's headers, no part of a redirect's
// Location, no reason phrase, no byte of the body. Of the server's answer
// an error names only the status code.
func (f *HTTPFetcher) Fetch(ctx context.Context, host string) (messages.Flags, error) {
	return f.fetch(ctx, host, fetchOptions{scheme: "https"})
}

func (f *HTTPFetcher) fetch(ctx context.Context, host string, opts fetchOptions) (messages.Flags, error) {
	target, err := flagsURL(opts.scheme, host, f.DriverVersion)
	if err != nil {
		return messages.Flags{}, err
	}
	// Cancelling the request's own context is how Fetch gives up on a body
	// that does not end.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var seen requestTrace
	req, err := http.NewRequestWithContext(seen.with(ctx), http.MethodGet, target, nil)
	if err != nil {
		return messages.Flags{}, requestError(ctx, target, err, &seen)
	}
	req.Header.Set("Accept", "application/json")
	if f.UserAgent != "" {
		req.Header.Set("User-Agent", f.UserAgent)
	}

	resp, err := f.client(&seen).Do(req)
	if err != nil {
		return messages.Flags{}, requestError(ctx, target, err, &seen)
	}
	defer drainAndClose(resp, cancel)

	if resp.StatusCode != http.StatusOK {
		return messages.Flags{}, newStatusError(resp, timeNow())
	}
	flags, skipped, err := readResponse(resp.Body, func(rest io.Reader) error {
		return checkRestFor(drainWait, rest, cancel)
	})
	logSkipped(ctx, opts.logger, host, skipped)
	return flags, err
}

// checkRestFor is checkRest that waits at most wait for more of the body: a
// body still open and silent that long is taken as ended, and its
// connection closed by cancel. The object before it is complete, and only
// the server knows why it does not end the body. A rest that keeps coming
// is read on, up to the body's limit, so that what arrives is checked.
func checkRestFor(wait time.Duration, rest io.Reader, cancel context.CancelFunc) error {
	var heldOpen atomic.Bool
	giveUp := time.AfterFunc(wait, func() {
		heldOpen.Store(true)
		cancel()
	})
	err := checkRest(readerFunc(func(p []byte) (int, error) {
		n, err := rest.Read(p)
		if n > 0 {
			giveUp.Reset(wait)
		}
		return n, err
	}))
	giveUp.Stop()
	if heldOpen.Load() && err != errDataAfterObject {
		return nil
	}
	return err
}

// readerFunc is an io.Reader made of a function.
type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

// client returns a shallow copy of the configured client whose redirect
// policy also refuses more than maxRedirects or a change of scheme, host or
// port, and that has no cookie jar: the flag request sends no cookie of the
// driver's session, and the flag endpoint's cookies do not land in it. The
// copy shares the Transport, so its connection pool, with the driver's
// client.
func (f *HTTPFetcher) client(seen *requestTrace) *http.Client {
	base := f.Client
	if base == nil {
		base = http.DefaultClient
	}
	guarded := *base
	guarded.CheckRedirect = redirectPolicy(base.CheckRedirect, seen)
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
