package terms

import (
	"fmt"
	"math"
	"testing"
)

// shinglePair returns the word hashes of two texts whose 3-shingle sets
// have a Jaccard similarity of exactly (s-2)/(s+2x-2): both are the same s
// words followed by x words of their own (all the words distinct, so every
// shingle is), seed making the words of each pair their own.
func shinglePair(s, x int, seed uint64) (a, b []uint64) {
	word := func(i int) uint64 { return mix64(seed<<20 | uint64(i)) }
	for i := range s {
		a, b = append(a, word(i)), append(b, word(i))
	}
	for i := range x {
		a, b = append(a, word(s+i)), append(b, word(s+x+i))
	}
	return a, b
}

// shareBand reports whether two texts share a band.
func shareBand(a, b []uint64) bool {
	ka, _ := bandKeys(a)
	kb, _ := bandKeys(b)
	for i := range ka {
		if ka[i] == kb[i] {
			return true
		}
	}
	return false
}

// TestStoryQuality measures how often two texts of a Jaccard similarity of
// 0.3, 0.5 and 0.8 share a band, for pairs of 10 to 400 shingles in all,
// against what the banding promises for independent MinHash functions
// (1-(1-J⁵)¹⁰: 2.4 %, 27.2 %, 98.1 %), which the one-permutation signature
// must keep within a few points: -v prints the rates (Stories' doc).
func TestStoryQuality(t *testing.T) {
	const trials = 10000
	for _, union := range []int{10, 20, 40, 100, 400} {
		line := fmt.Sprintf("%3d shingles:", union)
		for _, j := range []float64{0.3, 0.5, 0.8} {
			// s-2 shared of s+2x-2 in all.
			shared := int(j*float64(union) + 0.5)
			x := (union - shared) / 2
			s := shared + 2
			got := float64(s-2) / float64(s+2*x-2)
			n := 0
			for k := range trials {
				a, b := shinglePair(s, x, uint64(k)+uint64(union)<<32)
				if shareBand(a, b) {
					n++
				}
			}
			rate := float64(n) / trials
			line += fmt.Sprintf("  J %.2f: %5.1f %%", got, 100*rate)
			// The promise at the pair's own similarity, 10 shingles being
			// a little off the targets.
			want := 1 - math.Pow(1-math.Pow(got, rowsPerBand), bands)
			if math.Abs(rate-want) > 0.03 {
				t.Errorf("%d shingles, J %.2f: %.1f %% share a band, want %.1f %%", union, got, 100*rate, 100*want)
			}
		}
		t.Log(line)
	}
}
