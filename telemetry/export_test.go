package telemetry

// ActorsOf counts the flag actors g holds: one per driver version in use,
// and those retiring or replaced after a fault that Close still waits for.
func ActorsOf(g *Gate) int {
	return len(g.state.Load().all())
}
