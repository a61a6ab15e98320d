package classify

import (
	"slices"
	"strings"
	"testing"
)

// The automaton must report exactly the occurrences a substring search at
// every position finds, overlapping ones and patterns inside patterns too.
func FuzzBrandIndexFindsEveryOccurrence(f *testing.F) {
	f.Add("finnair finnairin finnair-kone", "finnair", "finnairi", "air")
	f.Add("aaaa", "aa", "a", "aaa")
	f.Add("tietokonekoijarite koijarit", "tietokonekoijarit", "koijarite", "koijarit")
	f.Fuzz(func(t *testing.T, text, p1, p2, p3 string) {
		var patterns []brandPattern
		for _, p := range []string{p1, p2, p3} {
			if p != "" && !slices.ContainsFunc(patterns, func(q brandPattern) bool { return q.text == p }) {
				patterns = append(patterns, brandPattern{text: p})
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
		for bi, group := range [][]brandPattern{patterns[:len(patterns)/2], patterns[len(patterns)/2:]} {
			for pi, p := range group {
				var want []int32
				for i := 0; i+len(p.text) <= len(text); i++ {
					if strings.HasPrefix(text[i:], p.text) {
						want = append(want, int32(i))
					}
				}
				ref := patternRef{brand: int32(bi), pattern: int32(pi), length: int32(len(p.text))}
				if !slices.Equal(got[ref], want) {
					t.Fatalf("pattern %q in %q: automaton %v, search %v", p.text, text, got[ref], want)
				}
			}
		}
	})
}

// patternText is the text of the pattern ref names, the patterns being split
// between two brands as in the fuzz test.
func patternText(ref patternRef, all []brandPattern) string {
	return all[int(ref.pattern)+int(ref.brand)*(len(all)/2)].text
}
