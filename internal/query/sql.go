package query

import (
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ewom/ewom/internal/classify/morph"
	"github.com/ewom/ewom/internal/store"
)

// SQL returns the query as a ClickHouse condition on the mentions table's
// columns (words_text, author_handle, author_name, source, lang,
// brand, journey_stage, sentiment, touchpoint), for one mention × brand row. Every
// value the query gives reaches the SQL as an escaped string literal
// (store.Quote); regular expressions are built from escaped literals
// (regexp.QuoteMeta) and fixed parts.
func (q *Query) SQL() string {
	var sb strings.Builder
	sql(&sb, q.Root)
	return sb.String()
}

func sql(sb *strings.Builder, n *Node) {
	switch n.Op {
	case And, Or:
		op := " AND "
		if n.Op == Or {
			op = " OR "
		}
		sb.WriteByte('(')
		for i, k := range n.Kids {
			if i > 0 {
				sb.WriteString(op)
			}
			sql(sb, k)
		}
		sb.WriteByte(')')
	case Not:
		sb.WriteString("NOT ")
		sql(sb, n.Kids[0])
	case Field:
		sb.WriteString(field(n))
	default: // text
		sb.WriteString(text(n))
	}
}

// text returns the condition of a text node. Every text node is answered
// by the row's words text (migration 513): its title's and its text's
// runs of letters and digits, lowercased, in the order written, each
// between single spaces, and " | " between the title's and the text's. A
// query's words are runs of letters and digits too (Words), so a form
// between two spaces is a whole word of the row, a prefix after a space
// the beginning of one, and a phrase its words between spaces (any spaces
// or punctuation between them in the text); "|" is never a word, so no
// phrase or NEAR spans the title and the text. A substring search costs
// less than a pattern, and one over the words text about a third of a
// pattern over the text (BenchmarkSearch, docs/query.md).
func text(n *Node) string {
	switch n.Op {
	case Word:
		if _, inf := forms(n.Words[0]); len(inf.Forms) == 1 {
			return inWords(" " + inf.Forms[0] + " ")
		}
	case Prefix:
		return inWords(" " + n.Words[0])
	case Phrase:
		return inWords(" " + strings.Join(n.Words, " ") + " ")
	}
	re := "match(words_text, " + store.Quote(" "+body(n)+" ") + ")"
	if n.Op == Word {
		return re // the engine looks for the forms' common beginning itself
	}
	// A NEAR: the texts every match contains are looked for first, a
	// cheap search that spares most rows the pattern where the engine
	// evaluates AND lazily (chDB; 18.16 runs both).
	var sb strings.Builder
	sb.WriteByte('(')
	for _, l := range required(n) {
		sb.WriteString(inWords(l) + " AND ")
	}
	sb.WriteString(re + ")")
	return sb.String()
}

// inWords is the condition that words_text holds s.
func inWords(s string) string { return "position(words_text, " + store.Quote(s) + ") > 0" }

// minLiteral is the shortest text worth looking for before running an
// expression: shorter ones are in most posts.
const minLiteral = 3

// required returns texts of the words text that every match of a text
// node contains.
func required(n *Node) []string {
	var word, lit string
	switch n.Op {
	case Word:
		word, _ = forms(n.Words[0])
		lit = " " + word
	case Phrase:
		word = strings.Join(n.Words, " ")
		lit = " " + word + " "
	case Prefix:
		word = n.Words[0]
		lit = " " + word
	case Near:
		return append(required(n.Kids[0]), required(n.Kids[1])...)
	}
	if utf8.RuneCountInString(word) < minLiteral {
		return nil
	}
	return []string{lit}
}

// field returns a field filter's condition.
func field(n *Node) string {
	v := store.Quote(n.Value)
	switch n.Field {
	case "author":
		handle := "replaceRegexpOne(lowerUTF8(author_handle), '^@', '')"
		if n.Pre {
			return "(positionCaseInsensitiveUTF8(" + handle + ", " + v + ") = 1 OR positionCaseInsensitiveUTF8(author_name, " + v + ") = 1)"
		}
		return "(" + handle + " = " + v + " OR lowerUTF8(author_name) = " + v + ")"
	case "brand":
		return "lowerUTF8(brand) = " + store.Quote(strings.ToLower(n.Value))
	}
	return n.Field + " = " + v
}

// body returns the regular expression of a text node over the words text,
// without the spaces around it.
func body(n *Node) string {
	switch n.Op {
	case Word:
		return inflected(n.Words[0])
	case Phrase:
		return regexp.QuoteMeta(strings.Join(n.Words, " "))
	case Prefix:
		return regexp.QuoteMeta(n.Words[0]) + "[^ ]*"
	case Or:
		parts := make([]string, len(n.Kids))
		for i, k := range n.Kids {
			parts[i] = body(k)
		}
		return "(?:" + strings.Join(parts, "|") + ")"
	case Near:
		// Between the two: at most N words of the same part, title or
		// text.
		a, b := body(n.Kids[0]), body(n.Kids[1])
		gap := " (?:[^ |]+ ){0," + strconv.Itoa(n.N) + "}"
		return "(?:" + a + gap + b + "|" + b + gap + a + ")"
	}
	panic("query: body of a non-text node")
}

// inflected returns the expression of a word's forms (morph.Inflect)
// with their common beginning written once, then the possessive suffixes
// and clitics that may follow.
func inflected(w string) string {
	prefix, inf := forms(w)
	if len(inf.Forms) == 1 {
		return regexp.QuoteMeta(inf.Forms[0])
	}
	tails := make([]string, len(inf.Forms))
	for i, f := range inf.Forms {
		tails[i] = regexp.QuoteMeta(f[len(prefix):])
	}
	return regexp.QuoteMeta(prefix) + "(?:" + strings.Join(tails, "|") + ")" +
		"(?:" + strings.Join(inf.Possessives, "|") + ")?(?:" + strings.Join(inf.Clitics, "|") + "){0,2}"
}

// forms returns a word's inflection and the beginning all its forms share.
func forms(w string) (prefix string, inf morph.Inflection) {
	inf = morph.Inflect(w)
	prefix = inf.Forms[0]
	for _, f := range inf.Forms[1:] {
		for !strings.HasPrefix(f, prefix) {
			prefix = prefix[:len(prefix)-1]
		}
	}
	for len(prefix) < len(inf.Forms[0]) && !utf8.RuneStart(inf.Forms[0][len(prefix)]) {
		prefix = prefix[:len(prefix)-1] // not inside a letter
	}
	return prefix, inf
}
