package flagserver

import (
	"encoding/json"
	"maps"
	"slices"
	"time"
)

// flagSet is one version of what the server serves. It is never changed once
// published: a change makes a new version, so the served-record can hold
// versions by pointer and a handler can use one without a lock.
type flagSet struct {
	values map[string]string
	ttl    time.Duration
	body   []byte // the JSON answer, rendered once
}

type flagJSON struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type answerJSON struct {
	Flags      []flagJSON `json:"flags"`
	TTLSeconds int64      `json:"ttl_seconds"`
}

// newFlagSet copies values and renders the answer, flags sorted by name.
func newFlagSet(values map[string]string, ttl time.Duration) *flagSet {
	fs := &flagSet{values: maps.Clone(values), ttl: ttl}
	if fs.values == nil {
		fs.values = map[string]string{}
	}
	answer := answerJSON{Flags: []flagJSON{}, TTLSeconds: int64(ttl / time.Second)}
	for _, name := range slices.Sorted(maps.Keys(fs.values)) {
		answer.Flags = append(answer.Flags, flagJSON{Name: name, Value: fs.values[name]})
	}
	body, err := json.Marshal(answer)
	if err != nil {
		panic("flagserver: rendering flags: " + err.Error()) // strings always marshal
	}
	fs.body = body
	return fs
}

// SetFlag sets one flag's value for the requests that arrive from now on.
func (s *Server) SetFlag(name, value string) {
	s.setMu.Lock()
	defer s.setMu.Unlock()
	cur := s.flags.Load()
	values := maps.Clone(cur.values)
	values[name] = value
	s.flags.Store(newFlagSet(values, cur.ttl))
}

// SetFlags replaces every flag with values (copied).
func (s *Server) SetFlags(values map[string]string) {
	s.setMu.Lock()
	defer s.setMu.Unlock()
	s.flags.Store(newFlagSet(values, s.flags.Load().ttl))
}

// SetTTL sets the ttl_seconds served from now on.
func (s *Server) SetTTL(ttl time.Duration) {
	s.setMu.Lock()
	defer s.setMu.Unlock()
	s.flags.Store(newFlagSet(s.flags.Load().values, ttl))
}
