package flagactor_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flagactor/flagactor/telemetry/flagactor"
)

func TestNormalizeHostAccepts(t *testing.T) {
	label63 := strings.Repeat("a", 63)
	name253 := strings.Join([]string{label63, label63, label63, strings.Repeat("b", 61)}, ".")
	tests := []struct {
		name, raw, want string
	}{
		{"plain name", "host", "host"},
		{"scheme, upper case and trailing slash", "https://Host/", "host"},
		{"upper case scheme", "HTTPS://HOST.Example.COM", "host.example.com"},
		{"http scheme keeps its port", "http://h:8443/", "h:8443"},
		{"trailing dot and default port", "HOST.example.com.:443", "host.example.com"},
		{"default port with a leading zero", "host:0443", "host"},
		{"leading zero on another port", "host:08080", "host:8080"},
		{"surrounding space", " \thost.example.com  ", "host.example.com"},
		// The contract trims space before anything else, and CR and LF are
		// space: a trailing newline read from a file names the same host.
		// Inside the name they are rejected (see the invalid cases).
		{"trailing CRLF is trimmed as space", "host\r\n", "host"},
		{"lowest port", "host:1", "host:1"},
		{"highest port", "host:65535", "host:65535"},
		{"IPv4 with port", "10.0.0.1:8080", "10.0.0.1:8080"},
		{"IPv6 default port dropped", "[::1]:443", "[::1]"},
		{"IPv6 canonical form", "[0:0::1]:8080", "[::1]:8080"},
		{"IPv6 upper case", "https://[FE80::AB]/", "[fe80::ab]"},
		{"63-character label", label63 + ".com", label63 + ".com"},
		{"253-character name", name253, name253},
		{"253-character name with a trailing dot", name253 + ".", name253},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := flagactor.NormalizeHost(tt.raw)
			require.NoError(t, err, "NormalizeHost(%q)", tt.raw)
			require.Equal(t, tt.want, got, "NormalizeHost(%q)", tt.raw)
			again, err := flagactor.NormalizeHost(got)
			require.NoError(t, err, "NormalizeHost(%q) of its own output", got)
			require.Equal(t, got, again, "output is not a fixed point")
		})
	}
}

func TestNormalizeHostRejects(t *testing.T) {
	tests := []struct {
		name, raw string
	}{
		{"empty", ""},
		{"only space", "  "},
		{"only a scheme", "https://"},
		{"path", "host/path"},
		{"path after scheme", "https://host/api/2.0"},
		{"query", "host?q"},
		{"fragment", "host#frag"},
		{"user info", "user:pw@host"},
		{"inner space", "a b"},
		{"port 0", "host:0"},
		{"port above 65535", "host:65536"},
		{"empty port", "host:"},
		{"signed port", "host:+80"},
		{"port not a number", "host:https"},
		{"two ports", "host:80:81"},
		{"IPv6 without brackets", "::1"},
		{"IPv6 unclosed bracket", "[::1"},
		{"IPv6 with zone", "[fe80::1%25eth0]"},
		{"IPv4 in brackets", "[10.0.0.1]"},
		{"text after IPv6 bracket", "[::1]x"},
		{"label starts with hyphen", "-bad.com"},
		{"label ends with hyphen", "bad-.com"},
		{"empty label", "a..b"},
		{"leading dot", ".host"},
		{"two trailing dots", "host.."},
		{"64-character label", strings.Repeat("a", 64) + ".com"},
		{"254-character name", strings.Repeat("a.", 126) + "ab"},
		{"percent-encoding", "%41host"},
		{"CRLF inside", "host\r\nX-Injected: 1"},
		{"LF inside", "ho\nst"},
		{"NUL", "host\x00"},
		{"DEL", "host\x7f"},
		{"tab inside", "ho\tst"},
		{"backslash", `host\evil`},
		{"non-ASCII", "hÖst.example.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := flagactor.NormalizeHost(tt.raw)
			require.ErrorIs(t, err, flagactor.ErrInvalidHost, "NormalizeHost(%q) = %q", tt.raw, got)
			require.Empty(t, got, "NormalizeHost(%q) returned a host with its error", tt.raw)
		})
	}
}

// hostileHosts are invalid hosts with a secret where a user puts one: user
// info, a query, a path, a DSN-style parameter, percent-encoded user info,
// a fragment.
var hostileHosts = []string{
	"user:pw-SECRET@host",
	"https://admin:SECRET-t0ken@workspace.example.com/",
	"  token:dapi-SECRET@host:443 ",
	"https://adb-1234567890.12.azuredatabricks.net/?access_token=dapi-SECRET",
	"host.example.com/sql/1.0/warehouses/abc?access_token=dapi-SECRET",
	"host.example.com;PWD=dapi-SECRET",
	"token%3Adapi-SECRET%40host.example.com",
	"host.example.com#dapi-SECRET",
	"host.example.com:dapi-SECRET",
	"dapi-SECRET host.example.com",
	"[dapi-SECRET]",
}

// An error about a host names the part that is wrong, never the input:
// a password, a token in a query or a DSN parameter would end up in logs.
func TestNormalizeHostErrorRepeatsNoInput(t *testing.T) {
	for _, raw := range hostileHosts {
		_, err := flagactor.NormalizeHost(raw)
		require.ErrorIs(t, err, flagactor.ErrInvalidHost, "NormalizeHost(%q)", raw)
		require.NotContains(t, err.Error(), "SECRET", "error for %q repeats the input", raw)
		reason, ok := strings.CutPrefix(err.Error(), flagactor.ErrInvalidHost.Error()+": ")
		require.True(t, ok, "error %q is not ErrInvalidHost and a reason", err)
		require.NotContains(t, reason, `"`, "error for %q quotes its input", raw)
	}
}

// Acquire and Invalidate report an invalid host with the same error.
func TestAcquireAndInvalidateRepeatNoInput(t *testing.T) {
	a, _ := newTestActor(t)
	for _, raw := range hostileHosts {
		_, err := a.Acquire(context.Background(), raw, answers("true").fetcher())
		require.ErrorIs(t, err, flagactor.ErrInvalidHost, "Acquire(%q)", raw)
		require.NotContains(t, err.Error(), "SECRET", "Acquire(%q)", raw)
		err = a.Invalidate(context.Background(), raw)
		require.ErrorIs(t, err, flagactor.ErrInvalidHost, "Invalidate(%q)", raw)
		require.NotContains(t, err.Error(), "SECRET", "Invalidate(%q)", raw)
	}
}

// Spellings of one host share one entry: one fetch serves them all.
func TestSpellingsOfOneHostShareAnEntry(t *testing.T) {
	a, _ := newTestActor(t)
	f := answers("true")
	spellings := []string{
		"https://Workspace.Example.com:443/",
		"workspace.example.com",
		"WORKSPACE.EXAMPLE.COM.",
		" http://workspace.example.com/ ",
	}
	var leases []*flagactor.Lease
	for _, s := range spellings {
		l := acquire(t, a, s, f)
		require.Equal(t, "workspace.example.com", l.Host(), "Host() of the lease for %q", s)
		leases = append(leases, l)
	}
	for i, l := range leases {
		requireOn(t, enabled(l), spellings[i])
	}
	st := stats(t, a)
	require.Equal(t, 1, st.Hosts, "host entries")
	require.Equal(t, len(spellings), st.Leases, "leases")
	require.Equal(t, uint64(1), st.Fetches, "fetches")
	require.Equal(t, 1, f.Calls(), "fetcher calls")
}

// A host already in normal form, with a port or without, is returned as
// given, without an allocation: a driver passes the same host each time.
func TestNormalizeHostOfNormalHostAllocatesNothing(t *testing.T) {
	for _, host := range []string{"host.example.com", "host.example.com:8443", "10.0.0.1:80"} {
		got, err := flagactor.NormalizeHost(host)
		require.NoError(t, err, host)
		require.Equal(t, host, got)
		allocs := testing.AllocsPerRun(100, func() { _, _ = flagactor.NormalizeHost(host) })
		require.Zero(t, allocs, "allocations normalizing %q", host)
	}
}

// BenchmarkNormalizeHost is the normalization every Acquire does: of a host
// already in normal form (what a driver passes each time), and of one
// written as a URL.
func BenchmarkNormalizeHost(b *testing.B) {
	for _, bm := range []struct{ name, raw string }{
		{"normal", "adb-1234567890123456.7.azuredatabricks.net"},
		{"url", "https://Host.Example.com:443/"},
	} {
		b.Run(bm.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := flagactor.NormalizeHost(bm.raw); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
