package terms

import (
	"strings"
	"testing"
	"unsafe"
)

// TestWordCache puts words of every length up to 40 bytes, among them
// long ones that differ only in the middle, into a cache large enough to
// hold them and reads them back; a slot is one 64-byte cache line.
func TestWordCache(t *testing.T) {
	if n := unsafe.Sizeof(wordSlot{}); n != 64 {
		t.Errorf("a slot takes %d bytes, want 64", n)
	}
	c := newWordCache(12)
	var words []string
	for n := 1; n <= 40; n++ {
		for _, mid := range "abc" {
			b := []byte(strings.Repeat("x", n))
			b[n/2] = byte(mid)
			words = append(words, string(b))
		}
	}
	for i, w := range words {
		if _, ok := c.get(w, fnv64(w)); ok {
			t.Fatalf("%q found before it was put", w)
		}
		c.put(w, fnv64(w), word{key: w + "-lemma", keyHash: uint64(i), wordTags: wordTags{brand: int16(i)}})
	}
	found := 0
	for i, w := range words {
		v, ok := c.get(w, fnv64(w))
		if ok {
			found++
			if v.key != w+"-lemma" || v.keyHash != uint64(i) || v.brand != int16(i) {
				t.Errorf("%q: got %+v", w, v)
			}
		}
	}
	// 120 words in 2,048 sets of two: a set a third word evicted from is
	// rare.
	if found < len(words)-2 {
		t.Errorf("%d of %d words found", found, len(words))
	}
}
