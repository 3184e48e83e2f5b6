package telemetry

import (
	"context"
	"log/slog"
)

// maxSkippedRecords is how many skipped parts of one answer get a log record
// of their own; one more record counts them all. An answer of a million odd
// entries costs a handful of records, not a million.
const maxSkippedRecords = 5

// skippedPart is a part of an answer the parser left out: one entry of
// "flags" it could not read, or a ttl_seconds that is not a number.
type skippedPart struct {
	index   int    // the entry's place in "flags"; -1 for ttl_seconds
	problem string // what is wrong with it, in this package's words; never the value or the name
}

// skippedParts is what the parser left out of one answer: the first
// maxSkippedRecords parts, and how many in all.
type skippedParts struct {
	first []skippedPart
	count int
}

// add counts a skipped part: entry index's part ("entry", "name", "value",
// or "ttl_seconds" at index -1) is of JSON kind, and should be what want
// says. Its words are put together only for the parts kept.
func (s *skippedParts) add(index int, part, kind, want string) {
	if len(s.first) < maxSkippedRecords {
		s.first = append(s.first, skippedPart{index: index, problem: part + " is " + kind + want})
	}
	s.count++
}

// logSkipped makes a debug record of each of the first skipped parts of
// host's answer on logger, and one with their count when there were more;
// nil makes none. A record names the part by its place in the answer, not
// by the flag's name: the name is the server's, and a server may echo the
// credentials into it.
func logSkipped(ctx context.Context, logger *slog.Logger, host string, skipped skippedParts) {
	if logger == nil || skipped.count == 0 || !logger.Enabled(ctx, slog.LevelDebug) {
		return
	}
	for _, part := range skipped.first {
		attrs := []slog.Attr{slog.String("host", host)}
		if part.index >= 0 {
			attrs = append(attrs, slog.Int("index", part.index))
		}
		attrs = append(attrs, slog.String("problem", part.problem))
		logger.LogAttrs(ctx, slog.LevelDebug, "telemetry: feature flags: skipped part of the answer", attrs...)
	}
	if skipped.count > len(skipped.first) {
		logger.LogAttrs(ctx, slog.LevelDebug, "telemetry: feature flags: skipped more parts of the answer, not logged one by one",
			slog.String("host", host), slog.Int("skipped", skipped.count))
	}
}
