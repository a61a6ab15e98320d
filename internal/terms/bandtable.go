package terms

import (
	"os"
	"unsafe"
)

// bandTable maps band hashes to stories for Stories: open addressing with
// linear probing, made at its full size (twice the slots of the most band
// hashes it is to hold, so at most half full) and emptied for reuse
// (reset) rather than grown or made again: a growing table's rehashing,
// and the whole hashes it had to keep for it, were a third of a new
// post's story assignment, and a new generation's table 8 MB to allocate.
// A slot is 8 bytes — the band hash's top 32 bits (its fingerprint) and
// the index + 1 of its story in stories (0: an empty slot) — so that a
// cache line holds 8 slots. Band hashes are mixed already, so their low
// bits pick a slot, and a mention's ten can be prefetched (slotAddrs)
// before they are looked up. Two band hashes with the same fingerprint in
// one run of slots are taken for one: with fingerprints of 32 bits and
// runs of one or two slots, a look-up matches another band with a
// probability of some 2^-32 a slot compared: a mention's 20 look-ups, one
// in 100 million mentions or fewer. It is not safe for concurrent use.
type bandTable struct {
	slots   []uint64 // fingerprint<<32 | story index + 1
	stories []uint64 // the stories the slots name
	n       int      // the band hashes held
}

// newBandTable returns an empty table to hold at most most band hashes.
func newBandTable(most int) *bandTable {
	n := 1
	for n < 2*most {
		n *= 2
	}
	t := &bandTable{slots: make([]uint64, n)}
	// Memory fresh from the system is mapped at the first access to each
	// page, a page fault of some µs: 4,096 of them for a table of 8 MB.
	// Written to once now, its pages are mapped before any mention is
	// assigned, rather than by the first mentions (1.2 µs a mention over
	// a new index's first 7,000, BenchmarkWorkerSpeedWithTerms).
	for i := 0; i < n; i += max(os.Getpagesize()/8, 1) {
		t.slots[i] = 0
	}
	return t
}

// len is the number of band hashes held.
func (t *bandTable) len() int { return t.n }

// reset empties the table.
func (t *bandTable) reset() {
	clear(t.slots)
	t.stories, t.n = t.stories[:0], 0
}

// slotAddrs sets addrs[i] to the address of the first slot band hash
// keys[i] is looked for in, to prefetch.
func (t *bandTable) slotAddrs(addrs []uintptr, keys *[bands]uint64) {
	mask := uint64(len(t.slots) - 1)
	for i, k := range keys {
		addrs[i] = uintptr(unsafe.Pointer(&t.slots[k&mask]))
	}
}

// get returns the story of band hash k, if the table holds it.
func (t *bandTable) get(k uint64) (uint64, bool) {
	mask := len(t.slots) - 1
	fp := k >> 32
	for i := int(k) & mask; ; i = (i + 1) & mask {
		s := t.slots[i]
		if s == 0 {
			return 0, false
		}
		if s>>32 == fp {
			return t.stories[uint32(s)-1], true
		}
	}
}

// add sets the story of band hash k, unless the table holds k already;
// the table must hold fewer than the most it was made for. *idx is the
// index + 1 of story in t.stories, 0 until add first stores it there: a
// mention's bands take one entry.
func (t *bandTable) add(k, story uint64, idx *uint32) {
	mask := len(t.slots) - 1
	fp := k >> 32
	for i := int(k) & mask; ; i = (i + 1) & mask {
		s := t.slots[i]
		if s == 0 {
			if *idx == 0 {
				t.stories = append(t.stories, story)
				*idx = uint32(len(t.stories))
			}
			t.slots[i] = fp<<32 | uint64(*idx)
			t.n++
			return
		}
		if s>>32 == fp {
			return
		}
	}
}
