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
	"maps"
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
	Msg string // what is wrong, in English
	// Code names the problem (a key of errorTexts, and of the UI's
	// strings, which say it in the UI's language) and Args are its
	// variable parts.
	Code string
	Args map[string]string
}

// errorTexts are the English of each Error.Code; {name} is an argument.
var errorTexts = map[string]string{
	"q_too_long":           "the query is {len} bytes long; at most {max}",
	"q_bad_utf8":           "not valid UTF-8",
	"q_empty":              "the query is empty",
	"q_unmatched_close":    "unmatched )",
	"q_unexpected":         "unexpected {token}",
	"q_unexpected_end":     "unexpected end of the query",
	"q_unexpected_phrase":  "unexpected phrase",
	"q_unclosed_quote":     "unclosed quote",
	"q_near_range":         "NEAR/n takes a number of words from 0 to {max}",
	"q_near_distance":      "NEAR needs a distance: NEAR/3",
	"q_unknown_field":      "unknown field {field}; fields are {fields} (quote the text to search for it)",
	"q_too_many_terms":     "the query has more than {max} terms and operators",
	"q_or_right":           "OR needs something on its right",
	"q_and_right":          "AND needs something on its right",
	"q_near_operand":       "NEAR joins words, phrases and prefixes (or ORs of them), not {op}",
	"q_near_operand_field": "NEAR joins words, phrases and prefixes (or ORs of them), not a field filter",
	"q_near_operand_near":  "NEAR joins words, phrases and prefixes (or ORs of them), not another NEAR",
	"q_too_deep":           "parentheses nest more than {max} deep",
	"q_empty_parens":       "empty parentheses",
	"q_unclosed_paren":     "unclosed (",
	"q_phrase_empty":       "the phrase has no letters or digits",
	"q_ends_early":         "the query ends where a term should follow",
	"q_word_left":          "{op} needs a word on its left",
	"q_term_left":          "{op} needs a term on its left",
	"q_prefix_empty":       "a prefix needs letters or digits before the *",
	"q_star_end":           "* may only end a word: {word}",
	"q_prefix_short":       "a prefix needs at least two letters: {word}",
	"q_no_letters":         "{word} has no letters or digits",
	"q_needs_value":        "{field}: needs a value",
	"q_star_value":         "* may only end a value",
	"q_whole_value":        "{field}: takes a whole value (only author: takes a prefix)",
	"q_not_allowed":        "{field}: {value} is not one of {allowed}",
}

// ErrorCodes lists every Error.Code (the UI's strings have each).
func ErrorCodes() []string { return slices.Sorted(maps.Keys(errorTexts)) }

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
		return nil, p.errAt(MaxLen, "q_too_long", "len", strconv.Itoa(len(text)), "max", strconv.Itoa(MaxLen))
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
		return nil, p.errAt(i, "q_bad_utf8")
	}
	if err := p.lex(); err != nil {
		return nil, err
	}
	if len(p.toks) == 0 {
		return nil, p.errAt(0, "q_empty")
	}
	root, err := p.or(0)
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		if t.kind == tRParen {
			return nil, p.errAt(t.pos, "q_unmatched_close")
		}
		code, args := t.unexpected()
		return nil, p.errAt(t.pos, code, args...)
	}
	return &Query{Text: text, Root: root}, nil
}

// errAt is the error code at pos, with its arguments as name, value pairs.
func (p *parser) errAt(pos int, code string, args ...string) *Error {
	pos = min(max(pos, 0), len(p.src))
	e := &Error{Pos: pos, Col: utf8.RuneCountInString(p.src[:pos]) + 1, Code: code, Msg: errorTexts[code]}
	for i := 0; i+1 < len(args); i += 2 {
		if e.Args == nil {
			e.Args = make(map[string]string, len(args)/2)
		}
		e.Args[args[i]] = args[i+1]
		e.Msg = strings.ReplaceAll(e.Msg, "{"+args[i]+"}", args[i+1])
	}
	return e
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

// unexpected is the error code (and arguments) of a token that cannot
// come where it is.
func (t token) unexpected() (code string, args []string) {
	switch t.kind {
	case tEOF:
		return "q_unexpected_end", nil
	case tPhrase:
		return "q_unexpected_phrase", nil
	case tLParen:
		return "q_unexpected", []string{"token", "("}
	case tRParen:
		return "q_unexpected", []string{"token", ")"}
	}
	return "q_unexpected", []string{"token", strconv.Quote(t.text)}
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
				return p.errAt(i, "q_unclosed_quote")
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
					return p.errAt(i, "q_unclosed_quote")
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
			return token{}, p.errAt(pos, "q_near_range", "max", strconv.Itoa(MaxNear))
		}
		return token{kind: tNear, pos: pos, text: w, n: n}, nil
	}
	if w == "NEAR" {
		return token{}, p.errAt(pos, "q_near_distance")
	}
	if name, val, ok := strings.Cut(w, ":"); ok && name != "" && isFieldName(name) {
		if _, known := fields[strings.ToLower(name)]; !known {
			return token{}, p.errAt(pos, "q_unknown_field", "field", strconv.Quote(name), "fields", strings.Join(FieldNames(), ", "))
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
		return nil, p.errAt(n.Pos, "q_too_many_terms", "max", strconv.Itoa(MaxNodes))
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
			return nil, p.errAt(op.pos, "q_or_right")
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
				return nil, p.errAt(t.pos, "q_and_right")
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
			code, args := nearOperand(left)
			return nil, p.errAt(left.Pos, code, args...)
		}
		right, err := p.primary(depth)
		if err != nil {
			return nil, err
		}
		if !textual(right) {
			code, args := nearOperand(right)
			return nil, p.errAt(right.Pos, code, args...)
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

// nearOperand is the error code (and arguments) of n on a side of NEAR.
func nearOperand(n *Node) (code string, args []string) {
	switch n.Op {
	case Field:
		return "q_near_operand_field", nil
	case Near:
		return "q_near_operand_near", nil
	case Not:
		return "q_near_operand", []string{"op", "NOT"}
	}
	return "q_near_operand", []string{"op", "AND"}
}

// primary := ( or ) | field | word | phrase
func (p *parser) primary(depth int) (*Node, error) {
	t := p.next()
	switch t.kind {
	case tLParen:
		if depth+1 > MaxDepth {
			return nil, p.errAt(t.pos, "q_too_deep", "max", strconv.Itoa(MaxDepth))
		}
		if p.peek().kind == tRParen {
			return nil, p.errAt(t.pos, "q_empty_parens")
		}
		n, err := p.or(depth + 1)
		if err != nil {
			return nil, err
		}
		if c := p.next(); c.kind != tRParen {
			return nil, p.errAt(t.pos, "q_unclosed_paren")
		}
		return n, nil
	case tWord:
		return p.bare(t)
	case tPhrase:
		words := Words(t.text)
		if len(words) == 0 {
			return nil, p.errAt(t.pos, "q_phrase_empty")
		}
		return p.node(&Node{Op: Phrase, Words: words, Pos: t.pos})
	case tField:
		return p.field(t)
	case tEOF:
		return nil, p.errAt(t.pos, "q_ends_early")
	case tRParen:
		return nil, p.errAt(t.pos, "q_unmatched_close")
	case tNear:
		return nil, p.errAt(t.pos, "q_word_left", "op", t.text)
	}
	return nil, p.errAt(t.pos, "q_term_left", "op", t.text)
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
			return nil, p.errAt(t.pos, "q_prefix_empty")
		case len(words) > 1 || strings.ContainsRune(stem, '*'):
			return nil, p.errAt(t.pos, "q_star_end", "word", strconv.Quote(w))
		case utf8.RuneCountInString(words[0]) < 2:
			return nil, p.errAt(t.pos, "q_prefix_short", "word", strconv.Quote(w))
		}
		return p.node(&Node{Op: Prefix, Words: words, Pos: t.pos})
	}
	if strings.ContainsRune(w, '*') {
		return nil, p.errAt(t.pos+strings.IndexByte(w, '*'), "q_star_end", "word", strconv.Quote(w))
	}
	words := Words(w)
	switch len(words) {
	case 0:
		return nil, p.errAt(t.pos, "q_no_letters", "word", strconv.Quote(w))
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
		return nil, p.errAt(t.valPos, "q_needs_value", "field", t.text)
	}
	if strings.ContainsRune(v, '*') {
		return nil, p.errAt(t.valPos, "q_star_value")
	}
	if pre && col != "author" {
		return nil, p.errAt(t.valPos, "q_whole_value", "field", t.text)
	}
	if col == "author" {
		v = strings.TrimPrefix(strings.ToLower(v), "@")
		if v == "" {
			return nil, p.errAt(t.valPos, "q_needs_value", "field", t.text)
		}
	}
	if allowed, ok := enums[col]; ok {
		v = strings.ToLower(v)
		if !slices.Contains(allowed, v) {
			return nil, p.errAt(t.valPos, "q_not_allowed", "field", t.text, "value", strconv.Quote(v), "allowed", strings.Join(allowed, ", "))
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
