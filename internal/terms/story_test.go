package terms

import (
	"fmt"
	"math/bits"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/ewom/ewom/internal/classify/token"
)

// refStories is the story index as it was with Go maps, the reference
// for bandTable.
type refStories struct {
	cur, prev map[uint64]uint64
	maxBands  int
}

func (s *refStories) assign(id string, words []uint64) uint64 {
	keys, ok := bandKeys(words)
	if !ok {
		return keys[0]
	}
	story := fnv64(id)
	for _, k := range keys {
		if st, ok := s.cur[k]; ok {
			story = st
			break
		}
		if st, ok := s.prev[k]; ok {
			story = st
			break
		}
	}
	if len(s.cur)+bands > s.maxBands {
		s.prev, s.cur = s.cur, make(map[uint64]uint64, len(s.cur))
	}
	for _, k := range keys {
		if _, ok := s.cur[k]; !ok {
			s.cur[k] = story
		}
	}
	return story
}

// TestStoriesAsMaps assigns the classifier's labelled mentions, each
// followed by two copies with a word or two added, to a story index
// small enough to turn over its generations every few mentions (its
// tables emptied for reuse), and to the reference with maps: the stories are the
// same, and copies joined stories.
func TestStoriesAsMaps(t *testing.T) {
	texts := labelledTexts(t)
	for _, maxBands := range []int{100, 3000, defaultMaxBands} {
		s := newStories(maxBands)
		ref := &refStories{cur: map[uint64]uint64{}, prev: map[uint64]uint64{}, maxBands: maxBands}
		joined := 0
		var tx token.Text
		for i, text := range texts {
			for pass, edit := range []string{"", " vielä kerran", " again!"} {
				id := fmt.Sprintf("%d/%d", pass, i)
				tx.Read("", text+edit)
				words := appendWordHashes(nil, tx.Tokens)
				keys, ok := bandKeys(words)
				got, gotJoined := s.assign(id, &keys, ok)
				want := ref.assign(id, words)
				if got != want || gotJoined != (want != fnv64(id)) {
					t.Fatalf("maxBands %d, pass %d, text %d: story %x (joined %t), want %x", maxBands, pass, i, got, gotJoined, want)
				}
				if got != fnv64(id) && len(words) >= minShingleWords {
					joined++
				}
			}
		}
		if joined < len(texts) {
			t.Errorf("maxBands %d: %d of %d mentions joined a story", maxBands, joined, 3*len(texts))
		}
	}
}

// TestBandTable fills a table with the most band hashes it is made for,
// 0 among them, and reads them back; a hash added again keeps its first
// story; an emptied table holds none of them.
func TestBandTable(t *testing.T) {
	const n = 5000
	tb := newBandTable(n)
	for k := range uint64(n) {
		var idx, again uint32
		tb.add(k*0x9E3779B97F4A7C15, k+1, &idx)
		tb.add(k*0x9E3779B97F4A7C15, 7, &again) // kept as it was
	}
	if tb.len() != n || len(tb.slots) < 2*n {
		t.Fatalf("%d hashes in %d slots, want %d", tb.len(), len(tb.slots), n)
	}
	for k := range uint64(n) {
		if st, ok := tb.get(k * 0x9E3779B97F4A7C15); !ok || st != k+1 {
			t.Fatalf("hash %d: story %d %v, want %d", k, st, ok, k+1)
		}
	}
	if _, ok := tb.get(12345); ok {
		t.Error("a hash never added was found")
	}
	tb.reset()
	if _, ok := tb.get(0x9E3779B97F4A7C15); ok || tb.len() != 0 || len(tb.stories) != 0 {
		t.Errorf("an emptied table holds %d hashes, %d stories", tb.len(), len(tb.stories))
	}
}

// TestBandKeysAsDefined checks bandKeys against one-permutation MinHash
// written out plainly (the shingles sorted into their bins, each bin's
// least hash, an empty bin the value of the first filled bin of the first
// of its densify groups that has one, counting from the group's from bin
// around), for texts of every length from none to 300 words, and that
// each bin's densify groups hold every other bin once, seven each.
func TestBandKeysAsDefined(t *testing.T) {
	for i, groups := range densify {
		var all uint64
		for _, g := range groups {
			if g.bins&all != 0 || bits.OnesCount64(g.bins) != (signatureLen-1)/densifyGroups {
				t.Fatalf("bin %d: densify groups %v overlap or are uneven", i, groups)
			}
			all |= g.bins
		}
		if all != (1<<signatureLen-1)&^(1<<i) {
			t.Fatalf("bin %d: densify groups %v are not every other bin", i, groups)
		}
	}
	words := make([]uint64, 300)
	for i := range words {
		words[i] = mix64(uint64(i) + 1)
	}
	for n := range len(words) + 1 {
		w := words[:n]
		var want [bands]uint64
		if n < minShingleWords {
			h := uint64(n)
			for _, v := range w {
				h = mix64(h*31 + v)
			}
			want[0] = h
		} else {
			bins := make([][]uint64, signatureLen)
			for i := 0; i+shingleWords <= n; i++ {
				h := mix64(w[i]*0x9E3779B97F4A7C15 + w[i+1]*0xD6E8FEB86659FD93 + w[i+2])
				b := h >> 32 * signatureLen >> 32
				bins[b] = append(bins[b], h)
			}
			var sig [signatureLen]uint64
			for i := range sig {
				src := bins[i]
				for k := 0; len(src) == 0; k++ {
					g := densify[i][k/64]
					if j := (g.from + k) % 64; g.bins&(1<<j) != 0 {
						src = bins[j]
					}
				}
				sig[i] = slices.Min(src)
			}
			for i := range want {
				h := uint64(i) + 1
				for j := range rowsPerBand {
					h += sig[i*rowsPerBand+j] * rowMul[j]
				}
				want[i] = mix64(h)
			}
		}
		if got, ok := bandKeys(w); got != want || ok != (n >= minShingleWords) {
			t.Fatalf("%d words: bands %x %v, want %x", n, got, ok, want)
		}
	}
}

// labelledTexts returns the texts of the classifier's labelled mentions
// (internal/classify/testdata/mentions.tsv).
func labelledTexts(tb testing.TB) []string {
	tb.Helper()
	data, err := os.ReadFile("../classify/testdata/mentions.tsv")
	if err != nil {
		tb.Fatal(err)
	}
	var texts []string
	for line := range strings.Lines(string(data)) {
		if f := strings.Split(strings.TrimSuffix(line, "\n"), "\t"); len(f) == 11 && !strings.HasPrefix(line, "#") {
			texts = append(texts, f[10])
		}
	}
	return texts
}
