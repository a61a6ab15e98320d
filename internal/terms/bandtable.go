package terms

// bandTable maps band hashes to stories for Stories: open addressing with
// linear probing, grown at half full. Band hashes are mixed already, so
// their low bits pick a slot, and a mention's ten can be read in one go
// (touch) before they are looked up. It is not safe for concurrent use.
type bandTable struct {
	slots []bandSlot // key 0: an empty slot
	n     int
	// zero and zeroStory hold band hash 0, which cannot take a slot.
	zero      bool
	zeroStory uint64
}

type bandSlot struct{ key, story uint64 }

// minBandSlots are a new table's slots.
const minBandSlots = 1 << 10

// newBandTable returns an empty table of at least slots slots.
func newBandTable(slots int) *bandTable {
	n := minBandSlots
	for n < slots {
		n *= 2
	}
	return &bandTable{slots: make([]bandSlot, n)}
}

// len is the number of band hashes held.
func (t *bandTable) len() int { return t.n }

// touch reads the first slots of keys and returns the sum of their keys,
// for the caller to keep: the memory accesses overlap, and the look-ups
// after find the slots in the processor's cache.
func (t *bandTable) touch(keys *[bands]uint64) uint64 {
	var sum uint64
	mask := uint64(len(t.slots) - 1)
	for _, k := range keys {
		sum += t.slots[k&mask].key
	}
	return sum
}

// get returns the story of band hash k, if the table holds it.
func (t *bandTable) get(k uint64) (uint64, bool) {
	if k == 0 {
		return t.zeroStory, t.zero
	}
	mask := len(t.slots) - 1
	for i := int(k) & mask; ; i = (i + 1) & mask {
		switch t.slots[i].key {
		case k:
			return t.slots[i].story, true
		case 0:
			return 0, false
		}
	}
}

// add sets the story of band hash k, unless the table holds k already.
func (t *bandTable) add(k, story uint64) {
	if k == 0 {
		if !t.zero {
			t.zero, t.zeroStory = true, story
			t.n++
		}
		return
	}
	if 2*(t.n+1) > len(t.slots) {
		t.grow()
	}
	mask := len(t.slots) - 1
	for i := int(k) & mask; ; i = (i + 1) & mask {
		switch t.slots[i].key {
		case k:
			return
		case 0:
			t.slots[i] = bandSlot{k, story}
			t.n++
			return
		}
	}
}

// grow doubles the slots.
func (t *bandTable) grow() {
	old := t.slots
	t.slots = make([]bandSlot, 2*len(old))
	mask := len(t.slots) - 1
	for _, e := range old {
		if e.key == 0 {
			continue
		}
		i := int(e.key) & mask
		for t.slots[i].key != 0 {
			i = (i + 1) & mask
		}
		t.slots[i] = e
	}
}
