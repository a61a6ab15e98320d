package terms

import (
	"sync"

	"github.com/ewom/ewom/internal/classify/token"
)

// Stories groups near-duplicate mentions (copy-paste waves, retellings of
// one article, bot bursts) into stories as they are classified: MinHash
// signatures of a text's word 3-shingles, banded for locality-sensitive
// hashing, so that two texts whose shingle sets have a Jaccard similarity
// of 0.8 share a band 98 % of the time, of 0.5 27 %, of 0.3 2 %. A mention
// joins the story of the first earlier mention it shares a band with;
// otherwise it starts its own, whose id is a hash of its mention id.
//
// The index holds the bands of the most recent mentions (two generations
// of at most maxBands each), in this process: mentions classified by
// different processes, or further apart than the index reaches, start
// stories of their own. Stories is safe for concurrent use.
type Stories struct {
	mu        sync.Mutex
	cur, prev *bandTable // band hash → story
	maxBands  int
	touched   uint64 // what bandTable.touch read, kept
}

const (
	bands        = 10
	rowsPerBand  = 5
	signatureLen = bands * rowsPerBand
	shingleWords = 3
	// minShingleWords: a text of fewer words is a story by its exact words.
	minShingleWords = 6
	defaultMaxBands = 1 << 19
)

// mix are the odd multipliers deriving the signature's hash functions from
// one 64-bit shingle hash (h·a_i, then a xor-shift).
var mix = func() (m [signatureLen]uint64) {
	x := uint64(0x9E3779B97F4A7C15)
	for i := range m {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		m[i] = x | 1
	}
	return m
}()

// NewStories returns an empty story index.
func NewStories() *Stories {
	return &Stories{cur: newBandTable(0), prev: newBandTable(0), maxBands: defaultMaxBands}
}

// Assign returns the story of a mention with id and text.
func (s *Stories) Assign(id, text string) uint64 {
	tx := texts.Get().(*token.Text)
	defer texts.Put(tx)
	tx.Read("", text)
	var small [64]uint64
	return s.assign(id, appendWordHashes(small[:0], tx.Tokens))
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

// assign returns the story of a mention with id and the hashes of its
// text's words (appendWordHashes).
func (s *Stories) assign(id string, words []uint64) uint64 {
	keys, ok := bandKeys(words)
	if !ok {
		return keys[0] // the text's exact words
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.touched = s.cur.touch(&keys) + s.prev.touch(&keys)
	story := fnv64(id)
	for _, k := range keys {
		if st, ok := s.cur.get(k); ok {
			story = st
			break
		}
		if st, ok := s.prev.get(k); ok {
			story = st
			break
		}
	}
	if s.cur.len()+bands > s.maxBands {
		s.prev, s.cur = s.cur, newBandTable(len(s.cur.slots))
	}
	for _, k := range keys {
		s.cur.add(k, story)
	}
	return story
}

// bandKeys returns the band hashes of the MinHash signature of a text's
// word 3-shingles, from its words' hashes; for a text of fewer than
// minShingleWords words, ok is false and keys[0] is a hash of its words.
func bandKeys(words []uint64) (keys [bands]uint64, ok bool) {
	if len(words) < minShingleWords {
		h := uint64(len(words))
		for _, w := range words {
			h = mix64(h*31 + w)
		}
		keys[0] = h
		return keys, false
	}
	// The shingles in blocks of four, the last block filled up with the
	// first shingle again, which leaves every minimum as it is.
	n := len(words) - shingleWords + 1
	var small [32][4]uint64
	blocks := small[:0]
	if (n+3)/4 > len(small) {
		blocks = make([][4]uint64, 0, (n+3)/4)
	}
	blocks = blocks[:(n+3)/4]
	for i := range len(blocks) * 4 {
		if i < n {
			blocks[i/4][i%4] = mix64(mix64(words[i]*31+words[i+1])*31 + words[i+2])
		} else {
			blocks[i/4][i%4] = blocks[0][0]
		}
	}
	var sig [signatureLen]uint64
	for j, m := range &mix {
		sig[j] = minHash(blocks, m)
	}
	for i := range keys {
		h := uint64(i) + 1 // bands are separate tables
		for _, v := range sig[i*rowsPerBand : (i+1)*rowsPerBand] {
			h = mix64(h*31 + v)
		}
		keys[i] = h
	}
	return keys, true
}

// minHash returns the least of the shingles' values under the hash
// function of multiplier m (h·m, then a xor-shift), a block of four
// shingles at a time with a minimum each in flight: the multiplier and the
// minima stay in registers, and the loop has no bounds checks.
func minHash(blocks [][4]uint64, m uint64) uint64 {
	a, b, c, d := ^uint64(0), ^uint64(0), ^uint64(0), ^uint64(0)
	for i := range blocks {
		q := &blocks[i]
		v, w, x, y := q[0]*m, q[1]*m, q[2]*m, q[3]*m
		a, b, c, d = min(a, v^v>>29), min(b, w^w>>29), min(c, x^x>>29), min(d, y^y>>29)
	}
	return min(a, b, c, d)
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
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}
