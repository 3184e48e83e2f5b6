package telemetry

import (
	"reflect"
	"testing"

	"github.com/flagactor/flagactor/telemetry/messages"
)

// TestAddStatsAddsEveryCounter: addStats adds every field of messages.Stats,
// so a counter added there one day is not silently left out of Gate.Stats.
func TestAddStatsAddsEveryCounter(t *testing.T) {
	var one messages.Stats
	v := reflect.ValueOf(&one).Elem()
	for i := range v.NumField() {
		switch f := v.Field(i); f.Kind() {
		case reflect.Int, reflect.Int64:
			f.SetInt(1)
		case reflect.Uint64:
			f.SetUint(1)
		default:
			t.Fatalf("messages.Stats.%s is a %s: teach addStats and this test to add it", v.Type().Field(i).Name, f.Kind())
		}
	}
	sum := reflect.ValueOf(addStats(one, one))
	for i := range sum.NumField() {
		f := sum.Field(i)
		if got := f.Interface(); reflect.ValueOf(got).Convert(reflect.TypeFor[int64]()).Int() != 2 {
			t.Errorf("addStats: %s = %v, want 2: the field is not added", sum.Type().Field(i).Name, got)
		}
	}
}
