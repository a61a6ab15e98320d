package forum

import "slices"

// cursor is what a forum source keeps between passes: the posts already
// stored, the validators of the pages it read (for conditional requests)
// and where each thread is to be read from next. All three are bounded;
// the least recently used entries are forgotten first.
type cursor struct {
	// Seen are short keys of the posts stored (or found unreadable),
	// oldest first.
	Seen []string `json:"seen,omitempty"`
	// Pages are the pages that sent an ETag or Last-Modified, least
	// recently used first.
	Pages []pageState `json:"pages,omitempty"`
	// Threads are the threads read, least recently used first.
	Threads []threadState `json:"threads,omitempty"`
}

// pageState is what a 304 Not Modified stands for: the validators to send
// and the links the unchanged page holds.
type pageState struct {
	URL          string `json:"url"`
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
	Next         string `json:"next,omitempty"`
	Canonical    string `json:"canonical,omitempty"`
}

// threadState is a thread by the link it was reached with (Entry): its URL
// when the page named a canonical one, and the page to read first on the
// next pass when that is not the first (its last page, where new posts
// appear, or the page a page cap stopped before).
type threadState struct {
	Entry  string `json:"entry"`
	URL    string `json:"url,omitempty"`
	Resume string `json:"resume,omitempty"`
}

// lru is a bounded map that forgets its least recently used entries. Its
// order survives a restart through the cursor's slices.
type lru[T any] struct {
	key   func(T) string
	m     map[string]T
	order []string // least recently used first
	limit int
}

func newLRU[T any](items []T, limit int, key func(T) string) *lru[T] {
	l := &lru[T]{key: key, m: make(map[string]T, len(items)), limit: limit}
	for _, it := range items {
		l.put(it)
	}
	return l
}

// get returns the entry for k and marks it used.
func (l *lru[T]) get(k string) (T, bool) {
	v, ok := l.m[k]
	if ok {
		l.touch(k)
	}
	return v, ok
}

// put adds or replaces an entry, forgetting the least recently used one
// when full.
func (l *lru[T]) put(v T) {
	k := l.key(v)
	if _, ok := l.m[k]; ok {
		l.touch(k)
	} else {
		l.order = append(l.order, k)
	}
	l.m[k] = v
	for len(l.order) > l.limit {
		delete(l.m, l.order[0])
		l.order = l.order[1:]
	}
}

func (l *lru[T]) touch(k string) {
	if i := slices.Index(l.order, k); i >= 0 && i != len(l.order)-1 {
		l.order = append(slices.Delete(l.order, i, i+1), k)
	}
}

// items returns the entries, least recently used first.
func (l *lru[T]) items() []T {
	out := make([]T, len(l.order))
	for i, k := range l.order {
		out[i] = l.m[k]
	}
	return out
}
