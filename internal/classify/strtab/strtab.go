// Package strtab is a read-only hash map with string keys, built once from
// a Go map. The classifier looks every word of a text up in word lists
// whose keys are mostly 2-10 bytes; here a lookup hashes at most two 8-byte
// words of the key and compares a key of up to 8 bytes as one integer, with
// the value in the same slot, where a Go map hashes every byte with a
// seeded hash, probes control bytes and calls memequal. A small bit filter
// in front of the slots answers most lookups of absent keys.
package strtab

import (
	"iter"
	"math/bits"
	"slices"
	"strings"
)

// Map is safe for concurrent reads.
type Map[V any] struct {
	slots []slot[V] // open addressing, linear probing, a power of two long
	shift uint      // 64 - log2(len(slots)): a hash's top bits pick the slot
	arena string    // every key's bytes, one after another
	// filter has the bit of every key (a hash's low bits) set. At 4 bits
	// a slot, 8-16 a key, it turns most absent keys away with one read of
	// a bitmap small enough to stay cached, where a slot is often a cache
	// miss between the classifier's other tables.
	filter []uint64
}

type slot[V any] struct {
	head uint64 // the key's head (hash): all of a key of up to 8 bytes
	off  uint32 // the key is arena[off:off+size-1]
	size uint32 // key length + 1; 0 marks an empty slot
	val  V
}

// New builds the map of m's entries.
func New[V any](m map[string]V) *Map[V] {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	// Sorted, so the layout and thus the probe lengths are the same in
	// every process.
	slices.Sort(keys)
	// Less than 0.55 full, so that a miss meets an empty slot soon. (The
	// feature tables of classify, some 4,100 keys, fit 8,192 slots so.)
	log := bits.Len(uint(len(keys) * 20 / 11))
	if len(keys) == 0 {
		log = 0
	}
	t := &Map[V]{slots: make([]slot[V], 1<<log), shift: uint(64 - log), filter: make([]uint64, 1<<max(log-4, 0))}
	var arena strings.Builder
	mask := len(t.slots) - 1
	for _, k := range keys {
		head, h := hash(k)
		t.filter[h/64&uint64(len(t.filter)-1)] |= 1 << (h % 64)
		i := int(h >> t.shift)
		for t.slots[i].size != 0 {
			i = (i + 1) & mask
		}
		t.slots[i] = slot[V]{head: head, off: uint32(arena.Len()), size: uint32(len(k) + 1), val: m[k]}
		arena.WriteString(k)
	}
	t.arena = arena.String()
	return t
}

// Get returns the value of key s.
func (t *Map[V]) Get(s string) (v V, ok bool) {
	head, h := hash(s)
	size := uint32(len(s) + 1)
	if t.filter[h/64&uint64(len(t.filter)-1)]&(1<<(h%64)) == 0 {
		return v, false
	}
	mask := len(t.slots) - 1
	for i := int(h >> t.shift); ; i = (i + 1) & mask {
		e := &t.slots[i]
		if e.size == size && e.head == head && (len(s) <= 8 || t.arena[e.off:e.off+size-1] == s) {
			return e.val, true
		}
		if e.size == 0 {
			return v, false
		}
	}
}

// All yields every key and value, in no particular order.
func (t *Map[V]) All() iter.Seq2[string, V] {
	return func(yield func(string, V) bool) {
		for i := range t.slots {
			e := &t.slots[i]
			if e.size != 0 && !yield(t.arena[e.off:e.off+e.size-1], e.val) {
				return
			}
		}
	}
}

// hash returns s's head, its first 8 bytes as an integer, which for
// strings of up to 8 bytes differs between any two of the same length; and
// a multiply-mix of the head, s's last 8 bytes and its length. One
// function, not two, as it is called for every lookup and neither would
// be inlined.
func hash(s string) (head, h uint64) {
	switch n := len(s); {
	case n >= 8:
		head = le64(s)
	case n >= 4: // the first and last 4 bytes cover all, overlapping
		head = uint64(le32(s)) | uint64(le32(s[n-4:]))<<32
	case n > 0:
		head = uint64(s[0]) | uint64(s[n/2])<<8 | uint64(s[n-1])<<16
	}
	x := head ^ uint64(len(s))<<56
	if len(s) > 8 {
		x ^= bits.RotateLeft64(le64(s[len(s)-8:]), 29)
	}
	hi, lo := bits.Mul64(x^0x9e3779b97f4a7c15, 0xbf58476d1ce4e5b9)
	return head, hi ^ lo
}

// le64 and le32 read little-endian words; the compiler makes each a
// single load.
func le64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

func le32(s string) uint32 {
	_ = s[3]
	return uint32(s[0]) | uint32(s[1])<<8 | uint32(s[2])<<16 | uint32(s[3])<<24
}
