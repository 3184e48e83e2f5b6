package telemetry

import (
	"log/slog"

	"github.com/flagactor/flagactor/telemetry/flagactor"
)

// newConnFetcher returns the Fetcher a connection lends to the fetches its
// queries start: its own client, driver version and User-Agent. logger gets
// the fetcher's records; nil for none.
func newConnFetcher(cfg ConnConfig, logger *slog.Logger) flagactor.Fetcher {
	_ = logger // TODO(issue 18): the fetcher's records go to the Gate's logger
	return &HTTPFetcher{Client: cfg.Client, DriverVersion: cfg.DriverVersion, UserAgent: cfg.UserAgent}
}
