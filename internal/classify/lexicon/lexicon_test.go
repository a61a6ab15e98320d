package lexicon

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/ewom/ewom/internal/classify/token"
)

// phrase is a test phrase: its group and spelling.
type phrase struct {
	group int
	text  string
}

// Phrases that share first stems across and within groups, phrases of
// several words that share a first stem and differ in the second word's
// first byte (or not), prefixes, a phrase added twice, and multi-byte
// letters.
var testPhrases = []phrase{
	{0, "hyvä"}, {0, "hyvä palvelu"}, {0, "hyvä hinta"}, {0, "hyvä hinta laatu"}, {0, "hyv*"},
	{0, "ei"}, {0, "ei toimi"}, {0, "ei tule"}, {0, "ei toimi*"}, {0, "ei vastaa"},
	{0, "huono*"}, {0, "huono palvelu"}, {0, "not"}, {0, "not good"}, {0, "not great"}, {0, "not good at all"},
	{0, "good"}, {0, "good*"}, {0, "kiitos"}, {0, "kiitos vaan"}, {0, "kiitti vaan"}, {0, "hyvä"},
	{1, "ei"}, {1, "not"}, {1, "but"}, {1, "mutta"}, {1, "very"}, {1, "ei kovin"}, {1, "todella"},
	{2, "tilasin"}, {2, "tilaus*"}, {2, "toimitus"}, {2, "toimi*"}, {2, "hyvä palvelu"}, {2, "ei tule"},
	{2, "palvelu"}, {2, "#mainos"}, {2, "mainos"}, {2, "kiitos tilauksesta"},
}

func newTestMatcher(t *testing.T) (*Matcher[string], []*Inflections) {
	t.Helper()
	infl := []*Inflections{Finnish(), Union(), Union(Finnish(), English())}
	m := NewMatcher[string](infl...)
	for _, p := range testPhrases {
		if err := m.AddTo(p.group, p.text, p.text); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.Build(); err != nil {
		t.Fatal(err)
	}
	return m, infl
}

// naiveBest is the specification Match meets: of a group's phrases that
// match at toks[i] (a first stem the word starts with, followed by an
// ending of the group or anything after a prefix, and the later terms on
// the next words), the one with most terms, then the longest first stem,
// then the first added.
func naiveBest(toks []token.Token, i, group int, infl *Inflections) (text string, n int) {
	if !matchable(toks[i].Kind) {
		return "", 0
	}
	bestStem := 0
	seen := map[string]bool{}
	for _, p := range testPhrases {
		terms, err := parseTerms(p.text)
		if p.group != group || err != nil || seen[p.text] {
			continue
		}
		seen[p.text] = true
		if i+len(terms) > len(toks) {
			continue
		}
		ok := true
		for j, term := range terms {
			tok := toks[i+j]
			ok = ok && matchable(tok.Kind) && termMatches(term, infl, tok.Text)
		}
		if !ok {
			continue
		}
		if len(terms) > n || (len(terms) == n && len(terms[0].stem) > bestStem) {
			text, n, bestStem = p.text, len(terms), len(terms[0].stem)
		}
	}
	return text, n
}

func TestMatchFindsEachGroupsBestPhrase(t *testing.T) {
	m, infl := newTestMatcher(t)
	words := []string{"hyvä", "hyvää", "hyvin", "hinta", "hintaa", "laatu", "palvelu", "palvelua", "ei", "eikä", "toimi",
		"toimitus", "toimituksesta", "tule", "vastaa", "huono", "huonoa", "not", "good", "goods", "great", "at", "all",
		"kiitos", "kiitti", "vaan", "tilasin", "tilauksesta", "mutta", "but", "very", "kovin", "todella", "mainos", "x"}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 3000 {
		var text strings.Builder
		for range 1 + rng.IntN(8) {
			switch r := rng.IntN(10); {
			case r == 0:
				text.WriteString(". ")
			case r == 1:
				text.WriteString("#")
				fallthrough
			default:
				text.WriteString(words[rng.IntN(len(words))] + " ")
			}
		}
		s := text.String()
		toks := token.Append(nil, s, s)
		for i := range toks {
			var hits Hits
			m.Match(toks, i, &hits)
			for g := range infl {
				wantText, wantN := naiveBest(toks, i, g, infl[g])
				var got string
				if e := m.Entry(hits[g]); e != nil {
					got = e.Value
				}
				if got != wantText || int(hits[g].N) != wantN {
					t.Fatalf("%q at token %d, group %d: got %q over %d tokens, want %q over %d", s, i, g, got, hits[g].N, wantText, wantN)
				}
			}
		}
	}
}

// Followers promises that a word followed by a word starting with none of
// them has the hits it has alone, wherever it stands.
func TestFollowersBoundContext(t *testing.T) {
	m, _ := newTestMatcher(t)
	words := []string{"hyvä", "hyvää", "hinta", "laatu", "palvelu", "ei", "eikä", "toimi", "tule", "vastaa", "huono",
		"not", "notes", "good", "great", "at", "all", "kiitos", "vaan", "tilauksesta", "kovin", "mainos", "x", "ääni", "5"}
	rng := rand.New(rand.NewPCG(3, 4))
	checked := 0
	for range 3000 {
		var text strings.Builder
		for range 2 + rng.IntN(6) {
			text.WriteString(words[rng.IntN(len(words))] + " ")
		}
		s := text.String()
		toks := token.Append(nil, s, s)
		for i := range toks {
			if toks[i].Kind != token.Word || m.Followers(toks[i].Text).Has(NextByte(toks, i)) {
				continue
			}
			var inPlace, alone Hits
			m.Match(toks, i, &inPlace)
			m.Match(toks[i:i+1], 0, &alone)
			if inPlace != alone {
				t.Fatalf("%q at token %d: hits %v, alone %v, though %q follows none of its phrases", s, i, inPlace, alone, toks[i+1].Text)
			}
			checked++
		}
	}
	if f := m.Followers("hyvä"); !f.Has('p') || !f.Has('h') || f.Has('x') {
		t.Errorf("followers of hyvä: %b, want p and h (palvelu, hinta) and not x", f)
	}
	if checked == 0 {
		t.Fatal("no word checked")
	}
}

func TestAddAfterBuildFails(t *testing.T) {
	m, _ := newTestMatcher(t)
	if err := m.Add("uusi", "uusi"); err == nil {
		t.Error("Add after Build: no error")
	}
	if err := m.Build(); err == nil {
		t.Error("second Build: no error")
	}
}
