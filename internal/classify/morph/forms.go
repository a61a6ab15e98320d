package morph

import (
	"maps"
	"slices"
)

// Inflection is what a Finnish word may be written as in text: its case
// forms and what may follow them.
type Inflection struct {
	// Forms are the case forms in both numbers, the word itself among
	// them, lowercased and sorted.
	Forms []string
	// Possessives and Clitics are the suffixes that may follow a form, in
	// the word's vowel harmony (toimitukseni, toimituksenkin). The third
	// person's lengthened vowel + n (toimitukseen) is not among them.
	Possessives, Clitics []string
}

// Inflect declines word as Decline declines the last word of a name (by
// its ending, both grades where names often keep one): the forms a search
// term matches (internal/query). A word of fewer than four letters is
// matched as written: it has no other forms.
func Inflect(word string) Inflection {
	w := lower(word)
	if isAbbreviation(w) {
		return Inflection{Forms: []string{w}}
	}
	specs := guess(w)
	h := harmonyOf(w)
	if foreign(w) || slices.ContainsFunc(specs, func(s spec) bool { return s.decl == loan }) || englishY(w) {
		h = both
	}
	f := forms{h: h, set: map[string]kind{w: caseForm}}
	for _, s := range specs {
		f.decline(w, s)
	}
	var out []string
	for _, form := range slices.Sorted(maps.Keys(f.set)) {
		if f.set[form]&caseForm != 0 {
			out = append(out, form)
		}
	}
	return Inflection{Forms: out, Possessives: possessives[h], Clitics: clitics[h]}
}
