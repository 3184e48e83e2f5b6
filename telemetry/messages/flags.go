package messages

import (
	"strings"
	"time"
)

// Flags is one host's answer from the feature-flag service.
type Flags struct {
	Values map[string]string // flag name -> value exactly as served ("true", "false", ...)
	TTL    time.Duration     // how long the server says the answer holds; 0 = the actor's default
}

// Bool reports whether the named flag is "true", ignoring case. An absent flag is false.
func (f Flags) Bool(name string) bool {
	return strings.EqualFold(f.Values[name], "true")
}
