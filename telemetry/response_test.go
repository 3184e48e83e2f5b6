package telemetry

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/flagactor/flagactor/telemetry/messages"
)

func TestParseResponse(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		want    map[string]string
		wantTTL time.Duration
		wantErr error
	}{
		{name: "string values", body: `{"flags":[{"name":"a","value":"true"},{"name":"b","value":"FALSE"}]}`,
			want: map[string]string{"a": "true", "b": "FALSE"}},
		{name: "boolean values", body: `{"flags":[{"name":"a","value":true},{"name":"b","value":false}]}`,
			want: map[string]string{"a": "true", "b": "false"}},
		{name: "empty value", body: `{"flags":[{"name":"a","value":""}]}`, want: map[string]string{"a": ""}},
		{name: "empty name", body: `{"flags":[{"name":"","value":"x"}]}`, want: map[string]string{"": "x"}},
		{name: "escapes", body: `{"flags":[{"name":"a\"\\\u00e9\ud83d\ude00","value":"line\nnext\t\/"}]}`,
			want: map[string]string{"a\"\\é😀": "line\nnext\t/"}},
		{name: "non-ASCII without escapes", body: `{"flags":[{"name":"é","value":"ü"}]}`,
			want: map[string]string{"é": "ü"}},
		{name: "duplicate names, last wins", body: `{"flags":[{"name":"a","value":"1"},{"name":"b","value":"2"},{"name":"a","value":"3"}]}`,
			want: map[string]string{"a": "3", "b": "2"}},
		{name: "duplicate keys in an entry, last wins", body: `{"flags":[{"name":5,"value":null,"name":"a","value":"1"}]}`,
			want: map[string]string{"a": "1"}},
		{name: "duplicate flags arrays, last wins", body: `{"flags":[{"name":"a","value":"1"}],"flags":[{"value":"2","name":"b"}]}`,
			want: map[string]string{"b": "2"}},
		{name: "keys ignore case", body: `{"Flags":[{"NAME":"a","Value":"1"}],"TTL_Seconds":5}`,
			want: map[string]string{"a": "1"}, wantTTL: 5 * time.Second},
		{name: "empty flags", body: `{"flags":[]}`, want: map[string]string{}},
		// An answer without flags is an answer: every flag off, for its TTL.
		{name: "empty object", body: `{}`, want: map[string]string{}},
		{name: "flags null", body: `{"flags":null}`, want: map[string]string{}},
		{name: "only a ttl", body: `{"ttl_seconds":300}`, want: map[string]string{}, wantTTL: 5 * time.Minute},
		{name: "flags null and a ttl", body: `{"flags":null,"ttl_seconds":60}`, want: map[string]string{}, wantTTL: time.Minute},
		{name: "later flags null", body: `{"flags":[{"name":"a","value":"1"}],"flags":null}`, want: map[string]string{}},
		{name: "only other keys", body: `{"version":7}`, want: map[string]string{}},
		{name: "white space around", body: " \n\t{\"flags\":[]}\r\n ", want: map[string]string{}},
		{name: "ttl", body: `{"flags":[],"ttl_seconds":300}`, want: map[string]string{}, wantTTL: 5 * time.Minute},
		{name: "ttl null", body: `{"flags":[],"ttl_seconds":null}`, want: map[string]string{}},
		{name: "ttl zero", body: `{"flags":[],"ttl_seconds":0}`, want: map[string]string{}},
		{name: "ttl negative is absent", body: `{"flags":[],"ttl_seconds":-30}`, want: map[string]string{}},
		{name: "ttl fraction", body: `{"flags":[],"ttl_seconds":1.5}`, want: map[string]string{}, wantTTL: 1500 * time.Millisecond},
		{name: "ttl exponent", body: `{"flags":[],"ttl_seconds":6e1}`, want: map[string]string{}, wantTTL: time.Minute},
		{name: "ttl capped", body: `{"flags":[],"ttl_seconds":1e12}`, want: map[string]string{}, wantTTL: maxServerDuration},
		{name: "ttl beyond float64", body: `{"flags":[],"ttl_seconds":1e400}`, want: map[string]string{}, wantTTL: maxServerDuration},
		{name: "ttl below float64", body: `{"flags":[],"ttl_seconds":1e-400}`, want: map[string]string{}},

		// One odd flag does not lose the others: it is skipped.
		{name: "value number skipped", body: `{"flags":[{"name":"a","value":1},{"name":"b","value":"true"}]}`,
			want: map[string]string{"b": "true"}},
		{name: "value null skipped", body: `{"flags":[{"name":"b","value":"true"},{"name":"a","value":null}]}`,
			want: map[string]string{"b": "true"}},
		{name: "value object skipped", body: `{"flags":[{"name":"a","value":{"on":true}},{"name":"b","value":true}]}`,
			want: map[string]string{"b": "true"}},
		{name: "value array skipped", body: `{"flags":[{"name":"a","value":["true"]},{"name":"b","value":"x"}]}`,
			want: map[string]string{"b": "x"}},
		{name: "entry without value skipped", body: `{"flags":[{"name":"a"},{"name":"b","value":"x"}]}`,
			want: map[string]string{"b": "x"}},
		{name: "later value null skipped", body: `{"flags":[{"name":"a","value":"1","value":null},{"name":"b","value":"x"}]}`,
			want: map[string]string{"b": "x"}},
		{name: "entry null skipped", body: `{"flags":[null,{"name":"b","value":"x"}]}`, want: map[string]string{"b": "x"}},
		{name: "entry string skipped", body: `{"flags":["a",{"name":"b","value":"x"}]}`, want: map[string]string{"b": "x"}},
		{name: "entry number skipped", body: `{"flags":[1,{"name":"b","value":"x"}]}`, want: map[string]string{"b": "x"}},
		{name: "entry array skipped", body: `{"flags":[[{"name":"a","value":"1"}],{"name":"b","value":"x"}]}`,
			want: map[string]string{"b": "x"}},
		{name: "entry without name skipped", body: `{"flags":[{"value":"1"},{"name":"b","value":"x"}]}`,
			want: map[string]string{"b": "x"}},
		{name: "name null skipped", body: `{"flags":[{"name":null,"value":"1"},{"name":"b","value":"x"}]}`,
			want: map[string]string{"b": "x"}},
		{name: "name number skipped", body: `{"flags":[{"name":1,"value":"1"},{"name":"b","value":"x"}]}`,
			want: map[string]string{"b": "x"}},
		{name: "later name null skipped", body: `{"flags":[{"name":"a","value":"1","name":null},{"name":"b","value":"x"}]}`,
			want: map[string]string{"b": "x"}},
		{name: "odd repeat keeps the earlier", body: `{"flags":[{"name":"a","value":"1"},{"name":"a","value":2}]}`,
			want: map[string]string{"a": "1"}},
		{name: "every flag odd", body: `{"flags":[{"name":"a","value":1},null]}`, want: map[string]string{}},
		{name: "ttl string is absent", body: `{"flags":[{"name":"a","value":"1"}],"ttl_seconds":"60"}`,
			want: map[string]string{"a": "1"}},
		{name: "ttl boolean is absent", body: `{"flags":[],"ttl_seconds":true}`, want: map[string]string{}},
		{name: "ttl object is absent", body: `{"flags":[],"ttl_seconds":{"s":60}}`, want: map[string]string{}},
		{name: "ttl array is absent", body: `{"flags":[],"ttl_seconds":[60]}`, want: map[string]string{}},
		{name: "later ttl string is absent", body: `{"flags":[],"ttl_seconds":60,"ttl_seconds":"60"}`, want: map[string]string{}},

		{name: "empty body", body: "", wantErr: ErrMalformedResponse},
		{name: "only white space", body: "  \n", wantErr: ErrMalformedResponse},
		{name: "JSON null", body: "null", wantErr: ErrMalformedResponse},
		{name: "array", body: `[{"name":"a","value":"1"}]`, wantErr: ErrMalformedResponse},
		{name: "string", body: `"flags"`, wantErr: ErrMalformedResponse},
		{name: "flags object", body: `{"flags":{"a":"1"}}`, wantErr: ErrMalformedResponse},
		{name: "flags string", body: `{"flags":"a"}`, wantErr: ErrMalformedResponse},
		{name: "flags number", body: `{"flags":1}`, wantErr: ErrMalformedResponse},
		{name: "flags boolean", body: `{"flags":true}`, wantErr: ErrMalformedResponse},
		{name: "later flags a string", body: `{"flags":[],"flags":"a"}`, wantErr: ErrMalformedResponse},
		{name: "syntax error", body: `{"flags":[}`, wantErr: ErrMalformedResponse},
		{name: "truncated", body: `{"flags":[{"name":"a"`, wantErr: ErrMalformedResponse},
		{name: "trailing object", body: `{"flags":[]}{}`, wantErr: ErrMalformedResponse},
		{name: "trailing bracket", body: `{"flags":[]}]`, wantErr: ErrMalformedResponse},
		{name: "trailing null", body: `{"flags":[]} null`, wantErr: ErrMalformedResponse},
		{name: "trailing text", body: "{\"flags\":[]}\nok", wantErr: ErrMalformedResponse},
		{name: "byte order mark", body: "\ufeff{\"flags\":[]}", wantErr: ErrMalformedResponse},
		{name: "over 1 MiB of white space", body: `{"flags":[]}` + strings.Repeat(" ", maxResponseBytes),
			wantErr: errResponseTooLarge},
		{name: "over 1 MiB in one value", body: `{"flags":[{"name":"a","value":"` + strings.Repeat("x", maxResponseBytes) + `"}]}`,
			wantErr: errResponseTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, err := parseResponse(strings.NewReader(tt.body))

			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				require.Equal(t, messages.Flags{}, got)
				return
			}
			require.NoError(t, err)
			require.Equal(t, messages.Flags{Values: tt.want, TTL: tt.wantTTL}, got)
		})
	}
}

// TestParseResponseTruncatedWrapsItsCause checks that a body cut short is
// malformed and says why with io.ErrUnexpectedEOF, which errors.Is sees.
func TestParseResponseTruncatedWrapsItsCause(t *testing.T) {
	for _, body := range []string{`{`, `{"flags":[{"name":"a"`, `{"flags":[{"name":"a","value":"1"}],"ttl_seconds":6`, `{"fl`} {
		t.Run(body, func(t *testing.T) {
			got, _, err := parseResponse(strings.NewReader(body))

			require.ErrorIs(t, err, ErrMalformedResponse)
			require.ErrorIs(t, err, io.ErrUnexpectedEOF)
			require.Equal(t, messages.Flags{}, got)
		})
	}
}

func TestParseResponseSizeLimit(t *testing.T) {
	const prefix = `{"flags":[{"name":"a","value":"b"}]}`
	for _, tt := range []struct {
		name    string
		size    int
		wantErr error
	}{
		{"one byte under", maxResponseBytes - 1, nil},
		{"exactly 1 MiB", maxResponseBytes, nil},
		{"one byte over", maxResponseBytes + 1, errResponseTooLarge},
		{"far over", 4 * maxResponseBytes, errResponseTooLarge},
	} {
		t.Run(tt.name, func(t *testing.T) {
			body := prefix + strings.Repeat("\n", tt.size-len(prefix))

			got, _, err := parseResponse(strings.NewReader(body))

			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				require.Nil(t, got.Values)
				return
			}
			require.NoError(t, err)
			require.Equal(t, map[string]string{"a": "b"}, got.Values)
		})
	}
}

// TestParseResponseReadsNoMoreThanTheLimit checks that an endless body is
// read only one byte past the limit.
func TestParseResponseReadsNoMoreThanTheLimit(t *testing.T) {
	body := &countingReader{r: io.MultiReader(strings.NewReader(`{"flags":[]}`), endless(' '))}

	_, _, err := parseResponse(body)

	require.ErrorIs(t, err, errResponseTooLarge)
	require.Equal(t, int64(maxResponseBytes+1), body.n)
}

// TestParseResponseReadError checks that a failed read is described in this
// package's words, keeps no cause, and still matches a cancelled context.
func TestParseResponseReadError(t *testing.T) {
	for _, tt := range []struct {
		name string
		err  error
		is   error
	}{
		{"reset", &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}, io.ErrUnexpectedEOF},
		{"cancelled", context.Canceled, context.Canceled},
	} {
		t.Run(tt.name, func(t *testing.T) {
			body := io.MultiReader(strings.NewReader(`{"flags":[{"name":"a",`), errorReader{tt.err})

			_, _, err := parseResponse(body)

			require.ErrorIs(t, err, tt.is)
			require.NotErrorIs(t, err, ErrMalformedResponse, "a failed read is not a malformed body")
			require.Nil(t, errors.Unwrap(err), "the cause is kept")
			require.NotContains(t, err.Error(), tt.err.Error())
			require.True(t, strings.HasPrefix(err.Error(), "telemetry: "), "error %q lacks the package prefix", err)
		})
	}
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

type endless byte

func (e endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(e)
	}
	return len(p), nil
}

type errorReader struct{ err error }

func (r errorReader) Read([]byte) (int, error) { return 0, r.err }

func BenchmarkParseResponse(b *testing.B) {
	var body strings.Builder
	body.WriteString(`{"flags":[`)
	for i := range 200 {
		if i > 0 {
			body.WriteString(",")
		}
		body.WriteString(`{"name":"databricks.partnerplatform.clientConfigsFeatureFlags.flag` + strings.Repeat("x", i%7) + `","value":"true"}`)
	}
	body.WriteString(`],"ttl_seconds":900}`)
	text := body.String()
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := parseResponse(strings.NewReader(text)); err != nil {
			b.Fatal(err)
		}
	}
}

// parseResponse is readResponse of a body that is not a connection's.
func parseResponse(body io.Reader) (messages.Flags, skippedParts, error) {
	return readResponse(body, func() {})
}
