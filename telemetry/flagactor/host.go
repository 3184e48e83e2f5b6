package flagactor

import (
	"cmp"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// Limits of a DNS name (RFC 1035).
const (
	maxNameLen  = 253
	maxLabelLen = 63
)

// NormalizeHost turns what a user typed into the key the actor files a host
// under: it trims space, lowers case, drops an http:// or https:// prefix, a
// trailing "/", a trailing "." and the default port 443, and writes IPv6
// literals in their canonical bracketed form. So "https://Host.example.com:443/"
// and "host.example.com" are one host. Anything that is not name[:port] after
// that (empty, a path, a query, user info, spaces, a bad port) is
// ErrInvalidHost; its text names the part that is wrong, never the input,
// which may hold a token. The result is a fixed point: normalizing it again
// returns it.
func NormalizeHost(raw string) (string, error) {
	if checkNormal(raw) == "" {
		return raw, nil // the common case: a driver passes the same host each time
	}
	h, reason := cleanHost(raw)
	if reason == "" && !strings.HasPrefix(h, "[") {
		reason = checkNormal(h) // what cleaning cannot mend
	}
	if reason != "" {
		return "", invalidHost(reason)
	}
	return h, nil
}

// cleanHost does what NormalizeHost mends: space, case, the scheme, the
// trailing "/" and ".", the port's form and IPv6's. It returns a reason for
// what no mending makes a host, and checks the name itself only in IPv6.
func cleanHost(raw string) (h, reason string) {
	h = strings.ToLower(strings.TrimSpace(raw))
	if rest, ok := strings.CutPrefix(h, "https://"); ok {
		h = rest
	} else if rest, ok := strings.CutPrefix(h, "http://"); ok {
		h = rest
	}
	h = strings.TrimSuffix(h, "/")
	if h == "" {
		return "", "empty"
	}
	for i := 0; i < len(h); i++ {
		if reason := forbiddenInHost(h[i]); reason != "" {
			return "", reason
		}
	}
	var name, port string
	hasPort := false
	if h[0] == '[' {
		end := strings.IndexByte(h, ']')
		if end < 0 {
			return "", "unclosed '['"
		}
		addr, err := netip.ParseAddr(h[1:end])
		if err != nil || !addr.Is6() || addr.Zone() != "" {
			return "", "not an IPv6 address in brackets"
		}
		name = "[" + addr.String() + "]"
		if rest := h[end+1:]; rest != "" {
			if rest[0] != ':' {
				return "", "text after ']'"
			}
			port, hasPort = rest[1:], true
		}
	} else {
		name, port, hasPort = strings.Cut(h, ":")
		if strings.Contains(port, ":") {
			return "", "IPv6 address without brackets or more than one port"
		}
		name = strings.TrimSuffix(name, ".")
	}
	if hasPort {
		if port, reason = normalizePort(port); reason != "" {
			return "", reason
		}
	}
	if port == "" {
		return name, ""
	}
	return name + ":" + port, ""
}

// checkNormal returns why s is not a host in normal form, name[:port], or ""
// when it is one, in one pass and without allocating: lower-case labels of
// 1-63 allowed bytes, not starting or ending with '-', at most 253 bytes, no
// trailing dot; a port of 1-65535 without leading zeros, other than 443.
func checkNormal(s string) string {
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isLabelByte[c] {
			continue // the tight loop: one load and one branch a byte
		}
		if c != '.' && c != ':' {
			return "has a character not allowed in a host name"
		}
		if reason := checkLabel(s, start, i); reason != "" {
			return reason
		}
		if c == ':' {
			if port, reason := normalizePort(s[i+1:]); reason != "" || port != s[i+1:] {
				return cmp.Or(reason, "port not in normal form") // 443, or leading zeros: cleanHost mends it
			}
			return ""
		}
		start = i + 1
	}
	return checkLabel(s, start, len(s))
}

// checkLabel returns why s[start:end], a label that ends at end, is not one,
// or why the name that it ends is not a name.
func checkLabel(s string, start, end int) string {
	label := s[start:end]
	switch {
	case end == 0:
		return "empty host name"
	case end > maxNameLen:
		return "host name longer than 253 characters"
	case label == "":
		return "empty label"
	case len(label) > maxLabelLen:
		return "label longer than 63 characters"
	case label[0] == '-' || label[len(label)-1] == '-':
		return "label starts or ends with '-'"
	}
	return ""
}

// normalizePort returns the port in canonical form, "" for the default 443,
// or a reason it is not a port.
func normalizePort(port string) (canonical, reason string) {
	if port == "" || len(port) > 5 {
		return "", "port must be 1-65535"
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 || port[0] == '+' || port[0] == '-' {
		return "", "port must be 1-65535"
	}
	if n == 443 {
		return "", ""
	}
	if port[0] == '0' {
		return strconv.Itoa(n), ""
	}
	return port, ""
}

// isLabelByte tells the bytes a label may hold, as a table: every Acquire
// scans its host with it.
var isLabelByte = func() (t [256]bool) {
	for c := range t {
		t[c] = c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_'
	}
	return t
}()

// forbiddenInHost returns why c marks a URL part other than the host, or
// cannot be in a host name at all; "" for any other byte.
func forbiddenInHost(c byte) string {
	switch c {
	case '/':
		return "has a path"
	case '?':
		return "has a query"
	case '#':
		return "has a fragment"
	case '@':
		return "has user info"
	case '%':
		return "has percent-encoding"
	case '\\':
		return "has a backslash"
	}
	if c <= ' ' || c == 0x7f {
		return "has white space or a control character"
	}
	return ""
}

// invalidHost builds the error for a host that is not name[:port]. It names
// the part that is wrong and never repeats the input: a user who puts a
// URL or a DSN where the host goes puts a token in its user info, query,
// path or parameters, and errors end up in logs.
func invalidHost(reason string) error {
	return fmt.Errorf("%w: %s", ErrInvalidHost, reason)
}
