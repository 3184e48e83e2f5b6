package telemetry

import (
	"encoding/json"
	"testing"
)

// BenchmarkSplitFlags splits the "flags" array of answers of about 1 MiB
// into entries, by hand (forEachElement, what readFlags uses) and with
// encoding/json, to weigh the one against the other: half a million numbers
// is the worst body under the limit.
func BenchmarkSplitFlags(b *testing.B) {
	for _, tt := range []struct{ name, entry string }{
		{"numbers", `1`},
		{"number values", `{"name":"a","value":1}`},
		{"normal", `{"name":"databricks.partnerplatform.clientConfigsFeatureFlags.flag","value":"true"}`},
	} {
		var wire wireResponse
		if err := json.Unmarshal([]byte(oneMiBOf(tt.entry)), &wire); err != nil {
			b.Fatal(err)
		}
		b.Run(tt.name+"/forEachElement", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				forEachElement(wire.Flags, func(int, []byte) {})
			}
		})
		b.Run(tt.name+"/encoding-json", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var entries []json.RawMessage
				if err := json.Unmarshal(wire.Flags, &entries); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
