package telemetry_test

import (
	"testing"

	"github.com/benbjohnson/clock"

	"github.com/flagactor/flagactor/telemetry"
	"github.com/flagactor/flagactor/telemetry/flagactor"
)

// BenchmarkGateOpenClose is a pool's connection opening and closing on a
// driver version and host whose flag is fresh: the Gate's part of Connect
// and Close.
func BenchmarkGateOpenClose(b *testing.B) {
	server := startFlagServer(b, "true")
	gate := telemetry.NewGate(telemetry.WithActorOptions(flagactor.WithClock(clock.NewMock())))
	defer gate.Close()
	cfg := telemetry.ConnConfig{Host: server.Host(), DriverVersion: driverVersion, Client: server.Client()}
	warm := gate.Open(b.Context(), cfg) // keeps the host's value: a pool seldom drops to no connection
	defer warm.Close()
	if !warm.Enabled() {
		b.Fatal("Enabled at open: want true")
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			conn := gate.Open(b.Context(), cfg)
			if !conn.Enabled() {
				b.Fatal("Enabled at open: want true")
			}
			conn.Close()
		}
	})
}
