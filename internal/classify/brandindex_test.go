package classify

import (
	"slices"
	"strings"
	"testing"

	"github.com/ewom/ewom/internal/classify/morph"
)

// The automaton must report exactly the occurrences a substring search at
// every position finds, overlapping ones and patterns inside patterns too.
func FuzzBrandIndexFindsEveryOccurrence(f *testing.F) {
	f.Add("finnair finnairin finnair-kone", "finnair", "finnairi", "air")
	f.Add("aaaa", "aa", "a", "aaa")
	f.Add("tietokonekoijarite koijarit", "tietokonekoijarit", "koijarite", "koijarit")
	f.Fuzz(func(t *testing.T, text, p1, p2, p3 string) {
		var patterns []morph.Pattern
		for _, p := range []string{p1, p2, p3} {
			if p != "" && !slices.ContainsFunc(patterns, func(q morph.Pattern) bool { return q.Text == p }) {
				patterns = append(patterns, morph.Exact(p))
			}
		}
		ix := newBrandIndex([]*brandMatcher{{patterns: patterns[:len(patterns)/2]}, {patterns: patterns[len(patterns)/2:]}})
		got := map[patternRef][]int32{}
		for _, h := range ix.scan(text, nil) {
			if string(text[h.start:h.end]) != patternText(h.patternRef, patterns) {
				t.Fatalf("hit %+v is %q", h, text[h.start:h.end])
			}
			got[h.patternRef] = append(got[h.patternRef], h.start)
		}
		for bi, group := range [][]morph.Pattern{patterns[:len(patterns)/2], patterns[len(patterns)/2:]} {
			for pi, p := range group {
				var want []int32
				for i := 0; i+len(p.Text) <= len(text); i++ {
					if strings.HasPrefix(text[i:], p.Text) {
						want = append(want, int32(i))
					}
				}
				ref := patternRef{brand: int32(bi), pattern: int32(pi), length: int32(len(p.Text))}
				if !slices.Equal(got[ref], want) {
					t.Fatalf("pattern %q in %q: automaton %v, search %v", p.Text, text, got[ref], want)
				}
			}
		}
	})
}

// patternText is the text of the pattern ref names, the patterns being split
// between two brands as in the fuzz test.
func patternText(ref patternRef, all []morph.Pattern) string {
	return all[int(ref.pattern)+int(ref.brand)*(len(all)/2)].Text
}
