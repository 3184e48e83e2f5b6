package flagactor_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package when any test leaves a goroutine behind: the
// actor's loop, a fetch, or a helper of the tests themselves.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
