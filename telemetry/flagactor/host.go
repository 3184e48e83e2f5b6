package flagactor

import (
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
	if isNormal(raw) {
		return raw, nil // the common case: a driver passes the same host each time
	}
	return normalizeHostSlow(raw)
}

// normalizeHostSlow is NormalizeHost without the fast path for names that are
// already normal.
func normalizeHostSlow(raw string) (string, error) {
	h := strings.ToLower(strings.TrimSpace(raw))
	if rest, ok := strings.CutPrefix(h, "https://"); ok {
		h = rest
	} else if rest, ok := strings.CutPrefix(h, "http://"); ok {
		h = rest
	}
	h = strings.TrimSuffix(h, "/")
	if h == "" {
		return "", invalidHost("empty")
	}
	if i := strings.IndexFunc(h, isForbiddenInHost); i >= 0 {
		return "", invalidHost(describeForbidden(h[i]))
	}
	if h[0] == '[' {
		return normalizeIPv6(h)
	}
	name, port, hasPort := strings.Cut(h, ":")
	if hasPort && strings.Contains(port, ":") {
		return "", invalidHost("IPv6 address without brackets or more than one port")
	}
	name = strings.TrimSuffix(name, ".")
	if reason := checkName(name); reason != "" {
		return "", invalidHost(reason)
	}
	if !hasPort {
		return name, nil
	}
	port, reason := normalizePort(port)
	if reason != "" {
		return "", invalidHost(reason)
	}
	if port == "" {
		return name, nil
	}
	if len(h) == len(name)+1+len(port) {
		return h, nil // already normal: no allocation
	}
	return name + ":" + port, nil
}

// normalizeIPv6 handles "[addr]" and "[addr]:port".
func normalizeIPv6(h string) (string, error) {
	end := strings.IndexByte(h, ']')
	if end < 0 {
		return "", invalidHost("unclosed '['")
	}
	addr, err := netip.ParseAddr(h[1:end])
	if err != nil || !addr.Is6() || addr.Zone() != "" {
		return "", invalidHost("not an IPv6 address in brackets")
	}
	host := "[" + addr.String() + "]"
	rest := h[end+1:]
	if rest == "" {
		return host, nil
	}
	if rest[0] != ':' {
		return "", invalidHost("text after ']'")
	}
	port, reason := normalizePort(rest[1:])
	if reason != "" {
		return "", invalidHost(reason)
	}
	if port == "" {
		return host, nil
	}
	return host + ":" + port, nil
}

// isNormal reports, in one pass and without allocating, whether s is
// already a normalized host name[:port]: lower-case labels of 1-63 allowed
// bytes, not starting or ending with '-', at most 253 bytes, no trailing
// dot; a port of 1-65535 without leading zeros, other than 443.
func isNormal(s string) bool {
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isLabelByteTable[c] {
			continue // the tight loop: one load and one branch a byte
		}
		switch {
		case c == '.' && isNormalLabel(s[start:i]):
			start = i + 1
		case c == ':':
			return i <= maxNameLen && isNormalLabel(s[start:i]) && isNormalPort(s[i+1:])
		default:
			return false
		}
	}
	return len(s) <= maxNameLen && isNormalLabel(s[start:])
}

// isNormalPort reports whether port is as normalizePort writes one.
func isNormalPort(port string) bool {
	if len(port) == 0 || len(port) > 5 || port[0] == '0' {
		return false
	}
	n := 0
	for i := 0; i < len(port); i++ {
		if port[i] < '0' || port[i] > '9' {
			return false
		}
		n = n*10 + int(port[i]-'0')
	}
	return n <= 65535 && n != 443
}

func isNormalLabel(label string) bool {
	return len(label) > 0 && len(label) <= maxLabelLen && label[0] != '-' && label[len(label)-1] != '-'
}

// isLabelByteTable is isLabelByte as a table, for the path every Acquire takes.
var isLabelByteTable = func() (t [256]bool) {
	for c := range t {
		t[c] = isLabelByte(byte(c))
	}
	return t
}()

// checkName returns why name is not a DNS host name, or "" when it is one.
func checkName(name string) string {
	if name == "" {
		return "empty host name"
	}
	if len(name) > maxNameLen {
		return "host name longer than 253 characters"
	}
	for label := range strings.SplitSeq(name, ".") {
		switch {
		case label == "":
			return "empty label"
		case len(label) > maxLabelLen:
			return "label longer than 63 characters"
		case label[0] == '-' || label[len(label)-1] == '-':
			return "label starts or ends with '-'"
		}
		for i := 0; i < len(label); i++ {
			if !isLabelByte(label[i]) {
				return "has a character not allowed in a host name"
			}
		}
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

func isLabelByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_'
}

// isForbiddenInHost reports the runes that mark a URL part other than the
// host, or that no host name may contain.
func isForbiddenInHost(r rune) bool {
	switch r {
	case '/', '?', '#', '@', '%', '\\':
		return true
	}
	return r <= ' ' || r == 0x7f
}

func describeForbidden(c byte) string {
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
	return "has white space or a control character"
}

// invalidHost builds the error for a host that is not name[:port]. It names
// the part that is wrong and never repeats the input: a user who puts a
// URL or a DSN where the host goes puts a token in its user info, query,
// path or parameters, and errors end up in logs.
func invalidHost(reason string) error {
	return fmt.Errorf("%w: %s", ErrInvalidHost, reason)
}
