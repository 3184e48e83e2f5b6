package flagactor_test

import (
	"errors"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/flagactor/flagactor/telemetry/flagactor"
)

// FuzzNormalizeHost checks what NormalizeHost promises for any input: no
// panic, an error that is ErrInvalidHost and never repeats user info, and an
// accepted host that is a fixed point and a well-formed name[:port].
// More seeds live in testdata/fuzz/FuzzNormalizeHost.
func FuzzNormalizeHost(f *testing.F) {
	for _, seed := range []string{
		"", " ", "host", "https://Host/", "http://h:8443/", "HOST.example.com.:443",
		"host:0443", "host:08080", "host:65535", "host:65536", "host:0", "host:",
		"[::1]:443", "[0:0::1]:8080", "[::ffff:10.0.0.1]", "[fe80::1%25eth0]", "::1", "[::1",
		"user:pw@host", "host/path", "host?q", "host#f", "%41host", "a b",
		"host\r\n", "ho\r\nst", "host\x00", "-bad.com", "a..b", "host.", "host..",
		strings.Repeat("a", 63) + ".com", strings.Repeat("a", 64) + ".com",
		strings.Repeat("a.", 126) + "a", strings.Repeat("a.", 126) + "ab",
		"https://https://host", "https://http:8080", "\u00a0host\u2028",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got, err := flagactor.NormalizeHost(raw)
		if err != nil {
			if !errors.Is(err, flagactor.ErrInvalidHost) {
				t.Fatalf("NormalizeHost(%q) error %v is not ErrInvalidHost", raw, err)
			}
			if got != "" {
				t.Fatalf("NormalizeHost(%q) = %q with error %v", raw, got, err)
			}
			if strings.Contains(raw, "@") && strings.Contains(err.Error(), "@") {
				t.Fatalf("NormalizeHost(%q) error %q repeats the user info", raw, err)
			}
			return
		}
		again, err := flagactor.NormalizeHost(got)
		if err != nil || again != got {
			t.Fatalf("NormalizeHost(%q) = %q, but NormalizeHost(%q) = %q, %v: not a fixed point", raw, got, got, again, err)
		}
		if reason := malformedHost(got); reason != "" {
			t.Fatalf("NormalizeHost(%q) = %q: %s", raw, got, reason)
		}
	})
}

// malformedHost returns why an accepted host is not a normalized
// name[:port], or "".
func malformedHost(h string) string {
	if i := strings.IndexAny(h, "/?#@%\\"); i >= 0 {
		return "has " + strconv.QuoteRune(rune(h[i]))
	}
	for _, r := range h {
		switch {
		case unicode.IsSpace(r):
			return "has space"
		case unicode.IsControl(r):
			return "has a control character"
		case unicode.IsUpper(r):
			return "has upper case"
		}
	}
	name, port, bracketed := h, "", strings.HasPrefix(h, "[")
	if bracketed {
		// An IPv6 literal: the label rules do not apply.
		end := strings.IndexByte(h, ']')
		if end < 0 {
			return "unclosed '['"
		}
		addr, err := netip.ParseAddr(h[1:end])
		if err != nil || !addr.Is6() || addr.String() != h[1:end] {
			return "not a canonical IPv6 address in brackets"
		}
		if rest := h[end+1:]; rest != "" {
			p, ok := strings.CutPrefix(rest, ":")
			if !ok {
				return "text after ']'"
			}
			port = p
		}
	} else {
		if n, p, ok := strings.Cut(h, ":"); ok {
			name, port = n, p
		}
		if len(name) > 253 {
			return "name longer than 253"
		}
		for label := range strings.SplitSeq(name, ".") {
			if label == "" {
				return "empty label"
			}
			if len(label) > 63 {
				return "label longer than 63"
			}
		}
	}
	if port == "" && strings.HasSuffix(h, ":") {
		return "empty port"
	}
	if port != "" {
		n, err := strconv.Atoi(port)
		switch {
		case err != nil || n < 1 || n > 65535:
			return "port " + strconv.Quote(port) + " is not 1-65535"
		case strconv.Itoa(n) != port:
			return "port " + strconv.Quote(port) + " is not canonical"
		case n == 443:
			return "default port kept"
		}
	}
	return ""
}
