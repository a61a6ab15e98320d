package lexicon

import (
	"strings"

	"github.com/ewom/ewom/internal/classify/strtab"
)

// Inflections is the set of endings that may follow a lexicon stem and still
// count as the same word: Finnish case, number, possessive and clitic endings,
// English -s/-ed/-ing, Swedish definite and plural endings.
type Inflections struct {
	endings *strtab.Map[struct{}] // looked up for every stem a word starts with
	maxLen  int
}

// Has reports whether ending is an inflection ending ("" always is).
func (in *Inflections) Has(ending string) bool {
	if ending == "" {
		return true
	}
	if len(ending) > in.maxLen {
		return false
	}
	_, ok := in.endings.Get(ending)
	return ok
}

func newInflections(endings []string) *Inflections {
	set := make(map[string]struct{}, len(endings))
	in := &Inflections{}
	for _, e := range endings {
		set[e] = struct{}{}
		in.maxLen = max(in.maxLen, len(e))
	}
	in.endings = strtab.New(set)
	return in
}

// Finnish endings are generated from parts in back-vowel spelling; the
// front-vowel (vowel harmony) twin of each is added.
func Finnish() *Inflections {
	cases := strings.Fields(`n a ta na ksi ssa sta lla lta lle tta an en in on un yn hin seen t ne ine kse`)
	plural := strings.Fields(`i in ia ita ina issa ista illa ilta ille iksi iin ihin ien iden itten ja jen ine`)
	derived := strings.Fields(`sti isti mpi mpa mman mmin mpia mmat mpaa in immin impi impia immat uus uuden uutta`)
	verb := strings.Fields(`mme tte vat i it imme itte ivat isi isin isit isimme isivat nut neet ttu ttiin tiin taan daan tava ma massa maan malla matta minen mista maton da ja va`)
	possessive := strings.Fields(`ni si nsa mme nne an en`)
	clitic := strings.Fields(`kin kaan han pa ko`)

	base := append(append(append(append([]string{""}, cases...), plural...), derived...), verb...)
	var all []string
	for _, b := range base {
		all = append(all, b)
		for _, p := range possessive {
			all = append(all, b+p)
		}
		for _, c := range clitic {
			all = append(all, b+c)
		}
	}
	front := strings.NewReplacer("a", "ä", "o", "ö", "u", "y")
	n := len(all)
	for _, e := range all[:n] {
		all = append(all, front.Replace(e))
	}
	return newInflections(all)
}

// English endings: plural, past, progressive, adverb, comparative, genitive.
func English() *Inflections {
	return newInflections(strings.Fields(`s es ed d ing ly er est 's ’s`))
}

// Swedish endings: definite, plural, adjective agreement, comparison, genitive.
func Swedish() *Inflections {
	return newInflections(strings.Fields(`a t e en et n na er ar or erna arna orna ade at s ens ets are ast aste ande`))
}

// Union returns the endings of all the given sets, for matching phrases
// whose language is not known in advance (journey cues, disclosures).
func Union(sets ...*Inflections) *Inflections {
	var all []string
	for _, s := range sets {
		for e := range s.endings.All() {
			all = append(all, e)
		}
	}
	return newInflections(all)
}
