// Package telemetry decides whether the Go driver sends telemetry to a
// Databricks host.
//
// The decision comes from the host's feature-flag service: HTTPFetcher asks
// it for every flag of this driver version over HTTPS, and the answer's
// TelemetryFlag says whether telemetry is on. Package flagactor caches those
// answers per host, so a pool that opens many connections asks once.
//
// A driver calls Open as a connection opens and keeps the Conn it returns on
// the connection: Conn.Enabled, which never waits, says before each query
// whether to send telemetry, and Conn.Close goes with the connection's Close.
// The client's own enableTelemetry setting (see ParseOverride) comes before
// the server's flag. Open uses the process-wide Gate (Default), which
// Default().Close() stops; a driver that wants other options makes its own
// with NewGate.
package telemetry
