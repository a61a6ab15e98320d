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

// Matcher finds the longest phrase at a token position. First-term stems
// live in a byte trie, so finding every stem that prefixes a word is one
// walk over the word instead of a map lookup per prefix length.
type Matcher[T any] struct {
	root    [256]int32 // the root's children by byte (0 = none); the widest node
	nodes   []trieNode
	entries []Entry[T]
	infl    *Inflections
}

// trieNode is one byte step; entries lists the phrases whose first stem
// ends here.
type trieNode struct {
	edges   []trieEdge
	entries []int
}

type trieEdge struct {
	b    byte
	next int32
}

// NewMatcher returns an empty matcher using the given inflections.
func NewMatcher[T any](infl *Inflections) *Matcher[T] {
	return &Matcher[T]{nodes: make([]trieNode, 1), infl: infl}
}

func (m *Matcher[T]) child(n int32, b byte) int32 {
	if n == 0 {
		if next := m.root[b]; next > 0 {
			return next
		}
		return -1
	}
	for _, e := range m.nodes[n].edges {
		if e.b == b {
			return e.next
		}
	}
	return -1
}

// node returns the trie node for key, creating the path.
func (m *Matcher[T]) node(key string) int32 {
	var n int32
	for i := 0; i < len(key); i++ {
		next := m.child(n, key[i])
		if next < 0 {
			next = int32(len(m.nodes))
			m.nodes = append(m.nodes, trieNode{})
			if n == 0 {
				m.root[key[i]] = next
			} else {
				m.nodes[n].edges = append(m.nodes[n].edges, trieEdge{b: key[i], next: next})
			}
		}
		n = next
	}
	return n
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
	n := m.node(terms[0].stem)
	for _, idx := range m.nodes[n].entries {
		if sameTerms(m.entries[idx].terms, terms) {
			m.entries[idx].Value = v
			m.entries[idx].Phrase = phrase
			return nil
		}
	}
	m.entries = append(m.entries, Entry[T]{Phrase: phrase, terms: terms, Value: v})
	m.nodes[n].entries = append(m.nodes[n].entries, len(m.entries)-1)
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
	var node int32
	for k := 1; k <= len(w); k++ {
		if node = m.child(node, w[k-1]); node < 0 {
			break
		}
		ids := m.nodes[node].entries
		if len(ids) == 0 || (k < len(w) && !utf8.RuneStart(w[k])) {
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
