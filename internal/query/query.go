// Package query is ewom's search language: words, "exact phrases",
// prefix*, NEAR/n, field filters (source:reddit, lang:fi, author:…,
// stage:delivery, sentiment:, touchpoint:, brand:), combined with AND, OR,
// NOT (AND between terms when no operator is written) and parentheses.
// Parse turns a query into a tree, with an *Error that names the position
// of what is wrong; Query.SQL compiles the tree into a ClickHouse
// condition on the mentions table's columns that runs on chDB and on
// ClickHouse 18.16 (docs/query.md).
//
// A word matches its Finnish inflected forms (toimitus: toimituksen,
// toimitukset, toimituksessakin), taken from the brand names' declension
// (internal/classify/morph); a quoted word or phrase matches as written.
// Matching ignores case and is bounded by word boundaries.
package query

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ewom/ewom/internal/mention"
)

// Limits of a query: its length in bytes, how many terms and operators
// it may have, and how deep parentheses may nest.
const (
	MaxLen   = 1000
	MaxNodes = 64
	MaxDepth = 16
	// MaxNear is the largest n of NEAR/n.
	MaxNear = 20
)

// Error is a problem with a query at a position.
type Error struct {
	Pos int    // byte offset into the query
	Col int    // character (rune) position, 1-based
	Msg string // what is wrong
}

func (e *Error) Error() string { return "at character " + strconv.Itoa(e.Col) + ": " + e.Msg }

// Op is a node's kind.
type Op uint8

// Node kinds.
const (
	And Op = iota
	Or
	Not
	Near   // two text operands within N words of each other
	Word   // a word and its inflected forms
	Phrase // words as written, in sequence (a quoted word too)
	Prefix // words that begin with Text
	Field  // a field filter
)

// Node is one node of a query's tree.
type Node struct {
	Op    Op
	Kids  []*Node  // And, Or: two or more; Not: one; Near: two
	N     int      // Near: how many other words may come between
	Words []string // Word: one; Phrase: one or more; Prefix: one (lowercased)
	Field string   // Field: the field's canonical name
	Value string   // Field: the value (Prefix: the beginning of values)
	Pre   bool     // Field: Value is a prefix (author:matt*)
	Pos   int      // byte offset of the node's first character
}

// Query is a parsed query.
type Query struct {
	Text string
	Root *Node
}

// Fields are the field filters a query may use, by name, with the column
// each reads. Aliases map to the same column.
var fields = map[string]string{
	"source": "source", "lang": "lang", "author": "author", "brand": "brand",
	"stage": "journey_stage", "journey_stage": "journey_stage",
	"sentiment": "sentiment", "touchpoint": "touchpoint",
}

// FieldNames lists the field names a query accepts.
func FieldNames() []string {
	names := make([]string, 0, len(fields))
	for k := range fields {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}

// enums are the fields whose values are a closed set.
var enums = map[string][]string{
	"journey_stage": mention.JourneyStages,
	"sentiment":     {mention.Positive, mention.Neutral, mention.Negative},
	"touchpoint":    mention.Touchpoints,
}

// Parse parses a query. An empty (or blank) query is an error: callers
// treat "no query" before asking.
func Parse(text string) (*Query, error) {
	p := &parser{src: text}
	if len(text) > MaxLen {
		return nil, p.errAt(MaxLen, fmt.Sprintf("the query is %d bytes long; at most %d", len(text), MaxLen))
	}
	if !utf8.ValidString(text) {
		i := 0
		for i < len(text) {
			r, size := utf8.DecodeRuneInString(text[i:])
			if r == utf8.RuneError && size == 1 {
				break
			}
			i += size
		}
		return nil, p.errAt(i, "not valid UTF-8")
	}
	if err := p.lex(); err != nil {
		return nil, err
	}
	if len(p.toks) == 0 {
		return nil, p.errAt(0, "the query is empty")
	}
	root, err := p.or(0)
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		if t.kind == tRParen {
			return nil, p.errAt(t.pos, "unmatched )")
		}
		return nil, p.errAt(t.pos, "unexpected "+t.describe())
	}
	return &Query{Text: text, Root: root}, nil
}

func (p *parser) errAt(pos int, msg string) *Error {
	pos = min(max(pos, 0), len(p.src))
	return &Error{Pos: pos, Col: utf8.RuneCountInString(p.src[:pos]) + 1, Msg: msg}
}

// token kinds
type tkind uint8

const (
	tEOF tkind = iota
	tLParen
	tRParen
	tAnd
	tOr
	tNot
	tNear
	tWord   // a bare word (text: as written); may end in *
	tPhrase // a quoted phrase (text: its content)
	tField  // name:value (text: name, val: value; quoted says val was quoted)
)

type token struct {
	kind   tkind
	pos    int
	text   string
	val    string
	valPos int
	quoted bool
	n      int // tNear
}

func (t token) describe() string {
	switch t.kind {
	case tEOF:
		return "end of the query"
	case tLParen:
		return "("
	case tRParen:
		return ")"
	case tPhrase:
		return "phrase"
	}
	return strconv.Quote(t.text)
}

type parser struct {
	src   string
	toks  []token
	i     int
	nodes int
}

func (p *parser) peek() token {
	if p.i < len(p.toks) {
		return p.toks[p.i]
	}
	return token{kind: tEOF, pos: len(p.src)}
}

func (p *parser) next() token { t := p.peek(); p.i++; return t }

// lex splits the query into tokens.
func (p *parser) lex() error {
	s := p.src
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case unicode.IsSpace(r):
			i += size
		case r == '(':
			p.toks = append(p.toks, token{kind: tLParen, pos: i})
			i++
		case r == ')':
			p.toks = append(p.toks, token{kind: tRParen, pos: i})
			i++
		case r == '"':
			end := strings.IndexByte(s[i+1:], '"')
			if end < 0 {
				return p.errAt(i, "unclosed quote")
			}
			p.toks = append(p.toks, token{kind: tPhrase, pos: i, text: s[i+1 : i+1+end]})
			i += end + 2
		default:
			start := i
			for i < len(s) {
				r, size := utf8.DecodeRuneInString(s[i:])
				if unicode.IsSpace(r) || r == '(' || r == ')' || r == '"' {
					break
				}
				i += size
			}
			word := s[start:i]
			t, err := p.word(word, start)
			if err != nil {
				return err
			}
			if t.kind == tField && t.val == "" && i < len(s) && s[i] == '"' { // author:"Matti M"
				end := strings.IndexByte(s[i+1:], '"')
				if end < 0 {
					return p.errAt(i, "unclosed quote")
				}
				t.val, t.valPos, t.quoted = s[i+1:i+1+end], i+1, true
				i += end + 2
			}
			p.toks = append(p.toks, t)
		}
	}
	return nil
}

// word classifies a bare token: an operator, a field filter or a word.
func (p *parser) word(w string, pos int) (token, error) {
	switch w {
	case "AND":
		return token{kind: tAnd, pos: pos, text: w}, nil
	case "OR":
		return token{kind: tOr, pos: pos, text: w}, nil
	case "NOT":
		return token{kind: tNot, pos: pos, text: w}, nil
	}
	if rest, ok := strings.CutPrefix(w, "NEAR/"); ok {
		n, err := strconv.Atoi(rest)
		if err != nil || n < 0 || n > MaxNear {
			return token{}, p.errAt(pos, fmt.Sprintf("NEAR/n takes a number of words from 0 to %d", MaxNear))
		}
		return token{kind: tNear, pos: pos, text: w, n: n}, nil
	}
	if w == "NEAR" {
		return token{}, p.errAt(pos, "NEAR needs a distance: NEAR/3")
	}
	if name, val, ok := strings.Cut(w, ":"); ok && name != "" && isFieldName(name) {
		if _, known := fields[strings.ToLower(name)]; !known {
			return token{}, p.errAt(pos, fmt.Sprintf("unknown field %q; fields are %s (quote the text to search for it)",
				name, strings.Join(FieldNames(), ", ")))
		}
		return token{kind: tField, pos: pos, text: strings.ToLower(name), val: val, valPos: pos + len(name) + 1}, nil
	}
	return token{kind: tWord, pos: pos, text: w}, nil
}

// isFieldName reports whether s looks like a field name (letters and
// underscores), so that a colon in other text (10:30, https://…) is not
// taken for a field.
func isFieldName(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '_') {
			return false
		}
	}
	return true
}

func (p *parser) node(n *Node) (*Node, error) {
	if p.nodes++; p.nodes > MaxNodes {
		return nil, p.errAt(n.Pos, fmt.Sprintf("the query has more than %d terms and operators", MaxNodes))
	}
	return n, nil
}

// or := and { OR and }
func (p *parser) or(depth int) (*Node, error) {
	first, err := p.and(depth)
	if err != nil {
		return nil, err
	}
	kids := []*Node{first}
	for p.peek().kind == tOr {
		op := p.next()
		if k := p.peek().kind; k == tEOF || k == tRParen || k == tOr || k == tAnd {
			return nil, p.errAt(op.pos, "OR needs something on its right")
		}
		next, err := p.and(depth)
		if err != nil {
			return nil, err
		}
		kids = append(kids, next)
	}
	if len(kids) == 1 {
		return first, nil
	}
	return p.node(&Node{Op: Or, Kids: kids, Pos: first.Pos})
}

// and := not { [AND] not }
func (p *parser) and(depth int) (*Node, error) {
	first, err := p.not(depth)
	if err != nil {
		return nil, err
	}
	kids := []*Node{first}
	for {
		switch t := p.peek(); t.kind {
		case tEOF, tRParen, tOr:
			if len(kids) == 1 {
				return first, nil
			}
			return p.node(&Node{Op: And, Kids: kids, Pos: first.Pos})
		case tAnd:
			p.next()
			if k := p.peek().kind; k == tEOF || k == tRParen || k == tOr || k == tAnd {
				return nil, p.errAt(t.pos, "AND needs something on its right")
			}
		}
		next, err := p.not(depth)
		if err != nil {
			return nil, err
		}
		kids = append(kids, next)
	}
}

// not := NOT not | near
func (p *parser) not(depth int) (*Node, error) {
	if t := p.peek(); t.kind == tNot {
		p.next()
		kid, err := p.not(depth)
		if err != nil {
			return nil, err
		}
		return p.node(&Node{Op: Not, Kids: []*Node{kid}, Pos: t.pos})
	}
	return p.near(depth)
}

// near := primary { NEAR/n primary }; the operands must be text.
func (p *parser) near(depth int) (*Node, error) {
	left, err := p.primary(depth)
	if err != nil {
		return nil, err
	}
	for p.peek().kind == tNear {
		op := p.next()
		if !textual(left) {
			return nil, p.errAt(left.Pos, "NEAR joins words, phrases and prefixes (or ORs of them), not "+describe(left))
		}
		right, err := p.primary(depth)
		if err != nil {
			return nil, err
		}
		if !textual(right) {
			return nil, p.errAt(right.Pos, "NEAR joins words, phrases and prefixes (or ORs of them), not "+describe(right))
		}
		if left, err = p.node(&Node{Op: Near, Kids: []*Node{left, right}, N: op.n, Pos: left.Pos}); err != nil {
			return nil, err
		}
	}
	return left, nil
}

// textual reports whether n can be a NEAR operand: text that sits at
// one place in a post.
func textual(n *Node) bool {
	switch n.Op {
	case Word, Phrase, Prefix:
		return true
	case Or:
		for _, k := range n.Kids {
			if !textual(k) {
				return false
			}
		}
		return true
	}
	return false
}

func describe(n *Node) string {
	switch n.Op {
	case Field:
		return "a field filter"
	case Near:
		return "another NEAR"
	case Not:
		return "NOT"
	}
	return "AND"
}

// primary := ( or ) | field | word | phrase
func (p *parser) primary(depth int) (*Node, error) {
	t := p.next()
	switch t.kind {
	case tLParen:
		if depth+1 > MaxDepth {
			return nil, p.errAt(t.pos, fmt.Sprintf("parentheses nest more than %d deep", MaxDepth))
		}
		if p.peek().kind == tRParen {
			return nil, p.errAt(t.pos, "empty parentheses")
		}
		n, err := p.or(depth + 1)
		if err != nil {
			return nil, err
		}
		if c := p.next(); c.kind != tRParen {
			return nil, p.errAt(t.pos, "unclosed (")
		}
		return n, nil
	case tWord:
		return p.bare(t)
	case tPhrase:
		words := Words(t.text)
		if len(words) == 0 {
			return nil, p.errAt(t.pos, "the phrase has no letters or digits")
		}
		return p.node(&Node{Op: Phrase, Words: words, Pos: t.pos})
	case tField:
		return p.field(t)
	case tEOF:
		return nil, p.errAt(t.pos, "the query ends where a term should follow")
	case tRParen:
		return nil, p.errAt(t.pos, "unmatched )")
	case tNear:
		return nil, p.errAt(t.pos, t.text+" needs a word on its left")
	}
	return nil, p.errAt(t.pos, t.text+" needs a term on its left")
}

// bare makes the node of an unquoted word: a prefix when it ends in *, a
// phrase when punctuation splits it into words (wi-fi, 5/5), else a word.
func (p *parser) bare(t token) (*Node, error) {
	w := t.text
	if strings.HasSuffix(w, "*") {
		stem := strings.TrimRight(w, "*")
		words := Words(stem)
		switch {
		case len(words) == 0:
			return nil, p.errAt(t.pos, "a prefix needs letters or digits before the *")
		case len(words) > 1 || strings.ContainsRune(stem, '*'):
			return nil, p.errAt(t.pos, "* may only end a word: "+strconv.Quote(w))
		case utf8.RuneCountInString(words[0]) < 2:
			return nil, p.errAt(t.pos, "a prefix needs at least two letters: "+strconv.Quote(w))
		}
		return p.node(&Node{Op: Prefix, Words: words, Pos: t.pos})
	}
	if strings.ContainsRune(w, '*') {
		return nil, p.errAt(t.pos+strings.IndexByte(w, '*'), "* may only end a word: "+strconv.Quote(w))
	}
	words := Words(w)
	switch len(words) {
	case 0:
		return nil, p.errAt(t.pos, strconv.Quote(w)+" has no letters or digits")
	case 1:
		return p.node(&Node{Op: Word, Words: words, Pos: t.pos})
	}
	return p.node(&Node{Op: Phrase, Words: words, Pos: t.pos})
}

// field makes a field filter's node, checking its value.
func (p *parser) field(t token) (*Node, error) {
	col := fields[t.text]
	v := strings.TrimSpace(t.val)
	pre := false
	if !t.quoted {
		v, pre = strings.CutSuffix(v, "*")
	}
	if v == "" {
		return nil, p.errAt(t.valPos, t.text+": needs a value")
	}
	if strings.ContainsRune(v, '*') {
		return nil, p.errAt(t.valPos, "* may only end a value")
	}
	if pre && col != "author" {
		return nil, p.errAt(t.valPos, t.text+": takes a whole value (only author: takes a prefix)")
	}
	if col == "author" {
		v = strings.TrimPrefix(strings.ToLower(v), "@")
		if v == "" {
			return nil, p.errAt(t.valPos, t.text+": needs a value")
		}
	}
	if allowed, ok := enums[col]; ok {
		v = strings.ToLower(v)
		if !slices.Contains(allowed, v) {
			return nil, p.errAt(t.valPos, fmt.Sprintf("%s: %q is not one of %s", t.text, v, strings.Join(allowed, ", ")))
		}
	}
	if col == "source" || col == "lang" {
		v = strings.ToLower(v)
	}
	return p.node(&Node{Op: Field, Field: col, Value: v, Pre: pre, Pos: t.pos})
}

// Words splits text into lowercased words: runs of letters and digits.
func Words(text string) []string {
	return strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !isWordRune(r) })
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }
