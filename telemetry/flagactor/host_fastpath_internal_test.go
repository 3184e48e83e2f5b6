package flagactor

import "testing"

// FuzzNormalNameFastPath checks that the fast path of NormalizeHost accepts
// only what the full normalization returns unchanged.
func FuzzNormalNameFastPath(f *testing.F) {
	for _, seed := range []string{
		"host", "a.b.c", "host-17.cloud.example.com", "h_x.com", "-a", "a-", "a..b", ".a", "a.",
		"Host", "host:443", "xn--bcher-kva.example", "0.0.0.0", "a-b.c-d", string(make([]byte, 300)),
		"host:8443", "host:0443", "host:65535", "host:65536", "host:1", "host:", "a.:80", "host:80:80",
		"[::1]:80", "host:+80",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if checkNormal(s) != "" {
			return
		}
		got, reason := cleanHost(s)
		if reason != "" || got != s {
			t.Fatalf("fast path accepts %q, full normalization gives %q, %q", s, got, reason)
		}
	})
}
