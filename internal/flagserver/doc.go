// Package flagserver is an in-process fake of the Databricks feature-flag
// service: a real TLS server on loopback, for benchmarks and chaos tests.
//
// It answers GET /api/2.0/connector-service/feature-flags/GOLANG/{version}
// with {"flags":[{"name":..,"value":..}],"ttl_seconds":N}; every other path is
// 404. What it answers can change while it runs: the flags and TTL, a latency,
// a status "mode" (500, 429 or 503 with Retry-After), and fault probabilities
// for a soak (500, 429, a reset connection, garbage JSON, a body over 1 MiB, a
// body that drips). It records what it saw: requests per Host header, the most
// requests in flight at once per host, requests per second of its clock, the
// faults it injected and every set of flags it served to each host.
//
// # Many virtual hosts, one listener
//
// Requests are told apart by their Host header, which a Go client takes from
// the URL's host. To send "https://host-17.example/..." to this server, use
// [Server.ClientForAnyHost]: its transport dials the server's listener whatever
// the URL says and verifies the server's certificate as "example.com", a name
// the test certificate carries, so TLS stays verified. [Server.Client] is the
// plain client for URLs whose host is [Server.Host].
//
// Latency, drips and Close use real time: they model the network. Only the
// per-second timeline reads [Config.Clock], so a bench on a mock clock can count
// requests per simulated second.
package flagserver
