package strtab

// Cache is a two-way set-associative cache with string keys: a key's hash
// picks a set of two slots, each holding a key, its head and tail (first
// and last 8 bytes) and its value in the slot itself, so that a hit on a
// key of up to 16 bytes reads one set and nothing else (a longer key
// compares its bytes as well). A key put in a full set takes its first
// slot, whose key moves to the second. It suits what is looked up for every
// word of every post: the words' analyses of internal/terms. It is not
// safe for concurrent use.
type Cache[V any] struct {
	sets  [][2]cacheSlot[V]
	shift uint // 64 - log2(len(sets)): a hash's top bits pick the set
}

type cacheSlot[V any] struct {
	head, tail uint64
	size       uint32 // key length + 1; 0 marks an empty slot
	key        string // compared only when longer than 16 bytes
	val        V
}

// NewCache returns an empty cache of 1<<log slots.
func NewCache[V any](log uint) *Cache[V] {
	log = max(log, 1)
	return &Cache[V]{sets: make([][2]cacheSlot[V], 1<<(log-1)), shift: 64 - (log - 1)}
}

// Ref returns the value last put under key s, to read or change in
// place, or nil if the cache no longer holds it. It is valid until the
// next Put.
func (c *Cache[V]) Ref(s string) *V {
	head, h := hash(s)
	set := &c.sets[h>>c.shift&uint64(len(c.sets)-1)]
	size, tail := uint32(len(s)+1), tailOf(s)
	for i := range set {
		if e := &set[i]; e.size == size && e.head == head && e.tail == tail && (len(s) <= 16 || e.key == s) {
			return &e.val
		}
	}
	return nil
}

// Put stores v under key s, which must not be in the cache. The cache
// keeps a key longer than 16 bytes: it must not be a slice of a buffer
// that is written again. A shorter key is told apart by its head, tail
// and length alone, so it is not kept (nor the text it is a slice of).
func (c *Cache[V]) Put(s string, v V) {
	head, h := hash(s)
	set := &c.sets[h>>c.shift&uint64(len(c.sets)-1)]
	set[1] = set[0]
	set[0] = cacheSlot[V]{head: head, tail: tailOf(s), size: uint32(len(s) + 1), val: v}
	if len(s) > 16 {
		set[0].key = s
	}
}

// tailOf is s's last 8 bytes beyond its head (0 for keys of up to 8 bytes,
// which the head tells apart), so that head, tail and length tell apart
// any two keys of up to 16 bytes.
func tailOf(s string) uint64 {
	if len(s) <= 8 {
		return 0
	}
	return le64(s[len(s)-8:])
}
