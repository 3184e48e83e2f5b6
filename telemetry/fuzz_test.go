package telemetry

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"
)

// FuzzParseResponse checks parseResponse against a reference that reads the
// body independently, token by token, keeping every object's keys in order.
// The parser must never panic, never accept more than 1 MiB, accept exactly
// the bodies the reference finds well formed, and return exactly the flags
// and TTL the reference finds in them, skipping as many odd parts.
func FuzzParseResponse(f *testing.F) {
	for _, seed := range []string{
		`{"flags":[{"name":"` + TelemetryFlag + `","value":"true"}],"ttl_seconds":900}`,
		`{"flags":[{"name":"a","value":true},{"name":"b","value":false}],"ttl_seconds":0}`,
		`{"flags":[{"name":"a","value":"1"},{"name":"a","value":"2"}]}`,
		`{"flags":[{"name":"a","value":"1"}],"flags":[{"value":"2"}]}`,
		`{"FLAGS":[{"Name":"a\u00e9","VALUE":"x\"y"}],"ttl_seconds":-1}`,
		`{"flags":[],"ttl_seconds":1e400,"extra":{"nested":[1,2,{"x":null}]}}`,
		`{"flags":[null]}`,
		`{"flags":[{"name":"a","value":1},{"name":"b","value":"x"},"c",{"value":true}],"ttl_seconds":"60"}`,
		`{"flags":[{"name":"a","value":"1"},{"name":"a","value":{}}],"ttl_seconds":[1]}`,
		`{"flags":null}`,
		`{}`,
		`{"ttl_seconds":300}`,
		`{"flags":[],"flags":null}`,
		`null`,
		`{"flags":[]} x`,
		`{"flags":[{"name":5,"name":"a","value":"b"}]}`,
		"",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		got, skipped, err := parseResponse(bytes.NewReader(body))
		want, wellFormed := referenceParse(body)

		if err != nil {
			if !errors.Is(err, ErrMalformedResponse) && !errors.Is(err, errResponseTooLarge) {
				t.Fatalf("error %v is neither ErrMalformedResponse nor errResponseTooLarge", err)
			}
			if got.Values != nil || got.TTL != 0 || skipped.count != 0 {
				t.Fatalf("error %v came with flags %v and skipped parts %v", err, got, skipped)
			}
			if wellFormed && len(body) <= maxResponseBytes {
				t.Fatalf("rejected a well-formed body: %v", err)
			}
			if wellFormed && !errors.Is(err, errResponseTooLarge) {
				t.Fatalf("a well-formed body of %d bytes gave %v, want errResponseTooLarge", len(body), err)
			}
			return
		}
		if len(body) > maxResponseBytes {
			t.Fatalf("accepted a body of %d bytes", len(body))
		}
		if !wellFormed {
			t.Fatalf("accepted a body the reference rejects; got %v", got)
		}
		if got.Values == nil {
			t.Fatal("accepted a body but returned a nil map")
		}
		if len(got.Values) != len(want.values) {
			t.Fatalf("got %d flags %v, want %d %v", len(got.Values), got.Values, len(want.values), want.values)
		}
		for name, value := range want.values {
			if v, ok := got.Values[name]; !ok || v != value {
				t.Fatalf("flag %q = %q (present %v), want %q", name, v, ok, value)
			}
		}
		if got.TTL != want.ttl {
			t.Fatalf("TTL = %v, want %v", got.TTL, want.ttl)
		}
		if skipped.count != want.skipped {
			t.Fatalf("skipped %d parts %v, want %d", skipped.count, skipped.first, want.skipped)
		}
	})
}

// referenceFlags is what the reference finds in a body.
type referenceFlags struct {
	values  map[string]string
	ttl     time.Duration
	skipped int // entries of "flags", and a ttl_seconds, left out
}

// member is one key and value of a JSON object, in body order.
type member struct {
	key   string
	value any
}

// referenceParse reads body with encoding/json's token reader, so it shares
// no code path with parseResponse's struct decoding. Objects keep all their
// members in order; a known key is looked up the way encoding/json matches
// struct fields (ignoring case), the last occurrence winning.
func referenceParse(body []byte) (referenceFlags, bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	top, err := readOrdered(dec, 0)
	if err != nil {
		return referenceFlags{}, false
	}
	if _, err := dec.Token(); err != io.EOF {
		return referenceFlags{}, false
	}
	obj, ok := top.([]member)
	if !ok {
		return referenceFlags{}, false
	}
	// Flags absent or null: an answer without flags.
	var list []any
	switch flags := lastMember(obj, "flags").(type) {
	case nil:
	case []any:
		list = flags
	default:
		return referenceFlags{}, false
	}
	values := make(map[string]string, len(list))
	skipped := 0
	for _, item := range list {
		// An entry that is not an object with a string name and a string or
		// boolean value is skipped, and the others kept.
		entry, ok := item.([]member)
		if !ok {
			skipped++
			continue
		}
		name, ok := lastMember(entry, "name").(string)
		if !ok {
			skipped++
			continue
		}
		var value string
		switch v := lastMember(entry, "value").(type) {
		case string:
			value = v
		case bool:
			value = strconv.FormatBool(v)
		default:
			skipped++
			continue
		}
		values[name] = value
	}
	var ttl time.Duration
	switch v := lastMember(obj, "ttl_seconds").(type) {
	case nil:
	case json.Number:
		secs, _ := strconv.ParseFloat(string(v), 64) // ±Inf or 0 when out of range
		switch {
		case secs <= 0:
		case secs >= (24 * time.Hour).Seconds():
			ttl = 24 * time.Hour
		default:
			ttl = time.Duration(secs * 1e9)
		}
	default: // not a number: read as absent
		skipped++
	}
	return referenceFlags{values: values, ttl: ttl, skipped: skipped}, true
}

// lastMember returns the value of obj's last key that equals key ignoring
// case, or nil (which JSON null also gives).
func lastMember(obj []member, key string) any {
	var found any
	for _, m := range obj {
		if strings.EqualFold(m.key, key) {
			found = m.value
		}
	}
	return found
}

// maxDepth is encoding/json's nesting limit; the token reader does not
// enforce it, so the reference does.
const maxDepth = 10000

// readOrdered reads one JSON value: objects as []member, arrays as []any,
// numbers as json.Number.
func readOrdered(dec *json.Decoder, depth int) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	delim, ok := tok.(json.Delim)
	if !ok {
		return tok, nil
	}
	if depth+1 > maxDepth {
		return nil, errors.New("too deep")
	}
	switch delim {
	case '{':
		obj := []member{}
		for dec.More() {
			keyTok, err := dec.Token()
			if err != nil {
				return nil, err
			}
			key, ok := keyTok.(string)
			if !ok {
				return nil, errors.New("object key is not a string")
			}
			value, err := readOrdered(dec, depth+1)
			if err != nil {
				return nil, err
			}
			obj = append(obj, member{key, value})
		}
		if _, err := dec.Token(); err != nil {
			return nil, err
		}
		return obj, nil
	case '[':
		list := []any{}
		for dec.More() {
			value, err := readOrdered(dec, depth+1)
			if err != nil {
				return nil, err
			}
			list = append(list, value)
		}
		if _, err := dec.Token(); err != nil {
			return nil, err
		}
		return list, nil
	}
	return nil, errors.New("unexpected delimiter")
}
