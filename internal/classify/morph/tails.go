package morph

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// kind says what a tail after a stem is.
type kind uint8

const (
	caseForm   kind = 1 << iota // a whole word form: kodon, kodossa
	possBase                    // what a possessive suffix follows: koto-ni, kodossa-an
	nominative                  // the name as written (Options.Compounds)
)

// tails is the set of what may follow one stem to make a form of the
// name: the rest of the word up to the first character that is neither a
// letter nor a digit.
type tails struct {
	set map[string]kind
	// harmony of the possessive suffixes and clitics that may follow a
	// form (Rantakodossaan, Björkhemiltäkin).
	harmony harmony
	// nominatives are the tails of the name as written, when it may begin
	// a compound written as one word (Rantakototilaus; Options.Compounds).
	nominatives []string
	// abbrev: a name matched as written (OP), which takes its endings after
	// a colon (OP:n, OP:lta).
	abbrev bool
}

// maxClitics is how many clitics may end a word (Sinilinnullakohan).
const maxClitics = 2

var (
	clitics = [...][]string{
		back:  {"kin", "kaan", "han", "pa", "ko"},
		front: {"kin", "kään", "hän", "pä", "kö"},
		both:  {"kin", "kaan", "han", "pa", "ko", "kään", "hän", "pä", "kö"},
	}
	// possessives lacks the third person's lengthened vowel + n
	// (kodossa-an), which possessive checks on its own.
	possessives = [...][]string{
		back:  {"ni", "si", "mme", "nne", "nsa"},
		front: {"ni", "si", "mme", "nne", "nsä"},
		both:  {"ni", "si", "mme", "nne", "nsa", "nsä"},
	}
)

// minCompoundHead is the shortest word that may follow a name in a
// compound written as one word.
const minCompoundHead = 3

// accepts reports whether the word that s[start:end] begins is a form of
// the name whose stem is s[start:end], and returns where the word ends. A
// nil set accepts the stem alone (domains, handles, inflect: false).
func (t *tails) accepts(s string, start, end int) (to int, ok bool) {
	to = wordEnd(s, end)
	switch {
	case t == nil:
		return to, to == end
	case t.abbrev:
		if to != end {
			return to, false
		}
		return afterColon(s, end)
	}
	return to, t.word(s[start:to], end-start, maxClitics)
}

// word reports whether w, whose first stem bytes are the stem, is a form:
// a case form, possibly with a possessive suffix, then up to n clitics.
func (t *tails) word(w string, stem, n int) bool {
	if t.set[w[stem:]]&caseForm != 0 || t.possessive(w, stem) || t.compound(w[stem:]) {
		return true
	}
	if n == 0 {
		return false
	}
	for _, c := range clitics[t.harmony] {
		if len(w)-len(c) >= stem && strings.HasSuffix(w, c) && t.word(w[:len(w)-len(c)], stem, n-1) {
			return true
		}
	}
	return false
}

// possessive reports whether w is a possessive base and a possessive
// suffix: Rantakoto-ni, Rantakodossa-an.
func (t *tails) possessive(w string, stem int) bool {
	for _, p := range possessives[t.harmony] {
		if len(w)-len(p) >= stem && strings.HasSuffix(w, p) && t.set[w[stem:len(w)-len(p)]]&possBase != 0 {
			return true
		}
	}
	// The third person after a short vowel: the vowel lengthened and n.
	base, ok := strings.CutSuffix(w, "n")
	if !ok {
		return false
	}
	v := lastRune(base)
	base = dropLast(base)
	return isVowel(v) && lastRune(base) == v && len(base) >= stem && t.set[base[stem:]]&possBase != 0
}

// compound reports whether tail is the nominative's tail and a word after
// it, for a name configured to start compounds.
func (t *tails) compound(tail string) bool {
	for _, nom := range t.nominatives {
		if strings.HasPrefix(tail, nom) && utf8.RuneCountInString(tail[len(nom):]) >= minCompoundHead {
			return true
		}
	}
	return false
}

// abbrevEndings are the endings an abbreviation takes after a colon, in
// either vowel harmony since they follow how the letters are read (OP:n,
// OP:tä, OP:lle, SOK:hon).
var abbrevEndings = func() *tails {
	t := &tails{set: map[string]kind{}, harmony: both}
	for _, e := range strings.Fields(`n a ta na ksi ssa sta lla lta lle tta t iin seen han hen hin hon hun hyn hän hön
		ien iden ia ita ina iksi issa ista illa ilta ille ihin`) {
		for _, spelt := range both.spell(e) {
			t.set[spelt] = caseForm
		}
	}
	return t
}()

// afterColon accepts an abbreviation's end at s[end:]: nothing, or a colon
// and an ending.
func afterColon(s string, end int) (int, bool) {
	if end == len(s) || s[end] != ':' {
		return end, true
	}
	to := wordEnd(s, end+1)
	if to == end+1 { // "OP: …"
		return end, true
	}
	return to, abbrevEndings.word(s[end+1:to], 0, maxClitics)
}

// wordEnd returns where the letters and digits from s[i:] end.
func wordEnd(s string, i int) int {
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !isNameRune(r) {
			break
		}
		i += size
	}
	return i
}

// startsWord reports whether s[i:] begins a word: no letter or digit
// before it.
func startsWord(s string, i int) bool {
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return i == 0 || !isNameRune(r)
}

func isNameRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }
