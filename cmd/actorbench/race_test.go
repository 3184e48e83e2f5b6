//go:build race

package main

// raceEnabled is true when the tests run under the race detector, which
// makes timings meaningless and slow.
const raceEnabled = true
