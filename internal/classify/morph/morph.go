// Package morph declines brand names as Finnish text inflects them, for
// the classifier's one-pass brand index (docs/classifier.md, "Brands").
//
// Decline turns a configured name into patterns: stems the index finds in
// a text, each with the set of tails that may follow it there, made from
// the name's declension (case endings in both numbers, then possessive
// suffixes and clitics in the name's vowel harmony). So the stem of Alko
// takes Alko's endings only (Alkossa, Alkoon, Alkojakin, not alkoi), and
// Rantakoto is found as Rantakodosta. All tables are read-only; a Pattern
// is safe for concurrent use.
package morph

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"
)

// Options are a brand's declension settings (config.Brand).
type Options struct {
	// Like is a model word the name is declined like (inflect_like:
	// "koto"); empty guesses the declension from the name's ending.
	Like string
	// Variants are other spellings of the name, declined as the name is
	// and in its vowel harmony (Bjorkhem: Bjorkhemiltä).
	Variants []string
	// Stems are extra stems as they stand before an ending (Harmaasude-),
	// which take the endings of a vowel stem.
	Stems []string
	// Compounds lets the name begin a compound written as one word
	// (Rantakototilaus); with a hyphen it always may.
	Compounds bool
	// Fuzzy accepts a word one edit (a letter added, dropped, changed, or
	// two swapped) from a stem, for names of fuzzyLetters or more.
	Fuzzy bool
	// Exact matches the name only as written (inflect: false).
	Exact bool
}

// OptionError is a problem with one of a brand's declension settings.
type OptionError struct {
	Key string // the setting's configuration key: inflect_like, variants[1]
	Msg string
}

func (e *OptionError) Error() string { return e.Key + ": " + e.Msg }

// Pattern is a text the brand index looks for, and what may follow it.
type Pattern struct {
	Text  string // lowercase
	tails *tails // nil: nothing may follow
	fuzzy *fuzzyStem
}

// Exact returns a pattern that matches text only as a whole word: a
// domain or a handle.
func Exact(text string) Pattern { return Pattern{Text: text} }

// Match reports whether the occurrence of p.Text at s[start:end] (s
// lowercased) is a form of the name, and returns the form's span.
func (p *Pattern) Match(s string, start, end int) (from, to int, ok bool) {
	if p.fuzzy != nil {
		return p.fuzzy.match(s, start, end)
	}
	if !startsWord(s, start) {
		return 0, 0, false
	}
	to, ok = p.tails.accepts(s, start, end)
	return start, to, ok
}

// Decline returns the patterns that find name, its variants and stems in
// lowercased text. Errors are *OptionError.
func Decline(name string, o Options) ([]Pattern, error) {
	if o.Exact && (o.Like != "" || len(o.Stems) > 0 || o.Compounds) {
		return nil, &OptionError{Key: "inflect", Msg: "false matches the name only as written; inflect_like, stems and compounds do not go with it"}
	}
	name = lower(name)
	if strings.Trim(name, "#@") == "" {
		return nil, &OptionError{Key: "name", Msg: "empty"}
	}
	_, word := splitLast(name)
	specs := guess(word)
	if o.Like = lower(o.Like); o.Like != "" {
		model, ok := models[o.Like]
		switch {
		case !ok:
			return nil, &OptionError{Key: "inflect_like", Msg: fmt.Sprintf("%q is not a model word; use one of %s", o.Like, strings.Join(slices.Sorted(maps.Keys(models)), ", "))}
		case !fits(o.Like, model, word):
			return nil, &OptionError{Key: "inflect_like", Msg: fmt.Sprintf("%q does not end as the model word %q does", word, o.Like)}
		}
		specs = []spec{model}
	}
	h := harmonyOf(word)
	if foreign(word) || slices.ContainsFunc(specs, func(s spec) bool { return s.decl == loan }) || englishY(word) {
		h = both
	}
	pats := o.spelling(name, specs, h)
	for j, v := range o.Variants {
		v = lower(v)
		if strings.Trim(v, "#@") == "" {
			return nil, &OptionError{Key: fmt.Sprintf("variants[%d]", j), Msg: "empty"}
		}
		_, vw := splitLast(v)
		vspecs := slices.DeleteFunc(slices.Clone(specs), func(s spec) bool { return !fits(word, s, vw) })
		if len(vspecs) == 0 {
			vspecs = guess(vw) // Verkkokauppa for Verkkokauppa.com
		}
		pats = append(pats, o.spelling(v, vspecs, h)...)
	}
	for j, s := range o.Stems {
		s = lower(s)
		if letters(s) < abbreviationLimit {
			return nil, &OptionError{Key: fmt.Sprintf("stems[%d]", j), Msg: fmt.Sprintf("%q: a stem needs %d letters or more", s, abbreviationLimit)}
		}
		pats = append(pats, o.word("", s, []spec{{decl: vowelStem}}, h)...)
	}
	return pats, nil
}

// spelling returns the patterns of one spelling of the name: as written,
// and a multi-word name also as a hashtag or handle written as one word
// (#revontulielektroniikka).
func (o Options) spelling(s string, specs []spec, h harmony) []Pattern {
	tag := ""
	if s[0] == '#' || s[0] == '@' {
		tag, s = s[:1], s[1:]
	}
	pre, w := splitLast(s)
	pats := o.word(tag+pre, w, specs, h)
	if pre != "" {
		joined := strings.NewReplacer(" ", "", "-", "").Replace(pre)
		pats = append(pats, Options{Exact: o.Exact}.word("#"+joined, w, specs, h)...)
	}
	return pats
}

// word returns the patterns of the forms of w after the text pre.
func (o Options) word(pre, w string, specs []spec, h harmony) []Pattern {
	text := pre + w
	switch {
	case o.Exact:
		return o.fuzzed([]Pattern{{Text: text}}, text)
	case isAbbreviation(w):
		return []Pattern{{Text: text, tails: &tails{abbrev: true}}}
	}
	f := forms{pre: pre, h: h, set: map[string]kind{}}
	for _, s := range specs {
		f.decline(w, s)
	}
	minRunes := max(utf8.RuneCountInString(text)-2, min(abbreviationLimit, utf8.RuneCountInString(text)))
	return o.fuzzed(group(f.set, minRunes, h, o.Compounds), text)
}

// group splits a spelling's forms into patterns: forms sharing a prefix of
// minRunes or more share a stem, their longest common prefix. With short
// stems the index would stop at every word that begins like the name
// (alku for Alko); with whole forms it would hold dozens of patterns a name.
func group(set map[string]kind, minRunes int, h harmony, compounds bool) []Pattern {
	words := slices.Sorted(maps.Keys(set))
	var pats []Pattern
	for i := 0; i < len(words); {
		stem, j := words[i], i+1
		for ; j < len(words); j++ {
			p := commonPrefix(stem, words[j])
			if utf8.RuneCountInString(p) < minRunes {
				break
			}
			stem = p
		}
		t := &tails{set: make(map[string]kind, j-i), harmony: h}
		for _, w := range words[i:j] {
			tail := w[len(stem):]
			t.set[tail] = set[w]
			if compounds && set[w]&nominative != 0 {
				t.nominatives = append(t.nominatives, tail)
			}
		}
		pats = append(pats, Pattern{Text: stem, tails: t})
		i = j
	}
	return pats
}

// commonPrefix returns the longest common prefix of a and b that ends
// between runes.
func commonPrefix(a, b string) string {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	for n > 0 && n < len(a) && !utf8.RuneStart(a[n]) {
		n--
	}
	return a[:n]
}

// splitLast splits a name before its last word, which is the one Finnish
// inflects (Revontuli Elektroniikasta, S-Pankista).
func splitLast(s string) (pre, last string) {
	i := strings.LastIndexAny(s, " -") + 1
	return s[:i], s[i:]
}

// lower lowercases a configured name as the classifier lowercases text.
func lower(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func letters(s string) int {
	n := 0
	for _, r := range s {
		if isNameRune(r) {
			n++
		}
	}
	return n
}

// englishY reports whether w ends in a y read as i (Parcelly, Sydney),
// whose harmony the spelling does not show.
func englishY(w string) bool {
	return lastRune(w) == 'y' && !strings.ContainsRune("uyäö", lastRune(dropLast(w)))
}
