package telemetry

import (
	"strings"
	"testing"
)

// oneMiBOf is an answer of about 1 MiB: a "flags" array of entry repeated.
func oneMiBOf(entry string) string {
	var body strings.Builder
	body.WriteString(`{"flags":[`)
	for body.Len() < maxResponseBytes-2*len(entry)-64 {
		body.WriteString(entry)
		body.WriteString(",")
	}
	body.WriteString(entry + `],"ttl_seconds":900}`)
	return body.String()
}

// BenchmarkParseOneMiB parses answers of about 1 MiB of several shapes: a
// normal one, and ones whose every entry is skipped.
func BenchmarkParseOneMiB(b *testing.B) {
	for _, tt := range []struct{ name, entry string }{
		{"normal", `{"name":"databricks.partnerplatform.clientConfigsFeatureFlags.flag","value":"true"}`},
		{"numbers", `1`},
		{"nulls", `null`},
		{"number values", `{"name":"a","value":1}`},
		{"arrays", `[]`},
		{"objects and numbers", `{"name":"databricks.partnerplatform.clientConfigsFeatureFlags.flag","value":"true"},1`},
	} {
		text := oneMiBOf(tt.entry)
		b.Run(tt.name, func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := parseResponse(strings.NewReader(text)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
