package terms

// prefixes is a set of the first two bytes of strings, a bit each (8 KB):
// the words the lemmatiser and the brand index look up by their
// beginnings (w[:n] for every n, and so for every ending of a compound)
// mostly begin otherwise than any key, and one read of the set tells so
// before the map look-ups. A word the dictionaries have never met is
// analysed once and cached, but a deployment meets new words all the time
// (BenchmarkWorkerSpeedWithTerms/distinct).
type prefixes [1 << 16 / 64]uint64

// add adds the first two bytes of s, which must have two.
func (p *prefixes) add(s string) { p.set(two(s)) }

// has reports whether some string added began as s does; s must have two
// bytes.
func (p *prefixes) has(s string) bool { return p.get(two(s)) }

// add3 adds the first three bytes of s, which must have three, to a set
// of those (hashed into the same 65,536 bits; has3 reads it).
func (p *prefixes) add3(s string) { p.set(three(s)) }

// has3 reports whether some string added by add3 may begin as s does; s
// must have three bytes.
func (p *prefixes) has3(s string) bool { return p.get(three(s)) }

func (p *prefixes) set(i uint)      { p[i/64] |= 1 << (i % 64) }
func (p *prefixes) get(i uint) bool { return p[i/64]&(1<<(i%64)) != 0 }

// two is the first two bytes of s, as 16 bits.
func two(s string) uint { return uint(s[0])<<8 | uint(s[1]) }

// three hashes the first three bytes of s into 16 bits.
func three(s string) uint {
	return uint((uint32(s[0])|uint32(s[1])<<8|uint32(s[2])<<16)*0x9E3779B1) >> 16
}
