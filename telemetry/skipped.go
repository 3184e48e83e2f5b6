package telemetry

import (
	"context"
	"log/slog"
)

// skippedPart is a part of an answer the parser left out: one entry of
// "flags" it could not read, or a ttl_seconds that is not a number.
type skippedPart struct {
	index   int    // the entry's place in "flags"; -1 for ttl_seconds
	problem string // what is wrong with it, in this package's words; never the value or the name
}

// logSkipped makes one debug record per skipped part of host's answer on
// logger; nil makes none. A record names the part by its place in the
// answer, not by the flag's name: the name is the server's, and a server
// may echo the credentials into it.
func logSkipped(ctx context.Context, logger *slog.Logger, host string, skipped []skippedPart) {
	if logger == nil || len(skipped) == 0 || !logger.Enabled(ctx, slog.LevelDebug) {
		return
	}
	for _, part := range skipped {
		attrs := []slog.Attr{slog.String("host", host)}
		if part.index >= 0 {
			attrs = append(attrs, slog.Int("index", part.index))
		}
		attrs = append(attrs, slog.String("problem", part.problem))
		logger.LogAttrs(ctx, slog.LevelDebug, "telemetry: feature flags: skipped part of the answer", attrs...)
	}
}
