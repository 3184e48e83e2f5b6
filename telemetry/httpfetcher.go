package telemetry

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/flagactor/flagactor/telemetry/messages"
)

// maxDrainBytes bounds how much of an unread body is read away before it is
// closed. Reading a short rest to the end lets the transport reuse the
// connection; a long one costs more than a new connection does.
const maxDrainBytes = 64 << 10

// drainWait bounds how long the rest of a body is read, in all, once Fetch
// has what it needs from it (a status, or a complete JSON object). A
// well-behaved server has sent it by then; one that holds the body open or
// trickles it (a stuck proxy) must not hold the fetch, nor make the actor
// record a timeout in place of the server's answer.
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
	DriverVersion string       // the last path segment; not empty, "." or "..", no control character
	UserAgent     string       // sent as User-Agent when set
}

// timeNow tells the time, to turn a Retry-After date into a wait. Tests set
// it; HTTPFetcher keeps exactly the contract's three fields, so a driver's
// unkeyed literal compiles.
var timeNow = time.Now

// Fetch asks host's feature-flag service for every flag of DriverVersion.
// host is name[:port], as the flag actor normalizes it; the scheme is https.
// A redirect that changes the scheme, the host (its name or its port), or
// that would be the eleventh, is refused with an error saying why (and
// naming no part of the Location), whatever the client's CheckRedirect says; the
// client's policy is asked only about the redirects left, and what it
// returns is checked again (it may change the request). A host holding a
// path, query, fragment, user info, white space or a control character is
// an error matching flagactor.ErrInvalidHost, and no request is made.
//
// A status other than 200 is a *StatusError, whose RetryAfter carries the
// Retry-After of a 429 or 503; it is known from the status line, so Fetch
// waits for the body of such an answer at most drainWait (100ms). The JSON
// object of a 200 is the answer once it is complete: the rest of the body is
// read for at most drainWait in all, then taken as ended, however it
// trickles. White space is all the rest may hold, as far as it arrives. A
// body over 1 MiB, or that is not the feature-flag JSON, is
// ErrMalformedResponse. An answer without flags ({} or "flags":null) is a
// good answer, every flag off. One flag of an unexpected type (a number,
// null, an object) is left out and the others kept, and a ttl_seconds that
// is not a number is read as absent; Fetch logs nothing about them.
//
// A request that got no answer is an error naming the request, the kind of
// failure (dial, TLS, proxy, a closed connection, a malformed answer) and
// its cause in this package's words (connection refused, DNS name not
// found, certificate signed by an unknown authority, ...). errors.Is sees
// the cause, and context.Canceled or context.DeadlineExceeded when that is
// why. A failure before the flag request was sent on a connection of its
// own is the client's (it could not dial, complete TLS, get through its
// proxy, or send the request; its RoundTripper failed, whatever requests
// of its own, such as a token refresh, it made; the deadline passed
// meanwhile), and the error matches flagactor.ErrClientFailed, as does a
// 407 from its proxy; a cancellation never does. A fetch whose context has
// a deadline ends a little before it (a tenth of the time left, at most
// half a second), so that the flag actor gets this verdict before its own
// timeout.
//
// No error repeats what the server sent or the client added, nor the text
// of net/http's error, which it keeps for errors.Is only: not a refused
// host (the DSN form token:<pat>@host), not the request's headers, no part
// of a redirect's Location, no reason phrase, no byte of the body. Of the
// server's answer an error names only the status code.
func (f *HTTPFetcher) Fetch(ctx context.Context, host string) (messages.Flags, error) {
	return f.fetch(ctx, host, "https", nil)
}

// fetch is Fetch over scheme, logging skipped parts to logger (nil: none).
func (f *HTTPFetcher) fetch(ctx context.Context, host, scheme string, logger *slog.Logger) (messages.Flags, error) {
	target, err := flagsURL(scheme, host, f.DriverVersion)
	if err != nil {
		return messages.Flags{}, err
	}
	// Cancelling the request's own context is how Fetch gives up on a body
	// that does not end.
	ctx, cancel := endEarly(ctx)
	defer cancel()
	var seen requestTrace
	req, err := http.NewRequestWithContext(seen.with(ctx), http.MethodGet, target, nil)
	if err != nil {
		return messages.Flags{}, requestError(ctx, target, err, &seen)
	}
	first := *req.URL // a copy, which nothing the client does can move
	seen.target = &first
	req.Header.Set("Accept", "application/json")
	if f.UserAgent != "" {
		req.Header.Set("User-Agent", f.UserAgent)
	}

	resp, err := f.client(first).Do(req)
	if err != nil {
		return messages.Flags{}, requestError(ctx, target, err, &seen)
	}
	defer drainAndClose(resp, cancel)

	if resp.StatusCode != http.StatusOK {
		return messages.Flags{}, newStatusError(resp, timeNow())
	}
	flags, skipped, err := readResponse(resp.Body, cancel)
	logSkipped(ctx, logger, host, skipped)
	return flags, err
}

// endEarly returns ctx, cancellable, ending a little before ctx's deadline
// (a tenth of the time left, at most half a second) when that is ahead of the
// real clock. The flag actor's own timeout ends the fetch at that deadline
// and says only that it timed out; ended a little earlier, the fetch
// reports first what the transport had done by then, such as a proxy that
// never answered CONNECT, the client's own failure. A deadline on another
// clock (a test's mock) is left as it is.
func endEarly(ctx context.Context) (context.Context, context.CancelFunc) {
	deadline, ok := ctx.Deadline()
	if left := time.Until(deadline); ok && left > 0 {
		return context.WithDeadline(ctx, deadline.Add(-min(left/10, 500*time.Millisecond)))
	}
	return context.WithCancel(ctx)
}

// client returns a shallow copy of the configured client whose redirect
// policy also refuses more than maxRedirects or a change of scheme, host or
// port, and that has no cookie jar: the flag request sends no cookie of the
// driver's session, and the flag endpoint's cookies do not land in it. The
// copy shares the Transport, so its connection pool, with the driver's
// client.
func (f *HTTPFetcher) client(first url.URL) *http.Client {
	base := f.Client
	if base == nil {
		base = http.DefaultClient
	}
	guarded := *base
	guarded.CheckRedirect = redirectPolicy(base.CheckRedirect, first)
	guarded.Jar = nil
	return &guarded
}

// drainAndClose reads away what is left of resp's body, up to maxDrainBytes
// and within drainWait, then closes it. Past drainWait, cancel (the
// request's context) ends the read and the connection with it. What the
// rest holds does not matter here.
func drainAndClose(resp *http.Response, cancel context.CancelFunc) {
	_ = readRest(io.LimitReader(resp.Body, maxDrainBytes), cancel)
	_ = resp.Body.Close()
}
