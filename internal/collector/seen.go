package collector

// Seen is a bounded, insertion-ordered set of item keys kept in cursors of
// sources that have no usable "since" parameter (feeds, App Store reviews).
// When full, the oldest keys are forgotten first.
type Seen struct {
	keys []string
	set  map[string]struct{}
	cap  int
}

// NewSeen returns a set holding at most limit keys, starting from keys
// (oldest first, as returned by Keys).
func NewSeen(keys []string, limit int) *Seen {
	s := &Seen{set: make(map[string]struct{}, len(keys)), cap: limit}
	for _, k := range keys {
		s.Add(k)
	}
	return s
}

// Has reports whether k was added.
func (s *Seen) Has(k string) bool {
	_, ok := s.set[k]
	return ok
}

// Add records k, forgetting the oldest key when the set is full.
func (s *Seen) Add(k string) {
	if _, ok := s.set[k]; ok {
		return
	}
	s.keys = append(s.keys, k)
	s.set[k] = struct{}{}
	if len(s.keys) > s.cap {
		drop := len(s.keys) - s.cap
		for _, old := range s.keys[:drop] {
			delete(s.set, old)
		}
		s.keys = append(s.keys[:0:0], s.keys[drop:]...)
	}
}

// Keys returns the keys, oldest first.
func (s *Seen) Keys() []string { return s.keys }
