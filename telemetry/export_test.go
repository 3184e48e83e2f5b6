package telemetry

// ActorsOf counts the flag actors g holds: its actor, and those it replaced
// after a fault, which Close still stops and reports.
func ActorsOf(g *Gate) int {
	n := 0
	for a := g.state.Load(); a != nil && !a.closed; a = a.faulted {
		n++
	}
	return n
}
