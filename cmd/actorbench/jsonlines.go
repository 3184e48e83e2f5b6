package main

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
)

// writeJSON writes one object per row, keys in a fixed order.
func (r *reporter) writeJSON(res Result) error {
	for _, row := range res.Rows {
		var b strings.Builder
		kv := func(k string, v any) {
			if b.Len() > 0 {
				b.WriteByte(',')
			}
			key, _ := json.Marshal(k)
			val, err := json.Marshal(v)
			if err != nil {
				panic(err) // only strings, numbers and bools are written
			}
			b.Write(key)
			b.WriteByte(':')
			b.Write(val)
		}
		kv("scenario", res.Scenario)
		kv("impl", row.Impl)
		if row.Floor != "" {
			kv("floor", row.Floor)
		}
		if row.Parallelism != 0 {
			kv("parallelism", row.Parallelism)
		}
		if row.Hosts != 0 {
			kv("hosts", row.Hosts)
		}
		for _, f := range row.Fields {
			switch f.Kind {
			case kindBool:
				kv(f.Name, f.Value != 0)
			case kindCount:
				kv(f.Name, int64(f.Value))
			default:
				kv(f.Name, math.Round(f.Value*100)/100)
			}
		}
		if len(row.Samples) > 0 {
			kv("rounds", len(row.Samples))
		}
		if _, err := fmt.Fprintf(r.w, "{%s}\n", b.String()); err != nil {
			return err
		}
	}
	return nil
}
