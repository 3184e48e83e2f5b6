package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
)

// jsonObject builds one JSON object with its keys in the order written.
type jsonObject struct{ b strings.Builder }

func (o *jsonObject) kv(k string, v any) {
	if o.b.Len() > 0 {
		o.b.WriteByte(',')
	}
	key, _ := json.Marshal(k)
	val, err := json.Marshal(v)
	if err != nil {
		panic(err) // only strings, numbers, bools and slices of them are written
	}
	o.b.Write(key)
	o.b.WriteByte(':')
	o.b.Write(val)
}

func (o *jsonObject) writeTo(w io.Writer) error {
	_, err := fmt.Fprintf(w, "{%s}\n", o.b.String())
	return err
}

// measure rounds a measured figure for JSON.
func measure(v float64) float64 { return math.Round(v*100) / 100 }

// writeJSON writes one object per row, keys in a fixed order, then one per
// target judged.
func (r *reporter) writeJSON(res Result, vs []Verdict) error {
	for _, row := range res.Rows {
		var o jsonObject
		o.kv("scenario", res.Scenario)
		o.kv("impl", row.Impl)
		if row.Floor != "" {
			o.kv("floor", row.Floor)
		}
		if row.Variant != "" {
			o.kv("variant", row.Variant)
		}
		if row.GOMAXPROCS != 0 {
			o.kv("gomaxprocs", row.GOMAXPROCS)
			o.kv("goroutines", row.Goroutines)
		}
		if row.Hosts != 0 {
			o.kv("hosts", row.Hosts)
		}
		rounds := 0
		for _, f := range row.Fields {
			switch f.Kind {
			case kindBool:
				o.kv(f.Name, f.Value != 0)
			case kindCount:
				o.kv(f.Name, int64(f.Value))
			default:
				o.kv(f.Name, measure(f.Value))
				if f.Rounds > 1 {
					o.kv(f.Name+"_min", measure(f.Min))
					o.kv(f.Name+"_max", measure(f.Max))
				}
			}
			rounds = max(rounds, f.Rounds)
		}
		if rounds > 0 {
			o.kv("rounds", rounds)
		}
		if err := o.writeTo(r.w); err != nil {
			return err
		}
	}
	for _, v := range vs {
		var o jsonObject
		o.kv("scenario", "verdict")
		o.kv("of", v.Scenario)
		o.kv("target", v.Target)
		o.kv("value", v.Value)
		o.kv("limit", v.Limit)
		o.kv("met", v.Met)
		o.kv("status", v.Status.String())
		if v.Why != "" {
			o.kv("why", v.Why)
		}
		if v.Rounds != "" {
			o.kv("rounds", v.Rounds)
		}
		if err := o.writeTo(r.w); err != nil {
			return err
		}
	}
	return nil
}
