// Package lexicon matches words and multi-word phrases against token
// streams, tolerating inflection: a term is a stem that may be followed by
// an inflection ending of the language, or a prefix ("huono*") that may be
// followed by anything. A matcher holds several groups of phrases, each
// with its own inflections, and finds the best phrase of every group at a
// token in one walk over the word.
package lexicon

import (
	"cmp"
	"fmt"
	"iter"
	"math"
	"math/bits"
	"slices"
	"strings"

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
	group  uint8
	Value  T
}

// Matcher finds the longest phrase at a token position. First-term stems
// live in a byte trie, so finding every stem that prefixes a word is one
// walk over the word instead of a map lookup per prefix length. Add builds
// the trie; Build lays it out compactly for Match.
type Matcher[T any] struct {
	entries []Entry[T]
	infl    []*Inflections // of each group
	build   []buildNode    // the trie as Add grows it; node 0 is the root

	// The built trie, walked for every token. Bytes are numbered by
	// class, so a node's children fit a 64-bit set: a step is a bit test
	// and a popcount, without a loop whose exit the CPU mispredicts. A
	// node's children are consecutive, in class order (Build).
	class [256]uint8 // 0: in no stem
	nodes []trieNode // one past the last node: a sentinel
	refs  []entryRef // node n's entries are refs[nodes[n].entry:nodes[n+1].entry]
	built bool
}

// maxClasses is how many distinct bytes the stems may use: one bit each,
// class 0 (bytes in no stem) having none, and the top bit is hasEntries.
const maxClasses = 62

// hasEntries is set in the children of a node where stems end, so that
// the walk past the others reads only the node it steps through.
const hasEntries = 1 << 63

// entryRef is an entry index with what Match needs to rule the entry out
// without loading it.
type entryRef struct {
	id     int32
	terms  uint16 // number of terms
	prefix bool   // the first term is a prefix
	group  uint8
	next   byte // the first byte of the second term; 0: a phrase of one
}

// trieNode is a node's children, as a set of byte classes, and where its
// children and entries start.
type trieNode struct {
	children     uint64
	child, entry int32
}

// buildNode is a trie node while phrases are added; entries lists the
// phrases whose first stem ends here.
type buildNode struct {
	edges   []buildEdge
	entries []int32
}

type buildEdge struct {
	b    byte
	next int32
}

// NewMatcher returns an empty matcher of len(infl) groups of phrases,
// group g's inflected by infl[g].
func NewMatcher[T any](infl ...*Inflections) *Matcher[T] {
	if len(infl) == 0 || len(infl) > MaxGroups {
		panic("lexicon: a matcher has 1 to 4 groups")
	}
	return &Matcher[T]{build: make([]buildNode, 1), infl: infl}
}

// MaxGroups bounds the groups, so that a matcher's hits at a token fit in
// a small array (Hits).
const MaxGroups = 4

// walk follows key through the trie as Add grows it, adding the nodes it
// lacks when create is set; without, it returns -1 for a key not there.
func (m *Matcher[T]) walk(key string, create bool) int32 {
	var n int32
	for i := 0; i < len(key); i++ {
		next := int32(-1)
		for _, e := range m.build[n].edges {
			if e.b == key[i] {
				next = e.next
				break
			}
		}
		if next < 0 {
			if !create {
				return -1
			}
			next = int32(len(m.build))
			m.build = append(m.build, buildNode{})
			m.build[n].edges = append(m.build[n].edges, buildEdge{b: key[i], next: next})
		}
		n = next
	}
	return n
}

// Add registers a phrase of group 0: space-separated terms, each
// optionally ending in '*'. A phrase added again replaces the earlier
// payload (later lists override earlier ones).
func (m *Matcher[T]) Add(phrase string, v T) error {
	return m.AddTo(0, phrase, v)
}

// AddTo registers a phrase of a group, as Add does for group 0.
func (m *Matcher[T]) AddTo(group int, phrase string, v T) error {
	return m.update(group, phrase, func(T, bool) T { return v })
}

// parseTerms splits a phrase into its terms ("stem*" a prefix).
func parseTerms(phrase string) ([]term, error) {
	fields := strings.Fields(strings.ToLower(phrase))
	if len(fields) == 0 {
		return nil, fmt.Errorf("empty phrase")
	}
	terms := make([]term, len(fields))
	for i, f := range fields {
		stem, prefix := strings.CutSuffix(f, "*")
		if stem == "" {
			return nil, fmt.Errorf("phrase %q: bare '*'", phrase)
		}
		terms[i] = term{stem: stem, prefix: prefix}
	}
	return terms, nil
}

// Get returns the value added for a phrase of group 0 (spelled as for
// Add), before Build.
func (m *Matcher[T]) Get(phrase string) (v T, ok bool) {
	terms, err := parseTerms(phrase)
	if err != nil || m.built {
		return v, false
	}
	n := m.walk(terms[0].stem, false)
	if n < 0 {
		return v, false
	}
	for _, idx := range m.build[n].entries {
		if e := &m.entries[idx]; e.group == 0 && sameTerms(e.terms, terms) {
			return e.Value, true
		}
	}
	return v, false
}

// Update sets the value of a phrase of group 0 to fn of its current one
// (found is false, and old the zero value, for a phrase not added yet).
func (m *Matcher[T]) Update(phrase string, fn func(old T, found bool) T) error {
	return m.update(0, phrase, fn)
}

func (m *Matcher[T]) update(group int, phrase string, fn func(old T, found bool) T) error {
	if group < 0 || group >= len(m.infl) {
		return fmt.Errorf("phrase %q: no group %d", phrase, group)
	}
	if m.built {
		return fmt.Errorf("phrase %q: added after Build", phrase)
	}
	terms, err := parseTerms(phrase)
	if err != nil {
		return err
	}
	n := m.walk(terms[0].stem, true)
	for _, idx := range m.build[n].entries {
		if e := &m.entries[idx]; int(e.group) == group && sameTerms(e.terms, terms) {
			e.Value = fn(e.Value, true)
			e.Phrase = phrase
			return nil
		}
	}
	var zero T
	m.entries = append(m.entries, Entry[T]{Phrase: phrase, terms: terms, group: uint8(group), Value: fn(zero, false)})
	m.build[n].entries = append(m.build[n].entries, int32(len(m.entries)-1))
	return nil
}

// All yields every phrase of a group, in the order they were first added.
func (m *Matcher[T]) All(group int) iter.Seq[*Entry[T]] {
	return func(yield func(*Entry[T]) bool) {
		for i := range m.entries {
			if e := &m.entries[i]; int(e.group) == group && !yield(e) {
				return
			}
		}
	}
}

// Build lays out the trie for Match, once, after the last Add; the trie
// Add grew is dropped, as the garbage collector would scan it for the
// life of the process. It fails when the stems use more than maxClasses
// distinct bytes.
func (m *Matcher[T]) Build() error {
	if m.built {
		return fmt.Errorf("built twice")
	}
	m.class = [256]uint8{}
	classes := 0
	for _, e := range m.entries {
		stem := e.terms[0].stem
		if len(stem) > math.MaxUint16 || len(e.terms) > math.MaxUint16 {
			return fmt.Errorf("phrase %q: too long", e.Phrase)
		}
		for i := 0; i < len(stem); i++ {
			if m.class[stem[i]] == 0 {
				if classes == maxClasses {
					return fmt.Errorf("stems use more than %d distinct bytes", maxClasses)
				}
				classes++
				m.class[stem[i]] = uint8(classes)
			}
		}
	}
	// Every entry's terms side by side: Match reads the later terms of
	// the multi-word candidates of every token.
	n := 0
	for _, e := range m.entries {
		n += len(e.terms)
	}
	terms := make([]term, 0, n)
	for i := range m.entries {
		e := &m.entries[i]
		terms = append(terms, e.terms...)
		e.terms = terms[len(terms)-len(e.terms) : len(terms) : len(terms)]
	}
	// A node's children are placed side by side, after the children of
	// its elder siblings' subtrees (depth first by child blocks): the deep
	// nodes a word's walk passes lie close together, on few cache lines.
	m.nodes = make([]trieNode, 1, len(m.build)+1)
	at := make([]int32, 1, len(m.build)) // at[i] is the build node placed at i
	stack := []int32{0}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		b := &m.build[at[n]]
		slices.SortFunc(b.edges, func(x, y buildEdge) int { return int(m.class[x.b]) - int(m.class[y.b]) })
		var children uint64
		first := int32(len(m.nodes))
		for _, e := range b.edges {
			children |= 1 << m.class[e.b]
			at = append(at, e.next)
			m.nodes = append(m.nodes, trieNode{})
		}
		if len(b.entries) > 0 {
			children |= hasEntries
		}
		m.nodes[n].children, m.nodes[n].child = children, first
		for i := len(b.edges) - 1; i >= 0; i-- { // the eldest child first
			stack = append(stack, first+int32(i))
		}
	}
	m.refs = m.refs[:0]
	for n, bn := range at {
		b := &m.build[bn]
		m.nodes[n].entry = int32(len(m.refs))
		first := len(m.refs)
		for _, id := range b.entries {
			e := &m.entries[id]
			ref := entryRef{id: id, terms: uint16(len(e.terms)), prefix: e.terms[0].prefix, group: e.group}
			if len(e.terms) > 1 {
				ref.next = e.terms[1].stem[0]
			}
			m.refs = append(m.refs, ref)
		}
		// Phrases of one word first, then the others by the first byte of
		// their second word, so that Match passes over those the next
		// word rules out. The order of the phrases that may match is kept:
		// the first of a group's longest wins.
		slices.SortStableFunc(m.refs[first:], func(x, y entryRef) int { return cmp.Compare(x.next, y.next) })
	}
	m.nodes = append(m.nodes, trieNode{entry: int32(len(m.refs))})
	m.build, m.built = nil, true
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

// Hit is the best phrase of a group at a token (Matcher.Entry has it; the
// zero Hit is none) and N the number of tokens it spans. It holds no
// pointer, so that slices of hits are copied and cleared without the
// garbage collector's write barriers.
type Hit struct {
	entry int32 // 1 + the entry's index; 0: none
	N     uint16
	stem  uint16 // the length of its first stem, which breaks ties
}

// Hits are the hits of a matcher's groups at a token, by group.
type Hits [MaxGroups]Hit

// Entry returns the phrase of a hit, nil for none.
func (m *Matcher[T]) Entry(h Hit) *Entry[T] {
	if h.entry == 0 {
		return nil
	}
	return &m.entries[h.entry-1]
}

// Match finds the best phrase of each group starting at toks[i] (the one
// with most terms, then the longest first stem) and sets hits[g] for group
// g.
func (m *Matcher[T]) Match(toks []token.Token, i int, hits *Hits) {
	if !m.built {
		panic("lexicon: Match before Build")
	}
	*hits = Hits{}
	w := toks[i].Text
	if !matchable(toks[i].Kind) {
		return
	}
	// Phrases of several words must start their second word with the
	// next word's first byte.
	next := NextByte(toks, i)
	nodes := m.nodes
	nd := nodes[0] // the node w[:k] leads to, read once a step
	for k := 1; k <= len(w); k++ {
		node, ok := m.child(nd, w[k-1])
		if !ok {
			return
		}
		nd = nodes[node]
		// A stem ends between runes: w[k] starts one (is not 10xxxxxx).
		if nd.children&hasEntries == 0 || (k < len(w) && w[k]&0xC0 == 0x80) {
			continue
		}
		// Every entry here has w[:k] as its first stem, so whether the
		// rest of the word is an ending is the same for all of a group's.
		var checked, inflected uint8
		for _, r := range m.refs[nd.entry:nodes[node+1].entry] {
			if r.next != next && r.terms > 1 {
				if r.next > next {
					break
				}
				continue
			}
			h := &hits[r.group]
			if r.terms < h.N || (r.terms == h.N && uint16(k) <= h.stem) {
				continue // no better than the best so far
			}
			bit := uint8(1) << r.group
			if !r.prefix {
				if checked&bit == 0 {
					checked |= bit
					if m.infl[r.group].Has(w[k:]) {
						inflected |= bit
					}
				}
				if inflected&bit == 0 {
					continue
				}
			}
			if r.terms > 1 && !m.restMatches(m.entries[r.id].terms[1:], m.infl[r.group], toks, i+1) {
				continue
			}
			*h = Hit{entry: r.id + 1, N: r.terms, stem: uint16(k)}
		}
	}
}

// NextByte is the first byte of the word after toks[i] that a phrase
// may continue into, 0 for none.
func NextByte(toks []token.Token, i int) byte {
	if i+1 < len(toks) && matchable(toks[i+1].Kind) && toks[i+1].Text != "" {
		return toks[i+1].Text[0]
	}
	return 0
}

// Followers is a set of bytes a word after another may start with: a
// bit for each of a-z, and one bit for every other byte.
type Followers uint32

// followerBit is b's bit in Followers.
func followerBit(b byte) Followers {
	if 'a' <= b && b <= 'z' {
		return 1 << (b - 'a')
	}
	return 1 << 26
}

// Has reports whether next, a NextByte, may be in the set (0, no next
// word, never is).
func (f Followers) Has(next byte) bool { return next != 0 && f&followerBit(next) != 0 }

// Followers returns (a superset of) the first bytes of the second words
// of the phrases of several words that may start at word w. Match's hits
// at a word followed by none of them are those of its phrases of one
// word, the same wherever the word stands.
func (m *Matcher[T]) Followers(w string) Followers {
	var f Followers
	nodes := m.nodes
	nd := nodes[0]
	for k := 1; k <= len(w); k++ {
		node, ok := m.child(nd, w[k-1])
		if !ok {
			break
		}
		nd = nodes[node]
		if nd.children&hasEntries == 0 {
			continue
		}
		refs := m.refs[nd.entry:nodes[node+1].entry]
		for j := len(refs) - 1; j >= 0 && refs[j].terms > 1; j-- { // they sort last (Build)
			f |= followerBit(refs[j].next)
		}
	}
	return f
}

// child returns the node byte c leads to from nd, if any.
func (m *Matcher[T]) child(nd trieNode, c byte) (int32, bool) {
	bit := uint64(1) << m.class[c]
	if nd.children&bit == 0 {
		return 0, false
	}
	return nd.child + int32(bits.OnesCount64(nd.children&(bit-1))), true
}

func matchable(k token.Kind) bool { return k == token.Word || k == token.Hashtag || k == token.Number }

func (m *Matcher[T]) restMatches(terms []term, infl *Inflections, toks []token.Token, i int) bool {
	if i+len(terms) > len(toks) {
		return false
	}
	for j, t := range terms {
		tok := toks[i+j]
		if !matchable(tok.Kind) || !termMatches(t, infl, tok.Text) {
			return false
		}
	}
	return true
}

func termMatches(t term, infl *Inflections, w string) bool {
	rest, ok := strings.CutPrefix(w, t.stem)
	return ok && (t.prefix || infl.Has(rest))
}
