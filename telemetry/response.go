package telemetry

import (
	"bytes"
	"context"
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

// errResponseTooLarge is a body over maxResponseBytes: not the answer,
// whatever it holds.
var errResponseTooLarge = fmt.Errorf("%w: over 1 MiB", ErrMalformedResponse)

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

// readResponse reads a feature-flag response body:
//
//	{"flags":[{"name":"..","value":".."}],"ttl_seconds":N}
//
// Every flag is returned; of two flags with one name the later wins. A value
// is a JSON string, or a JSON boolean, which becomes "true" or "false" (the
// service's flags are booleans at heart, and reading true as "true" costs
// nothing). "flags" absent or null is an answer without flags, every flag
// off (the service has none for this driver version), not an error; any
// other "flags" must be an array. ttl_seconds, when present and not null, is
// a number of seconds; a negative or zero one is read as absent (TTL 0, the
// actor's default).
//
// One odd part does not lose the rest: an entry of "flags" that is not an
// object with a string name and a string or boolean value, or a ttl_seconds
// that is not a number, is left out (ttl_seconds read as absent) and listed
// in skipped. A service that adds a flag of a new type one day must not turn
// off the telemetry flag in every deployed driver at once.
//
// A body over maxResponseBytes is errResponseTooLarge, which matches
// ErrMalformedResponse too; any other body that is not one JSON object,
// with nothing but white space after it, or whose "flags" is neither an
// array nor null, is ErrMalformedResponse. A body that ends too soon also
// matches io.ErrUnexpectedEOF, and an error reading body is described but
// not kept: errors.Is sees a cancelled context.
//
// The JSON object is the answer once it is complete: the rest of the body
// is read for at most drainWait in all, then taken as ended, its connection
// closed by cancel, whether it is silent or trickles (only the server knows
// why it does not end the body). What arrives in that time must be white
// space, up to the body's limit. Reading it to the end also lets the
// transport reuse the connection.
func readResponse(body io.Reader, cancel context.CancelFunc) (messages.Flags, skippedParts, error) {
	// One byte past the limit tells a body of exactly the limit from a longer one.
	limited := &io.LimitedReader{R: body, N: maxResponseBytes + 1}
	// Through a pointer, so that a bare null (which encoding/json would
	// decode into a struct as nothing at all) is told from an empty object.
	var wire *wireResponse
	dec := json.NewDecoder(limited)
	err := dec.Decode(&wire)
	if err != nil {
		err = decodeError(err)
	} else {
		err = readRest(io.MultiReader(dec.Buffered(), limited), cancel)
	}
	switch {
	case limited.N <= 0:
		return messages.Flags{}, skippedParts{}, errResponseTooLarge
	case err != nil:
		return messages.Flags{}, skippedParts{}, err
	case wire == nil:
		return messages.Flags{}, skippedParts{}, fmt.Errorf("%w: null, not an object", ErrMalformedResponse)
	}
	var skipped skippedParts
	values, err := readFlags(wire.Flags, &skipped)
	if err != nil {
		return messages.Flags{}, skippedParts{}, err
	}
	ttl, ok := ttlSeconds(wire.TTLSeconds)
	if !ok {
		skipped.add(-1, "ttl_seconds", jsonKind(wire.TTLSeconds), ", not a number")
	}
	return messages.Flags{Values: values, TTL: ttl}, skipped, nil
}

// readRest reads body to its end for at most drainWait in all: a body still
// open by then is taken as ended, and cancel closes its connection. It is
// ErrMalformedResponse when any of what it read was not white space; it reads
// on past such data all the same, so that the transport may reuse the
// connection.
func readRest(body io.Reader, cancel context.CancelFunc) error {
	giveUp := time.AfterFunc(drainWait, cancel)
	space, err := true, error(nil)
	var buf [512]byte
	for err == nil {
		var n int
		n, err = body.Read(buf[:])
		space = space && len(bytes.TrimLeft(buf[:n], " \t\n\r")) == 0 // JSON white space only
	}
	// Stop is false once cancel has started: the body was held open, and
	// the read ended because it gave up.
	heldOpen := !giveUp.Stop()
	switch {
	case !space:
		return fmt.Errorf("%w: data after the JSON object", ErrMalformedResponse)
	case err == io.EOF || heldOpen:
		return nil
	}
	return readError(err)
}

// readFlags reads the "flags" member: absent or null is no flags, an array
// is read entry by entry, anything else is malformed. An entry that is not
// an object with a string name and a string or boolean value goes to
// skipped.
func readFlags(raw json.RawMessage, skipped *skippedParts) (map[string]string, error) {
	values := map[string]string{} // not sized by the entries: most may be skipped
	switch {
	case len(raw) == 0 || string(raw) == "null":
		return values, nil // no flags: a good answer with every flag off
	case raw[0] != '[':
		return nil, fmt.Errorf("%w: \"flags\" is not an array", ErrMalformedResponse)
	}
	forEachElement(raw, func(i int, entry []byte) {
		if entry[0] != '{' {
			skipped.add(i, "entry", jsonKind(entry), ", not an object")
			return
		}
		// A fresh struct for each: encoding/json would keep fields of an
		// earlier entry that this one lacks. Every field takes any JSON, and
		// the decoder has checked the syntax: no error is left.
		var flag wireFlag
		_ = json.Unmarshal(entry, &flag)
		name, ok := jsonString(flag.Name)
		if !ok {
			skipped.add(i, "name", jsonKind(flag.Name), ", not a string")
			return
		}
		value, ok := flagValue(flag.Value)
		if !ok {
			skipped.add(i, "value", jsonKind(flag.Value), "")
			return
		}
		values[name] = value
	})
	return values, nil
}

// forEachElement calls f with the index and the text of each element of
// array, a JSON array the decoder has checked. It finds them by their
// commas, outside strings and nested values, so that an element costs next
// to nothing whatever its type. encoding/json decodes each into a copy of
// its own: on the worst body under the limit, half a million numbers, the
// whole parse takes 8 times as long with it (about 0.2 s on a loaded 2-core
// machine against 25 ms) and allocates 74 MB against 5 MB, for a body of
// 1 MiB (BenchmarkSplitFlags, BenchmarkParseOneMiB).
func forEachElement(array []byte, f func(int, []byte)) {
	inner := array[1 : len(array)-1]
	index, start, depth, inString := 0, 0, 0, false
	for i := 0; i < len(inner); i++ {
		switch c := inner[i]; {
		case inString && c == '\\':
			i++ // the escaped byte
		case inString:
			inString = c != '"'
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			depth--
		case c == ',' && depth == 0:
			f(index, bytes.TrimSpace(inner[start:i]))
			index++
			start = i + 1
		}
	}
	if last := bytes.TrimSpace(inner[start:]); len(last) > 0 {
		f(index, last)
	}
}

// decodeError tells a body that is not JSON (or ends too soon) from a body
// that could not be read. It repeats no byte of the body: a server may echo
// the credentials into it.
func decodeError(err error) error {
	var syntaxErr *json.SyntaxError
	switch {
	case err == io.EOF:
		return fmt.Errorf("%w: empty body", ErrMalformedResponse)
	case errors.Is(err, io.ErrUnexpectedEOF):
		// Cut short, by the server or the network.
		return fmt.Errorf("%w: %w", ErrMalformedResponse, io.ErrUnexpectedEOF)
	case errors.As(err, &syntaxErr):
		return fmt.Errorf("%w: not JSON at byte %d", ErrMalformedResponse, syntaxErr.Offset)
	case errHas[*json.UnmarshalTypeError](err):
		return fmt.Errorf("%w: not a JSON object", ErrMalformedResponse)
	default:
		return readError(err)
	}
}

// jsonString decodes raw when it is a JSON string. Most names and values
// have no escapes, and those are their own text: decoding them costs a
// third of a parse and its allocations.
func jsonString(raw json.RawMessage) (string, bool) {
	if len(raw) == 0 || raw[0] != '"' {
		return "", false
	}
	if text := raw[1 : len(raw)-1]; bytes.IndexByte(text, '\\') < 0 && utf8.Valid(text) {
		return string(text), true
	}
	// A string the decoder has checked: no error is left.
	var s string
	_ = json.Unmarshal(raw, &s)
	return s, true
}

// flagValue decodes a flag's value: a JSON string as is, a JSON boolean as
// "true" or "false".
func flagValue(raw json.RawMessage) (string, bool) {
	if string(raw) == "true" || string(raw) == "false" {
		return string(raw), true
	}
	return jsonString(raw)
}

// ttlSeconds decodes ttl_seconds: absent or null is 0, a number goes through
// serverSeconds, anything else is 0 and not ok.
func ttlSeconds(raw json.RawMessage) (time.Duration, bool) {
	if len(raw) == 0 || string(raw) == "null" {
		return 0, true
	}
	// ParseFloat refuses any JSON but a number. The decoder has checked the
	// number's syntax: the only error left for one is ErrRange, where
	// ParseFloat's ±Inf or 0 clamps the right way.
	secs, err := strconv.ParseFloat(string(raw), 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, false
	}
	return serverSeconds(secs), true
}

// jsonKind names the kind of a JSON value the decoder has checked, for a
// record of what was skipped. It never repeats the value.
func jsonKind(raw json.RawMessage) string {
	if len(raw) == 0 {
		return "absent"
	}
	switch raw[0] {
	case 'n':
		return "null"
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	}
	return "a number"
}
