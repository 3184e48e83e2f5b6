package flagserver

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
)

const version = "1.2.3"

// response is what a test request got back.
type response struct {
	status int
	header http.Header
	body   []byte
}

// get asks url with client and reads the whole body.
func get(ctx context.Context, client *http.Client, url string) (response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return response{}, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: body}, err
}

func mustGet(t *testing.T, client *http.Client, url string) response {
	t.Helper()
	resp, err := get(t.Context(), client, url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return resp
}

func flagURL(host string) string { return "https://" + host + FlagPath + version }

// start runs a server for the test and closes it at the end.
func start(t *testing.T, cfg Config) *Server {
	t.Helper()
	s := New(cfg)
	t.Cleanup(s.Close)
	return s
}

// eventually polls cond until it holds or a generous deadline passes: for
// handlers that return on their own goroutine after the client has left.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// arrivals returns an OnRequest hook and the channel it reports hosts on.
func arrivals() (func(string), chan string) {
	ch := make(chan string, 100)
	return func(host string) { ch <- host }, ch
}

func TestServesFlagsAsJSON(t *testing.T) {
	s := start(t, Config{Flags: map[string]string{"b": "false", "a": "true"}, TTL: 90 * time.Second})

	resp := mustGet(t, s.Client(), flagURL(s.Host()))

	if resp.status != http.StatusOK {
		t.Fatalf("status = %d, want 200", resp.status)
	}
	if got := resp.header.Get("Content-Type"); got != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", got)
	}
	want := `{"flags":[{"name":"a","value":"true"},{"name":"b","value":"false"}],"ttl_seconds":90}`
	if string(resp.body) != want {
		t.Errorf("body = %s, want %s", resp.body, want)
	}
	if got := s.Requests(); got != 1 {
		t.Errorf("Requests() = %d, want 1", got)
	}
}

func TestServesNoFlagsAsEmptyList(t *testing.T) {
	s := start(t, Config{})

	resp := mustGet(t, s.Client(), flagURL(s.Host()))

	if want := `{"flags":[],"ttl_seconds":0}`; string(resp.body) != want {
		t.Errorf("body = %s, want %s", resp.body, want)
	}
}

func TestOtherPathsAreNotFound(t *testing.T) {
	s := start(t, Config{Flags: map[string]string{"a": "true"}})
	for _, path := range []string{
		"/",
		FlagPath,
		FlagPath + version + "/more",
		"/api/2.0/connector-service/feature-flags/PYTHON/" + version,
	} {
		t.Run(path, func(t *testing.T) {
			resp := mustGet(t, s.Client(), "https://"+s.Host()+path)
			if resp.status != http.StatusNotFound {
				t.Errorf("status = %d, want 404", resp.status)
			}
		})
	}
	if got := s.Requests(); got != 0 {
		t.Errorf("Requests() = %d, want 0: only the flag path counts", got)
	}
}

func TestOtherMethodsAreNotAllowed(t *testing.T) {
	s := start(t, Config{})

	resp, err := s.Client().Post(flagURL(s.Host()), "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("status = %d, want 405", resp.StatusCode)
	}
}

func TestSettersChangeTheAnswer(t *testing.T) {
	s := start(t, Config{Flags: map[string]string{"a": "true"}, TTL: time.Minute})

	s.SetFlag("a", "false")
	s.SetFlag("b", "true")
	s.SetTTL(time.Hour)
	resp := mustGet(t, s.Client(), flagURL(s.Host()))

	want := `{"flags":[{"name":"a","value":"false"},{"name":"b","value":"true"}],"ttl_seconds":3600}`
	if string(resp.body) != want {
		t.Errorf("body = %s, want %s", resp.body, want)
	}

	s.SetFlags(map[string]string{"c": "x"})
	resp = mustGet(t, s.Client(), flagURL(s.Host()))

	if want := `{"flags":[{"name":"c","value":"x"}],"ttl_seconds":3600}`; string(resp.body) != want {
		t.Errorf("after SetFlags, body = %s, want %s", resp.body, want)
	}
}

func TestModeAnswersItsStatus(t *testing.T) {
	s := start(t, Config{Flags: map[string]string{"a": "true"}})
	for _, tc := range []struct {
		name           string
		mode           Mode
		wantStatus     int
		wantRetryAfter string
	}{
		{"outage", Mode{Status: 500}, 500, ""},
		{"rate limit", Mode{Status: 429, RetryAfter: time.Minute}, 429, "60"},
		{"unavailable rounds up", Mode{Status: 503, RetryAfter: 1500 * time.Millisecond}, 503, "2"},
		{"ok serves flags", Mode{}, 200, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s.SetMode(tc.mode)

			resp := mustGet(t, s.Client(), flagURL(s.Host()))

			if resp.status != tc.wantStatus {
				t.Errorf("status = %d, want %d", resp.status, tc.wantStatus)
			}
			if got := resp.header.Get("Retry-After"); got != tc.wantRetryAfter {
				t.Errorf("Retry-After = %q, want %q", got, tc.wantRetryAfter)
			}
		})
	}
}

func TestLatencyDelaysTheAnswer(t *testing.T) {
	s := start(t, Config{Latency: Latency{Min: 30 * time.Millisecond, Max: 60 * time.Millisecond}})

	began := time.Now()
	mustGet(t, s.Client(), flagURL(s.Host()))

	if took := time.Since(began); took < 30*time.Millisecond {
		t.Errorf("answer took %v, want at least the 30ms minimum latency", took)
	}
}

func TestLatencyEndsWhenTheRequestContextEnds(t *testing.T) {
	onRequest, arrived := arrivals()
	s := start(t, Config{Latency: Latency{Min: time.Hour}, OnRequest: onRequest})
	ctx, cancel := context.WithCancel(t.Context())
	errc := make(chan error, 1)

	go func() {
		_, err := get(ctx, s.Client(), flagURL(s.Host()))
		errc <- err
	}()
	<-arrived
	cancel()

	if err := <-errc; err == nil {
		t.Fatal("request cancelled during the latency succeeded")
	}
	eventually(t, "the handler to return", func() bool { return s.PerHost()[s.Host()].InFlight == 0 })
}

func TestCloseEndsLatency(t *testing.T) {
	onRequest, arrived := arrivals()
	s := New(Config{Latency: Latency{Min: time.Hour}, OnRequest: onRequest})
	errc := make(chan error, 1)

	go func() {
		_, err := get(context.Background(), s.Client(), flagURL(s.Host()))
		errc <- err
	}()
	<-arrived
	s.Close()
	s.Close() // idempotent

	if err := <-errc; err == nil {
		t.Fatal("request held when the server closed succeeded")
	}
}

func TestForcedFaults(t *testing.T) {
	for _, tc := range []struct {
		name   string
		faults Faults
		check  func(t *testing.T, resp response, err error)
		counts FaultCounts
	}{
		{
			name:   "500",
			faults: Faults{Error500: 1},
			check:  wantStatus(500, ""),
			counts: FaultCounts{Error500: 1},
		},
		{
			name:   "429 with Retry-After",
			faults: Faults{TooMany: 1, RetryAfter: 7 * time.Second},
			check:  wantStatus(429, "7"),
			counts: FaultCounts{TooMany: 1},
		},
		{
			name:   "429 default Retry-After",
			faults: Faults{TooMany: 1},
			check:  wantStatus(429, "1"),
			counts: FaultCounts{TooMany: 1},
		},
		{
			name:   "reset",
			faults: Faults{Reset: 1},
			check: func(t *testing.T, resp response, err error) {
				if err == nil {
					t.Errorf("reset connection read fine: status %d, body %q", resp.status, resp.body)
				}
			},
			counts: FaultCounts{Reset: 1},
		},
		{
			name:   "garbage",
			faults: Faults{Garbage: 1},
			check: func(t *testing.T, resp response, err error) {
				if err != nil {
					t.Fatal(err)
				}
				if resp.status != 200 || json.Valid(resp.body) {
					t.Errorf("got status %d, body %q; want 200 and not JSON", resp.status, resp.body)
				}
			},
			counts: FaultCounts{Garbage: 1},
		},
		{
			name:   "oversized",
			faults: Faults{Oversized: 1},
			check: func(t *testing.T, resp response, err error) {
				if err != nil {
					t.Fatal(err)
				}
				if len(resp.body) != OversizedBodyLen || len(resp.body) <= 1<<20 {
					t.Errorf("body is %d bytes, want %d (over 1 MiB)", len(resp.body), OversizedBodyLen)
				}
				if !bytes.HasPrefix(resp.body, []byte(`{"flags":[{"name":"a","value":"true"}]`)) || !json.Valid(resp.body) {
					t.Errorf("body %.60q... is not the flags as valid JSON", resp.body)
				}
			},
			counts: FaultCounts{Oversized: 1},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := start(t, Config{Flags: map[string]string{"a": "true"}, Faults: tc.faults})

			resp, err := get(t.Context(), s.Client(), flagURL(s.Host()))

			tc.check(t, resp, err)
			if got := s.FaultCounts(); got != tc.counts {
				t.Errorf("FaultCounts() = %+v, want %+v", got, tc.counts)
			}
			if s.ServedBool(s.Host(), "a", true) {
				t.Error("a fault was recorded as served flags")
			}
		})
	}
}

func wantStatus(status int, retryAfter string) func(*testing.T, response, error) {
	return func(t *testing.T, resp response, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		if resp.status != status {
			t.Errorf("status = %d, want %d", resp.status, status)
		}
		if got := resp.header.Get("Retry-After"); got != retryAfter {
			t.Errorf("Retry-After = %q, want %q", got, retryAfter)
		}
	}
}

func TestDripIsSlowButValid(t *testing.T) {
	const lasts = 200 * time.Millisecond
	s := start(t, Config{
		Flags:  map[string]string{"a": "true"},
		Faults: Faults{Drip: 1, DripLasts: lasts, DripEvery: 20 * time.Millisecond},
	})

	began := time.Now()
	resp := mustGet(t, s.Client(), flagURL(s.Host()))

	if took := time.Since(began); took < lasts {
		t.Errorf("drip took %v, want at least %v", took, lasts)
	}
	if want := `{"flags":[{"name":"a","value":"true"}],"ttl_seconds":0}`; string(bytes.TrimSpace(resp.body)) != want {
		t.Errorf("body = %q, want %s after whitespace", resp.body, want)
	}
	if got := s.FaultCounts(); got != (FaultCounts{Drip: 1}) {
		t.Errorf("FaultCounts() = %+v, want one drip", got)
	}
}

func TestDripStopsWhenTheClientGivesUp(t *testing.T) {
	s := start(t, Config{Faults: Faults{Drip: 1, DripLasts: time.Hour, DripEvery: 10 * time.Millisecond}})
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()

	if _, err := get(ctx, s.Client(), flagURL(s.Host())); err == nil {
		t.Fatal("an hour-long drip finished within 50ms")
	}
	eventually(t, "the drip to stop", func() bool { return s.PerHost()[s.Host()].InFlight == 0 })
}

func TestCloseEndsADrip(t *testing.T) {
	onRequest, arrived := arrivals()
	s := New(Config{Faults: Faults{Drip: 1, DripLasts: time.Hour}, OnRequest: onRequest})
	errc := make(chan error, 1)

	go func() {
		_, err := get(context.Background(), s.Client(), flagURL(s.Host()))
		errc <- err
	}()
	<-arrived
	s.Close()

	if err := <-errc; err == nil {
		t.Fatal("a drip cut by Close read as a whole body")
	}
}

func TestPickLaysProbabilitiesEndToEnd(t *testing.T) {
	f := Faults{Error500: 0.1, TooMany: 0.1, Reset: 0.1, Garbage: 0.1, Oversized: 0.1, Drip: 0.1}
	for _, tc := range []struct {
		u    float64
		want fault
	}{
		{0, fault500}, {0.15, fault429}, {0.25, faultReset}, {0.35, faultGarbage},
		{0.45, faultOversized}, {0.55, faultDrip}, {0.65, faultNone}, {0.99, faultNone},
	} {
		if got := f.pick(tc.u); got != tc.want {
			t.Errorf("pick(%v) = %d, want %d", tc.u, got, tc.want)
		}
	}
	if got := (Faults{}).pick(0); got != faultNone {
		t.Errorf("no faults: pick(0) = %d, want none", got)
	}
}

func TestCountsRequestsPerHostHeader(t *testing.T) {
	s := start(t, Config{Flags: map[string]string{"a": "true"}})
	client := s.ClientForAnyHost()

	for _, host := range []string{"a.example", "a.example", "b.example:8443", "host-17.databricks.test"} {
		mustGet(t, client, flagURL(host))
	}

	got := s.PerHost()
	for host, want := range map[string]int64{"a.example": 2, "b.example:8443": 1, "host-17.databricks.test": 1} {
		if got[host].Requests != want {
			t.Errorf("PerHost()[%q].Requests = %d, want %d", host, got[host].Requests, want)
		}
	}
	if len(got) != 3 {
		t.Errorf("PerHost() has %d hosts, want 3: %v", len(got), got)
	}
	if s.Requests() != 4 {
		t.Errorf("Requests() = %d, want 4", s.Requests())
	}
}

func TestTracksMostRequestsInFlightPerHost(t *testing.T) {
	onRequest, arrived := arrivals()
	s := start(t, Config{Latency: Latency{Min: time.Hour}, OnRequest: onRequest})
	client := s.ClientForAnyHost()
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	hosts := []string{"a.example", "a.example", "a.example", "b.example"}

	for _, host := range hosts {
		wg.Go(func() { get(ctx, client, flagURL(host)) })
	}
	for range hosts {
		<-arrived
	}
	during := s.PerHost()
	cancel()
	wg.Wait()
	eventually(t, "every handler to return", func() bool { return s.PerHost()["a.example"].InFlight == 0 })

	if got := during["a.example"]; got.InFlight != 3 || got.MaxInFlight != 3 {
		t.Errorf("a.example during = %+v, want 3 in flight", got)
	}
	if got := s.PerHost()["a.example"].MaxInFlight; got != 3 {
		t.Errorf("a.example MaxInFlight after = %d, want 3", got)
	}
	if got := s.PerHost()["b.example"].MaxInFlight; got != 1 {
		t.Errorf("b.example MaxInFlight = %d, want 1", got)
	}
	if got := s.MaxInFlight(); got != 3 {
		t.Errorf("MaxInFlight() = %d, want 3", got)
	}
}

func TestPerSecondUsesTheServersClock(t *testing.T) {
	mock := clock.NewMock()
	s := start(t, Config{Clock: mock})
	ask := func(n int) {
		for range n {
			mustGet(t, s.Client(), flagURL(s.Host()))
		}
	}

	ask(2)
	mock.Add(1500 * time.Millisecond)
	ask(1)
	mock.Add(2 * time.Second)
	ask(3)

	want := []SecondCount{
		{Unix: mock.Now().Unix() - 3, Requests: 2},
		{Unix: mock.Now().Unix() - 2, Requests: 1},
		{Unix: mock.Now().Unix(), Requests: 3},
	}
	if got := s.PerSecond(); !slices.Equal(got, want) {
		t.Errorf("PerSecond() = %v, want %v", got, want)
	}
}

func TestRecordsWhatItServedPerHost(t *testing.T) {
	s := start(t, Config{Flags: map[string]string{"on": "true"}})
	client := s.ClientForAnyHost()

	mustGet(t, client, flagURL("a.example"))
	s.SetFlag("on", "FALSE")
	mustGet(t, client, flagURL("a.example"))
	mustGet(t, client, flagURL("b.example"))

	for _, tc := range []struct {
		host, flag string
		value      bool
		want       bool
	}{
		{"a.example", "on", true, true},
		{"a.example", "on", false, true},
		{"b.example", "on", true, false},
		{"b.example", "on", false, true},
		{"b.example", "absent", false, true},
		{"b.example", "absent", true, false},
		{"never.example", "on", false, false},
	} {
		if got := s.ServedBool(tc.host, tc.flag, tc.value); got != tc.want {
			t.Errorf("ServedBool(%q, %q, %v) = %v, want %v", tc.host, tc.flag, tc.value, got, tc.want)
		}
	}
	if got, want := s.ServedValues("a.example", "on"), []string{"FALSE", "true"}; !slices.Equal(got, want) {
		t.Errorf("ServedValues(a.example) = %q, want %q", got, want)
	}
}
