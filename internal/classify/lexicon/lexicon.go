// Package lexicon matches words and multi-word phrases against token
// streams, tolerating inflection: a term is a stem that may be followed by
// an inflection ending of the language, or a prefix ("huono*") that may be
// followed by anything.
package lexicon

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/ewom/ewom/internal/classify/token"
)

// term is one word of a phrase.
type term struct {
	stem   string
	prefix bool // "stem*": any continuation matches
}

// Entry is one phrase with its payload.
type Entry[T any] struct {
	Phrase string // as written in the source list
	terms  []term
	Value  T
}

// Matcher finds the longest phrase at a token position.
type Matcher[T any] struct {
	byStem  map[string][]int // first term's stem -> entry indexes
	entries []Entry[T]
	infl    *Inflections
	minStem int // shortest stem in bytes, bounds the prefix scan
}

// NewMatcher returns an empty matcher using the given inflections.
func NewMatcher[T any](infl *Inflections) *Matcher[T] {
	return &Matcher[T]{byStem: map[string][]int{}, infl: infl, minStem: 1 << 30}
}

// Add registers a phrase: space-separated terms, each optionally ending in
// '*'. A phrase added again replaces the earlier payload (later lists
// override earlier ones).
func (m *Matcher[T]) Add(phrase string, v T) error {
	fields := strings.Fields(strings.ToLower(phrase))
	if len(fields) == 0 {
		return fmt.Errorf("empty phrase")
	}
	terms := make([]term, len(fields))
	for i, f := range fields {
		stem, prefix := strings.CutSuffix(f, "*")
		if stem == "" {
			return fmt.Errorf("phrase %q: bare '*'", phrase)
		}
		terms[i] = term{stem: stem, prefix: prefix}
	}
	key := terms[0].stem
	for _, idx := range m.byStem[key] {
		if sameTerms(m.entries[idx].terms, terms) {
			m.entries[idx].Value = v
			m.entries[idx].Phrase = phrase
			return nil
		}
	}
	m.entries = append(m.entries, Entry[T]{Phrase: phrase, terms: terms, Value: v})
	m.byStem[key] = append(m.byStem[key], len(m.entries)-1)
	m.minStem = min(m.minStem, len(key))
	return nil
}

func sameTerms(a, b []term) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Len reports the number of phrases.
func (m *Matcher[T]) Len() int { return len(m.entries) }

// Match finds the best phrase starting at toks[i]: the one with most terms,
// then the longest first stem. n is the number of tokens it spans.
func (m *Matcher[T]) Match(toks []token.Token, i int) (e *Entry[T], n int) {
	w := toks[i].Text
	if !matchable(toks[i].Kind) {
		return nil, 0
	}
	bestStem := 0
	for k := len(w); k >= m.minStem; k-- {
		if k < len(w) && !utf8.RuneStart(w[k]) {
			continue
		}
		ids, ok := m.byStem[w[:k]]
		if !ok {
			continue
		}
		for _, id := range ids {
			cand := &m.entries[id]
			if !m.termMatches(cand.terms[0], w) || !m.restMatches(cand.terms[1:], toks, i+1) {
				continue
			}
			if len(cand.terms) > n || (len(cand.terms) == n && k > bestStem) {
				e, n, bestStem = cand, len(cand.terms), k
			}
		}
	}
	return e, n
}

func matchable(k token.Kind) bool { return k == token.Word || k == token.Hashtag || k == token.Number }

func (m *Matcher[T]) restMatches(terms []term, toks []token.Token, i int) bool {
	if i+len(terms) > len(toks) {
		return false
	}
	for j, t := range terms {
		tok := toks[i+j]
		if !matchable(tok.Kind) || !m.termMatches(t, tok.Text) {
			return false
		}
	}
	return true
}

func (m *Matcher[T]) termMatches(t term, w string) bool {
	rest, ok := strings.CutPrefix(w, t.stem)
	return ok && (t.prefix || m.infl.Has(rest))
}
