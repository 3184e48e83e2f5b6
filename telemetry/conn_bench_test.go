package telemetry_test

import (
	"testing"

	"github.com/benbjohnson/clock"

	"github.com/flagactor/flagactor/telemetry"
	"github.com/flagactor/flagactor/telemetry/flagactor"
)

// BenchmarkConnEnabled is the check a driver makes before every statement,
// on a connection whose flag is fresh.
func BenchmarkConnEnabled(b *testing.B) {
	server := startFlagServer(b, "true")
	gate := telemetry.NewGate(telemetry.WithActorOptions(flagactor.WithClock(clock.NewMock())))
	defer gate.Close()
	conn := gate.Open(b.Context(), telemetry.ConnConfig{Host: server.Host(), DriverVersion: driverVersion, Client: server.Client()})
	defer conn.Close()
	if !conn.Enabled() {
		b.Fatal("Enabled: want true")
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if !conn.Enabled() {
				b.Fatal("Enabled: want true")
			}
		}
	})
}
