package terms

import "unsafe"

// wordCache holds what words came to (word) for one language and
// goroutine: a two-way set-associative table indexed by the word's FNV
// hash, which the stories need of every word anyway, so a word is hashed
// once for both. A slot is 64 bytes, one cache line, and holds the word's
// analysis itself, so a hit reads one line and follows no pointer (a word
// of over 16 bytes compares its bytes too). A word put in a full set takes
// the first slot, whose word moves to the second. It is not safe for
// concurrent use.
type wordCache struct {
	slots []wordSlot // set i is slots[2i] and slots[2i+1]
	shift uint       // 64 - log2 of the sets: the top bits of a mix pick one
}

type wordSlot struct {
	head, tail uint64 // the word's first 8 and last 8 bytes beyond them
	keyHash    uint64 // of key: keyHash, so that its bytes need not be read
	size       uint32 // len(word) + 1; 0: empty
	brand      int16
	kind       wordKind
	multi      bool
	text       string // the word, compared when over 16 bytes
	key        string // its lemma
}

// newWordCache returns an empty cache of 1<<log slots.
func newWordCache(log uint) *wordCache {
	return &wordCache{slots: make([]wordSlot, 1<<log), shift: 64 - (log - 1)}
}

// set returns the index of the first slot of the set of a word with hash h.
func (c *wordCache) set(h uint64) int {
	return int((h*0x9E3779B97F4A7C15)>>c.shift) * 2
}

// setAddr returns the address of the set of a word with hash h, to
// prefetch.
func (c *wordCache) setAddr(h uint64) uintptr {
	return uintptr(unsafe.Pointer(&c.slots[c.set(h)]))
}

// get returns the analysis of word w with hash h (fnv64), if the cache
// holds it.
func (c *wordCache) get(w string, h uint64) (word, bool) {
	i := c.set(h)
	head, tail, size := headTail(w)
	for _, e := range c.slots[i : i+2] {
		if e.size == size && e.head == head && e.tail == tail && (len(w) <= 16 || e.text == w) {
			return word{key: e.key, keyHash: e.keyHash, wordTags: wordTags{kind: e.kind, multi: e.multi, brand: e.brand}}, true
		}
	}
	return word{}, false
}

// put stores the analysis v of w (hash h), which must not be in the cache
// and must not be a slice of a buffer that is written again.
func (c *wordCache) put(w string, h uint64, v word) {
	i := c.set(h)
	head, tail, size := headTail(w)
	c.slots[i+1] = c.slots[i]
	c.slots[i] = wordSlot{head: head, tail: tail, keyHash: v.keyHash, size: size, brand: v.brand, kind: v.kind, multi: v.multi, text: w, key: v.key}
}

// headTail returns w's first 8 bytes, its last 8 beyond those (0 when it
// has no more) and its length + 1: together they tell apart any two words
// of up to 16 bytes.
func headTail(w string) (head, tail uint64, size uint32) {
	if len(w) >= 8 {
		head = le64(w)
	} else {
		for i := range len(w) {
			head |= uint64(w[i]) << (8 * i)
		}
	}
	if len(w) > 8 {
		tail = le64(w[len(w)-8:])
	}
	return head, tail, uint32(len(w) + 1)
}

// le64 reads s's first 8 bytes as a little-endian integer.
func le64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}
