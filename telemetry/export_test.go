package telemetry

// ActorsOf counts the flag actors g holds: one per driver version in use,
// and those retiring or replaced after a fault that Close still waits for.
func ActorsOf(g *Gate) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.actors) + len(g.stopped)
}
