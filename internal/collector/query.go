package collector

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// SearchTerm returns a brand name or keyword as a search term: as it is
// when it is one word (letters, digits, _, and a leading # or @), else as
// an exact phrase in double quotes (quotes inside dropped), which both X's
// and YouTube's search read as "these words in this order".
func SearchTerm(s string) string {
	s = strings.TrimSpace(s)
	plain := s != ""
	for i, r := range s {
		if !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || i == 0 && (r == '#' || r == '@')) {
			plain = false
			break
		}
	}
	if plain {
		return s
	}
	return `"` + strings.Join(strings.Fields(strings.ReplaceAll(s, `"`, " ")), " ") + `"`
}

// QueryFormat says how a search API writes "any of these terms".
type QueryFormat struct {
	// Or joins terms: " OR " for X, "|" for YouTube.
	Or string
	// Group puts the alternatives in parentheses when there are several
	// and a suffix follows (X's operators bind tighter than OR).
	Group bool
	// Suffix is appended to every query after a space (operators such as
	// "-is:retweet lang:fi"); empty for none.
	Suffix string
	// MaxLen is the longest query the API accepts, in characters.
	MaxLen int
}

// OrQueries packs terms (already written with SearchTerm or as operators
// such as from:handle) into as few queries as fit f.MaxLen, in order,
// terms equal but for case kept once. A term that does not fit a query of
// its own is an error naming it.
func (f QueryFormat) OrQueries(terms []string) ([]string, error) {
	var (
		out   []string
		group []string
		seen  = map[string]bool{}
	)
	flush := func() {
		if len(group) > 0 {
			out = append(out, f.query(group))
			group = nil
		}
	}
	for _, t := range terms {
		t = strings.TrimSpace(t)
		if t == "" || seen[strings.ToLower(t)] {
			continue
		}
		seen[strings.ToLower(t)] = true
		if utf8.RuneCountInString(f.query([]string{t})) > f.MaxLen {
			return nil, fmt.Errorf("search term %q makes a query longer than %d characters", t, f.MaxLen)
		}
		if utf8.RuneCountInString(f.query(append(group, t))) > f.MaxLen {
			flush()
		}
		group = append(group, t)
	}
	flush()
	return out, nil
}

func (f QueryFormat) query(terms []string) string {
	q := strings.Join(terms, f.Or)
	if f.Group && len(terms) > 1 && f.Suffix != "" {
		q = "(" + q + ")"
	}
	if f.Suffix != "" {
		q += " " + f.Suffix
	}
	return q
}
