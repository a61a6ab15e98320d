package terms

import (
	"math/bits"
	"sync"

	"github.com/ewom/ewom/internal/classify/token"
)

// Stories groups near-duplicate mentions (copy-paste waves, retellings of
// one article, bot bursts) into stories as they are classified:
// one-permutation MinHash signatures of a text's word 3-shingles
// (bandKeys), banded for locality-sensitive hashing, so that two texts
// whose shingle sets have a Jaccard similarity of 0.8 share a band 97-98 %
// of the time, of 0.5 26-27 %, of 0.3 2 %, as with 50 independent MinHash
// functions (98 %, 27 %, 2.4 %; TestStoryQuality measures both for pairs
// of 10 to 400 shingles). A mention joins the story of the first earlier
// mention it shares a band with; otherwise it starts its own, whose id is
// a hash of its mention id.
//
// The index holds the bands of the most recent mentions (two generations
// of at most maxBands each), in this process: mentions classified by
// different processes, or further apart than the index reaches, start
// stories of their own. Stories is safe for concurrent use.
type Stories struct {
	mu sync.Mutex
	// tables map band hashes to stories: tables[cur] the current
	// generation, the other the one before. The two are made once and
	// never replaced (a new generation empties the older), so that their
	// slots can be prefetched without the lock (readAhead).
	tables   [2]*bandTable
	cur      int
	maxBands int
}

const (
	bands        = 10
	rowsPerBand  = 5
	signatureLen = bands * rowsPerBand
	shingleWords = 3
	// minShingleWords: a text of fewer words is a story by its exact words.
	minShingleWords = 6
	defaultMaxBands = 1 << 19
	// densifyGroups are the groups of bins an empty bin looks through
	// (densify): seven of seven.
	densifyGroups = 7
)

// NewStories returns an empty story index (16 MB: two tables of 2^20
// slots).
func NewStories() *Stories { return newStories(defaultMaxBands) }

// newStories returns an empty story index of generations of at most
// maxBands band hashes.
func newStories(maxBands int) *Stories {
	return &Stories{tables: [2]*bandTable{newBandTable(maxBands), newBandTable(maxBands)}, maxBands: maxBands}
}

// Assign returns the story of a mention with id and text.
func (s *Stories) Assign(id, text string) uint64 {
	tx := texts.Get().(*token.Text)
	defer texts.Put(tx)
	tx.Read("", text)
	var small [64]uint64
	keys, ok := bandKeys(appendWordHashes(small[:0], tx.Tokens))
	story, _ := s.assign(id, &keys, ok)
	return story
}

// appendWordHashes appends the hashes of the tokens stories are made of
// (words, numbers and hashtags) to dst, as Extractor.extract does.
func appendWordHashes(dst []uint64, toks []token.Token) []uint64 {
	for _, t := range toks {
		if t.Kind == token.Word || t.Kind == token.Number || t.Kind == token.Hashtag {
			dst = append(dst, fnv64(t.Text))
		}
	}
	return dst
}

// readAhead prefetches the slots the band hashes keys (bandKeys, ok)
// take in both generations, for assign to find them in the processor's
// cache: called some work before assign, it hides the memory's latency
// (the tables are 8 MB each, a slot read a cache miss mostly).
func (s *Stories) readAhead(keys *[bands]uint64, ok bool) {
	if !ok {
		return
	}
	var addrs [2 * bands]uintptr
	s.tables[0].slotAddrs(addrs[:bands], keys)
	s.tables[1].slotAddrs(addrs[bands:], keys)
	prefetch(addrs[:])
}

// assign returns the story of a mention with id and the band hashes of
// its text's words (bandKeys, ok), and whether it is not the story the
// mention would start (fnv64(id)), hashed once for both.
func (s *Stories) assign(id string, keys *[bands]uint64, ok bool) (story uint64, joined bool) {
	own := fnv64(id) // outside the lock
	if !ok {
		return keys[0], keys[0] != own // the text's exact words
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, prev := s.tables[s.cur], s.tables[1-s.cur]
	story = own
	for _, k := range keys {
		if st, ok := cur.get(k); ok {
			story = st
			break
		}
		if st, ok := prev.get(k); ok {
			story = st
			break
		}
	}
	if cur.len()+bands > s.maxBands {
		s.cur = 1 - s.cur
		cur = s.tables[s.cur]
		cur.reset()
	}
	var idx uint32 // story's in cur, once added
	for _, k := range keys {
		cur.add(k, story, &idx)
	}
	return story, story != own
}

// bandKeys returns the band hashes of the one-permutation MinHash
// signature of a text's word 3-shingles, from its words' hashes; for a
// text of fewer than minShingleWords words, ok is false and keys[0] is a
// hash of its words.
//
// Each shingle is hashed once, and the hash's top bits pick one of the
// signature's bins, which keeps the least hash that falls in it: the cost
// is one hash a shingle, not one a shingle and signature value. Two texts'
// values of a bin both hold the least hash of their union's shingles in
// that bin, and are equal when that shingle is in both, so a bin's values
// are equal with the probability of the texts' Jaccard similarity, as
// MinHash's are. A bin no shingle fell in (a short text leaves most empty)
// takes the value of the first filled bin in an order of its own
// (densify), the same for every text (optimal densification, Shrivastava
// 2017), which keeps that probability.
func bandKeys(words []uint64) (keys [bands]uint64, ok bool) {
	if len(words) < minShingleWords {
		h := uint64(len(words))
		for _, w := range words {
			h = mix64(h*31 + w)
		}
		keys[0] = h
		return keys, false
	}
	// sig's 64 values, of which the first signatureLen are the bins, let
	// an index masked with 63 go unchecked; it starts as a copy of
	// emptySig, not a loop.
	sig := emptySig
	var filled uint64 // bit i: a shingle fell in bin i
	for i := range len(words) - shingleWords + 1 {
		// A sum of the words' products with odd constants tells the
		// shingles apart as well as a hash of each word in turn would,
		// with one mix instead of two in a row.
		h := mix64(words[i]*0x9E3779B97F4A7C15 + words[i+1]*0xD6E8FEB86659FD93 + words[i+2])
		bin := (h >> 32) * signatureLen >> 32
		sig[bin] = min(sig[bin], h)
		filled |= 1 << bin
	}
	for empty := ^filled & (1<<signatureLen - 1); empty != 0; empty &= empty - 1 {
		i := bits.TrailingZeros64(empty)
		for _, g := range &densify[i] {
			if m := bits.RotateLeft64(filled&g.bins, -g.from); m != 0 {
				sig[i] = sig[(bits.TrailingZeros64(m)+g.from)&63]
				break
			}
		}
	}
	// A band's hash is a mix of its values' products with odd constants,
	// as the shingles': the products do not wait on one another (and are
	// summed in any order: the sum wraps around alike).
	for i := range keys {
		v := sig[i*rowsPerBand&63:][:rowsPerBand]
		keys[i] = mix64(uint64(i) + 1 + // bands are separate tables
			v[0]*rowMul[0] + v[1]*rowMul[1] + v[2]*rowMul[2] + v[3]*rowMul[3] + v[4]*rowMul[4])
	}
	return keys, true
}

// emptySig is a signature before any shingle: every value the largest.
var emptySig = func() (sig [64]uint64) {
	for i := range sig {
		sig[i] = ^uint64(0)
	}
	return sig
}()

// rowMul are the odd constants a band's values are multiplied by.
var rowMul = [rowsPerBand]uint64{0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9, 0x94D049BB133111EB, 0xD6E8FEB86659FD93, 0xA0761D6478BD642F}

// densify[i] is the order in which an empty bin i looks for a filled one
// to take the value of: groups of the other bins, made of a fixed random
// permutation (a Fisher-Yates shuffle by splitmix64), whose bits are read
// at once, a group's bins in the order of their numbers from a random one
// on (from), so that no bin is the first of many groups. The order is the
// same for every text, so that the same bins of two texts look alike, and
// a filled bin is always found.
var densify = func() (d [signatureLen][densifyGroups]densifyGroup) {
	x := uint64(0x9E3779B97F4A7C15)
	next := func() uint64 {
		x = mix64(x + 0x9E3779B97F4A7C15)
		return x
	}
	for i := range d {
		others := make([]int, 0, signatureLen-1)
		for j := range signatureLen {
			if j != i {
				others = append(others, j)
			}
		}
		for k := len(others) - 1; k > 0; k-- {
			r := next() % uint64(k+1)
			others[k], others[r] = others[r], others[k]
		}
		for k, j := range others {
			d[i][k*densifyGroups/len(others)].bins |= 1 << j
		}
		for k := range d[i] {
			d[i][k].from = int(next() % 64)
		}
	}
	return d
}()

// densifyGroup is a group of bins (bit j: bin j) an empty bin looks
// through, from bin from on, around.
type densifyGroup struct {
	bins uint64
	from int
}

// mix64 is splitmix64's finaliser.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xBF58476D1CE4E5B9
	x ^= x >> 27
	x *= 0x94D049BB133111EB
	return x ^ x>>31
}

// fnv64 is FNV-1a: the same in every process, so that a story is grouped
// alike by every worker and every run.
func fnv64(s string) uint64 {
	h := fnvOffset
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return h
}

// FNV-1a's 64-bit offset basis and prime.
const (
	fnvOffset uint64 = 14695981039346656037
	fnvPrime  uint64 = 1099511628211
)
