package flagactor

// The actor's own failure causes, for the tests to match.
var (
	ErrFetchTimeout = errFetchTimeout
	ErrFetcherPanic = errFetcherPanic
)
