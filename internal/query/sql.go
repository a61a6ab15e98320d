package query

import (
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ewom/ewom/internal/classify/morph"
	"github.com/ewom/ewom/internal/store"
)

// Regular expression parts (RE2, as ClickHouse's match runs them): a
// word's character, any other, and a word boundary on each side.
const (
	wordChar  = `[\p{L}\p{N}]`
	otherChar = `[^\p{L}\p{N}]`
	before    = `(?:^|` + otherChar + `)`
	after     = `(?:` + otherChar + `|$)`
)

// SQL returns the query as a ClickHouse condition on the mentions table's
// columns (title, text, words, author_handle, author_name, source, lang,
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
		// A word or a prefix is answered by the row's words (every run of
		// letters and digits of its lowercased title and text, migration
		// 510), which is what the patterns' word boundaries delimit: the
		// text is not read. A phrase or a NEAR is matched on the text.
		if cond, ok := words(n); ok {
			sb.WriteString(cond)
			return
		}
		// Patterns are lowercase, and so is the text they run on: with
		// (?i) 18.16 looks for the pattern's literal part case by case
		// before running it, and misses Toimitus for toimitus. The words
		// a match must contain are looked for first, a cheap search that
		// spares most rows the expression (where the engine evaluates AND
		// lazily, as chDB does).
		re := store.Quote(before + body(n) + after)
		lits := required(n)
		sb.WriteByte('(')
		for i, col := range []string{"title", "text"} {
			if i > 0 {
				sb.WriteString(" OR ")
			}
			sb.WriteByte('(')
			for _, l := range lits {
				sb.WriteString("positionCaseInsensitiveUTF8(" + col + ", " + store.Quote(l) + ") > 0 AND ")
			}
			sb.WriteString("match(lowerUTF8(" + col + "), " + re + "))")
		}
		sb.WriteByte(')')
	}
}

// words returns the condition on the row's words that is true exactly
// when a text node matches, for a word (one of its forms is one of the
// words), a prefix (a word begins with it) and a quoted word; ok is false
// for a phrase and a NEAR. (Testing their words first cost more than it
// spared: BenchmarkSearch, docs/query.md.) It reads words_text, the words
// between single spaces (migration 511): a query's words are runs of
// letters and digits (Words), as the row's are, so a form between two
// spaces is a whole word and a prefix after one the beginning of a word.
// One pattern or substring search over that text costs about a third of
// testing each word of the words array with a function.
func words(n *Node) (cond string, ok bool) {
	switch n.Op {
	case Word:
		_, inf := forms(n.Words[0])
		if len(inf.Forms) == 1 {
			return inWords(" " + inf.Forms[0] + " "), true
		}
		return "match(words_text, " + store.Quote(" "+inflected(n.Words[0])+" ") + ")", true
	case Prefix:
		return inWords(" " + n.Words[0]), true
	case Phrase:
		if len(n.Words) == 1 {
			return inWords(" " + n.Words[0] + " "), true
		}
	}
	return "", false
}

// inWords is the condition that words_text holds s.
func inWords(s string) string { return "position(words_text, " + store.Quote(s) + ") > 0" }

// minLiteral is the shortest text worth looking for before running an
// expression: shorter ones are in most posts.
const minLiteral = 3

// required returns texts every match of a text node contains.
func required(n *Node) []string {
	var lit string
	switch n.Op {
	case Word:
		lit, _ = forms(n.Words[0])
	case Phrase:
		for _, w := range n.Words {
			if len(w) > len(lit) {
				lit = w
			}
		}
	case Prefix:
		lit = n.Words[0]
	case Near:
		return append(required(n.Kids[0]), required(n.Kids[1])...)
	}
	if utf8.RuneCountInString(lit) < minLiteral {
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

// body returns the regular expression of a text node without its word
// boundaries.
func body(n *Node) string {
	switch n.Op {
	case Word:
		return inflected(n.Words[0])
	case Phrase:
		quoted := make([]string, len(n.Words))
		for i, w := range n.Words {
			quoted[i] = regexp.QuoteMeta(w)
		}
		return strings.Join(quoted, otherChar+"+")
	case Prefix:
		return regexp.QuoteMeta(n.Words[0]) + wordChar + "*"
	case Or:
		parts := make([]string, len(n.Kids))
		for i, k := range n.Kids {
			parts[i] = body(k)
		}
		return "(?:" + strings.Join(parts, "|") + ")"
	case Near:
		// Between the two: at most N words, taken as runs of what is not
		// white space. Runs of letters and digits would be the same words
		// in most text, but the expression would then be compiled into
		// far more states, and run tens of times slower.
		a, b := body(n.Kids[0]), body(n.Kids[1])
		gap := otherChar + `+(?:\S+\s+){0,` + strconv.Itoa(n.N) + "}" + otherChar + "*"
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
