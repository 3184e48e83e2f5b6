// Package telemetry decides whether the Go driver sends telemetry to a
// Databricks host.
//
// The decision comes from the host's feature-flag service: HTTPFetcher asks
// it for every flag of this driver version over HTTPS, and the answer's
// TelemetryFlag says whether telemetry is on. Package flagactor caches those
// answers per host, so a pool that opens many connections asks once.
package telemetry
