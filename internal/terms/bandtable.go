package terms

// bandTable maps band hashes to stories for Stories: open addressing with
// linear probing, grown at half full. A slot is 8 bytes — the band hash's
// top 32 bits (its fingerprint) and the index + 1 of its story in stories
// (0: an empty slot) — so that a cache line holds 8 slots and the table
// half the bytes of one holding whole hashes and stories. Band hashes are
// mixed already, so their low bits pick a slot, and a mention's ten can
// be read in one go (touch) before they are looked up. Two band hashes
// with the same fingerprint in one run of slots are taken for one: with
// fingerprints of 32 bits and runs of one or two slots (the table is at
// most half full), a look-up matches another band with a probability of
// some 2^-32 a slot compared: a mention's 20 look-ups, one in 100 million
// mentions or fewer. While the table may still grow, the whole hashes are
// kept apart, in the order they were added (written one after another,
// read only to grow it); a table of twice the slots of the most hashes it
// is to hold (Stories' tables after the first) keeps none. It is not safe
// for concurrent use.
type bandTable struct {
	slots   []uint64 // fingerprint<<32 | story index + 1
	stories []uint64 // the stories the slots name
	n       int      // the band hashes held
	most    int      // the most it is to hold
	keys    []uint64 // the band hashes held, as added, while it may grow
	vals    []uint32 // their slots' low halves (story index + 1)
}

// minBandSlots are a new table's slots.
const minBandSlots = 1 << 10

// newBandTable returns an empty table of at least slots slots, to hold at
// most most band hashes (more make it grow, but only as far as the hashes
// it keeps allow: the table must be at most half full).
func newBandTable(slots, most int) *bandTable {
	n := minBandSlots
	for n < slots {
		n *= 2
	}
	return &bandTable{slots: make([]uint64, n), most: most}
}

// growable reports whether the table may still grow, holding its most.
func (t *bandTable) growable() bool { return 2*t.most > len(t.slots) }

// len is the number of band hashes held.
func (t *bandTable) len() int { return t.n }

// touch reads the first slots of keys and returns their sum, for the
// caller to keep: the memory accesses overlap, and the look-ups after
// find the slots in the processor's cache.
func (t *bandTable) touch(keys *[bands]uint64) uint64 {
	var sum uint64
	mask := uint64(len(t.slots) - 1)
	for _, k := range keys {
		sum += t.slots[k&mask]
	}
	return sum
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

// add sets the story of band hash k, unless the table holds k already.
// *idx is the index + 1 of story in t.stories, 0 until add first stores
// it there: a mention's bands take one entry.
func (t *bandTable) add(k, story uint64, idx *uint32) {
	if 2*(t.n+1) > len(t.slots) {
		t.grow()
	}
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
			if t.growable() {
				t.keys, t.vals = append(t.keys, k), append(t.vals, *idx)
			}
			return
		}
		if s>>32 == fp {
			return
		}
	}
}

// grow doubles the slots, placing the band hashes again from keys (a
// slot does not hold its hash's low bits, which pick its slot). It panics
// if the table holds more than it keeps the hashes of.
func (t *bandTable) grow() {
	if len(t.keys) != t.n {
		panic("terms: a band table grew past the most it was to hold")
	}
	t.slots = make([]uint64, 2*len(t.slots))
	mask := len(t.slots) - 1
	for j, k := range t.keys {
		i := int(k) & mask
		for t.slots[i] != 0 {
			i = (i + 1) & mask
		}
		t.slots[i] = k>>32<<32 | uint64(t.vals[j])
	}
	if !t.growable() {
		t.keys, t.vals = nil, nil
	}
}
