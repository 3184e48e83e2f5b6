package telemetry

import (
	"context"
	"log/slog"
	"strings"
)

// skippedPart is a part of an answer the parser left out: one entry of
// "flags" it could not read, or a ttl_seconds that is not a number.
type skippedPart struct {
	index   int    // the entry's place in "flags"; -1 for ttl_seconds
	name    string // the flag's name, when named
	named   bool   // the entry had a string name ("" is a name)
	problem string // what is wrong with it; never the value itself
}

// debugLogger gives the logger of the fetcher's debug records: slog's
// default logger, which drops them unless the program turned debug records
// on. Tests set it; HTTPFetcher keeps exactly the contract's three fields, so
// a driver's unkeyed literal compiles.
var debugLogger = slog.Default

// maxLoggedName bounds a flag name in a record: a name is the server's and
// may be as long as the body.
const maxLoggedName = 128

// logSkipped makes one debug record per skipped part of host's answer.
func logSkipped(ctx context.Context, host string, skipped []skippedPart) {
	if len(skipped) == 0 {
		return
	}
	logger := debugLogger()
	if !logger.Enabled(ctx, slog.LevelDebug) {
		return
	}
	for _, part := range skipped {
		attrs := []slog.Attr{slog.String("host", host)}
		if part.index >= 0 {
			attrs = append(attrs, slog.Int("index", part.index))
		}
		if part.named {
			attrs = append(attrs, slog.String("flag", shortName(part.name)))
		}
		attrs = append(attrs, slog.String("problem", part.problem))
		logger.LogAttrs(ctx, slog.LevelDebug, "telemetry: feature flags: skipped part of the answer", attrs...)
	}
}

// shortName cuts a long name to maxLoggedName bytes of valid UTF-8.
func shortName(name string) string {
	if len(name) <= maxLoggedName {
		return name
	}
	return strings.ToValidUTF8(name[:maxLoggedName], "") + "…"
}
