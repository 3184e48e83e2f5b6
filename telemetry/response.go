package telemetry

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/flagactor/flagactor/telemetry/messages"
)

// maxResponseBytes bounds a feature-flag response body. The real answer is a
// few KiB; anything this large is not it, and reading on would let a server
// make the driver hold as much memory as it likes.
const maxResponseBytes = 1 << 20

// wireResponse is the body of a feature-flag response. Every field is kept
// raw so that a repeated key simply replaces the earlier one (the last one
// wins, as for a JSON object read into a map) and its type is checked once,
// on the value that won. Other keys are ignored. As everywhere in
// encoding/json, keys match their field's name ignoring case.
type wireResponse struct {
	Flags      json.RawMessage `json:"flags"`
	TTLSeconds json.RawMessage `json:"ttl_seconds"`
}

// wireFlag is one entry of the response's "flags" array.
type wireFlag struct {
	Name  json.RawMessage `json:"name"`
	Value json.RawMessage `json:"value"`
}

// parseResponse reads a feature-flag response body:
//
//	{"flags":[{"name":"..","value":".."}],"ttl_seconds":N}
//
// Every flag is returned; of two flags with one name the later wins. A value
// is a JSON string, or a JSON boolean, which becomes "true" or "false" (the
// service's flags are booleans at heart, and reading true as "true" costs
// nothing). "flags" absent or null is an answer without flags, every flag
// off (the service has none for this driver version), not an error; any
// other "flags" must be an array, and every entry must have a string name
// and a string or boolean value. ttl_seconds, when present and not null, is a
// number of seconds; a negative or zero one is read as absent (TTL 0, the
// actor's default) rather than failing flags that are otherwise fine. A
// non-numeric one is malformed.
//
// A body over maxResponseBytes is ErrResponseTooLarge; any other body that is
// not one such JSON object, with nothing but white space after it, is
// ErrMalformedResponse. An error reading body is returned wrapped, so a
// cancelled context stays visible to errors.Is.
func parseResponse(body io.Reader) (messages.Flags, error) {
	// One byte past the limit tells a body of exactly the limit from a longer one.
	limited := &io.LimitedReader{R: body, N: maxResponseBytes + 1}
	flags, err := decodeResponse(json.NewDecoder(limited))
	if limited.N <= 0 {
		return messages.Flags{}, ErrResponseTooLarge
	}
	if err != nil {
		return messages.Flags{}, err
	}
	return flags, nil
}

// decodeResponse decodes one response object and checks that only white
// space follows it.
func decodeResponse(dec *json.Decoder) (messages.Flags, error) {
	// Through a pointer, so that a bare null (which encoding/json would
	// decode into a struct as nothing at all) is told from an empty object.
	var wire *wireResponse
	if err := dec.Decode(&wire); err != nil {
		return messages.Flags{}, decodeError(err)
	}
	// Reading on to the end also drains the body, so the connection can be reused.
	switch _, err := dec.Token(); {
	case err == nil:
		return messages.Flags{}, fmt.Errorf("%w: data after the JSON object", ErrMalformedResponse)
	case err != io.EOF:
		return messages.Flags{}, decodeError(err)
	}

	if wire == nil {
		return messages.Flags{}, fmt.Errorf("%w: null, not an object", ErrMalformedResponse)
	}
	// A fresh slice: encoding/json would reuse the old elements of a slice it
	// decodes into, mixing fields of two arrays.
	var entries []wireFlag
	switch {
	case len(wire.Flags) == 0 || string(wire.Flags) == "null":
		// No flags: a good answer with every flag off.
	case wire.Flags[0] != '[':
		return messages.Flags{}, fmt.Errorf("%w: \"flags\" is not an array", ErrMalformedResponse)
	default:
		if err := json.Unmarshal(wire.Flags, &entries); err != nil {
			return messages.Flags{}, decodeError(err)
		}
	}
	values := make(map[string]string, len(entries))
	for i, entry := range entries {
		name, ok := jsonString(entry.Name)
		if !ok {
			return messages.Flags{}, fmt.Errorf("%w: flag %d has no string name", ErrMalformedResponse, i)
		}
		value, ok := flagValue(entry.Value)
		if !ok {
			return messages.Flags{}, fmt.Errorf("%w: flag %d has no string or boolean value", ErrMalformedResponse, i)
		}
		values[name] = value
	}
	ttl, ok := ttlSeconds(wire.TTLSeconds)
	if !ok {
		return messages.Flags{}, fmt.Errorf("%w: \"ttl_seconds\" is not a number", ErrMalformedResponse)
	}
	return messages.Flags{Values: values, TTL: ttl}, nil
}

// decodeError tells a body that is not JSON (or ends too soon) from a body
// that could not be read.
func decodeError(err error) error {
	var syntaxErr *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case err == io.EOF:
		return fmt.Errorf("%w: empty body", ErrMalformedResponse)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.As(err, &syntaxErr), errors.As(err, &typeErr):
		return fmt.Errorf("%w: %v", ErrMalformedResponse, err)
	default:
		return readError(err)
	}
}

// jsonString decodes raw when it is a JSON string. Most names and values
// have no escapes, and those are their own text.
func jsonString(raw json.RawMessage) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' {
		return "", false
	}
	if text := raw[1 : len(raw)-1]; bytes.IndexByte(text, '\\') < 0 && utf8.Valid(text) {
		return string(text), true
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false
	}
	return s, true
}

// flagValue decodes a flag's value: a JSON string as is, a JSON boolean as
// "true" or "false".
func flagValue(raw json.RawMessage) (string, bool) {
	switch string(raw) {
	case "true":
		return "true", true
	case "false":
		return "false", true
	}
	return jsonString(raw)
}

// ttlSeconds decodes ttl_seconds: absent or null is 0, a number goes through
// serverSeconds, anything else is not ok.
func ttlSeconds(raw json.RawMessage) (time.Duration, bool) {
	if len(raw) == 0 || string(raw) == "null" {
		return 0, true
	}
	if c := raw[0]; c != '-' && (c < '0' || c > '9') {
		return 0, false
	}
	// The decoder has checked the number's syntax; the only error left is
	// ErrRange, where ParseFloat's ±Inf or 0 clamps the right way.
	secs, err := strconv.ParseFloat(string(raw), 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, false
	}
	return serverSeconds(secs), true
}
