package morph

import "strings"

// decl is a declension: how a word's stems and endings are made. The
// comments name the Kotus types (Kielitoimiston sanakirja) they cover.
type decl uint8

const (
	vowelFinal decl = iota // 1-5, 8-15 valo, palvelu, risti, nalle, kala, koira: Rantakodossa, Gigantissa
	loan                   // 5 with i added to a consonant: Finnairilla, Björkhemiltä
	longFinal              // 17-21 vapaa, maa, tee, Sydney: a long vowel or a diphthong at the end
	eWord                  // 48 hame, kide: Kiteessä
	asWord                 // 41 taivas, hammas, kallis: Makutaivaalta
	nenWord                // 38 nainen: Ahtiselta
	ksWord                 // 39 vastaus: Kiiluksen
	udWord                 // 40 rakkaus: rakkauden
	inWord                 // 33 puhelin, kerroin: puhelimen
	tonWord                // 34 onneton: onnettoman
	oldI                   // 7, 23-24 kivi, lohi, tuli, lahti: Lohen (names ending in oldINouns, or as inflect_like says)
	pluralT                // a name in the plural: Koijarit → Koijareilta
	vowelStem              // an explicit stem (config stems), which takes vowel-stem endings
)

// gradeMode says whether a word's consonants alternate (koto → kodon).
type gradeMode uint8

const (
	gradeAuto gradeMode = iota // alternate; where names often do not (t, p, k, loans), also accept them unchanged
	gradeNone
	gradeOn
)

// aPlural is how an a-word makes its plural stem.
type aPlural uint8

const (
	aPluralAuto aPlural = iota // by the word (pluralsOfA)
	aPluralO                   // kala → kaloja
	aPluralDrop                // koira → koiria
)

// spec is how to decline a word: its declension and what the word alone
// does not tell.
type spec struct {
	decl   decl
	grade  gradeMode
	plural aPlural
}

// models are the words inflect_like names: a name is declined as its
// model is.
var models = map[string]spec{
	"valo":    {decl: vowelFinal, grade: gradeNone},
	"koto":    {decl: vowelFinal, grade: gradeOn},
	"kala":    {decl: vowelFinal, grade: gradeNone, plural: aPluralO},
	"kauppa":  {decl: vowelFinal, grade: gradeOn, plural: aPluralO},
	"koira":   {decl: vowelFinal, grade: gradeNone, plural: aPluralDrop},
	"kukka":   {decl: vowelFinal, grade: gradeOn, plural: aPluralDrop},
	"risti":   {decl: vowelFinal, grade: gradeNone},
	"pankki":  {decl: vowelFinal, grade: gradeOn},
	"nalle":   {decl: vowelFinal, grade: gradeNone},
	"nukke":   {decl: vowelFinal, grade: gradeOn},
	"finnair": {decl: loan},
	"maa":     {decl: longFinal},
	"hame":    {decl: eWord, grade: gradeNone},
	"kide":    {decl: eWord, grade: gradeOn},
	"taivas":  {decl: asWord, grade: gradeNone},
	"hammas":  {decl: asWord, grade: gradeOn},
	"nainen":  {decl: nenWord},
	"vastaus": {decl: ksWord},
	"rakkaus": {decl: udWord},
	"puhelin": {decl: inWord, grade: gradeNone},
	"kerroin": {decl: inWord, grade: gradeOn},
	"onneton": {decl: tonWord},
	"lohi":    {decl: oldI, grade: gradeNone},
	"kivi":    {decl: oldI, grade: gradeNone},
	"tuli":    {decl: oldI, grade: gradeNone},
	"lahti":   {decl: oldI, grade: gradeOn},
	"järki":   {decl: oldI, grade: gradeOn},
}

// oldINouns are common nouns of the old i-stem types (kivi → kiven,
// tähti → tähden) that names often end in (Pohjantähti, Hakasaari,
// Kuusijärvi), with their gradation. Their endings alone would be read as
// new i-stems (risti → ristin).
var oldINouns = map[string]gradeMode{
	"kivi": gradeNone, "lohi": gradeNone, "tuli": gradeNone, "järvi": gradeNone, "saari": gradeNone,
	"niemi": gradeNone, "vuori": gradeNone, "pilvi": gradeNone, "suvi": gradeNone, "sarvi": gradeNone,
	"hiiri": gradeNone, "tuuli": gradeNone, "kieli": gradeNone, "sieni": gradeNone, "talvi": gradeNone,
	"lahti": gradeOn, "tähti": gradeOn, "lehti": gradeOn, "joki": gradeOn, "mäki": gradeOn,
	"järki": gradeOn, "lampi": gradeOn, "väki": gradeOn,
}

// oldINoun returns the gradation of the old i-stem noun w is or ends in.
func oldINoun(w string) (gradeMode, bool) {
	for n, g := range oldINouns {
		if strings.HasSuffix(w, n) {
			return g, true
		}
	}
	return 0, false
}

// guess returns the declensions a word's ending allows. Where the ending
// does not decide, it returns several: the forms of each are accepted,
// which costs little, since the forms of one name seldom spell another
// word.
func guess(w string) []spec {
	last, prev := lastRune(w), lastRune(dropLast(w))
	var specs []spec
	switch {
	case strings.HasSuffix(w, "nen"):
		return []spec{{decl: nenWord}}
	case strings.HasSuffix(w, "ton"), strings.HasSuffix(w, "tön"):
		return []spec{{decl: tonWord}, {decl: loan}}
	case strings.HasSuffix(w, "in"):
		return []spec{{decl: inWord}, {decl: loan}} // Kevinin too
	case last == 's' && isVowel(prev):
		switch {
		case strings.HasSuffix(w, "uus"), strings.HasSuffix(w, "yys"), strings.HasSuffix(w, "eus"), strings.HasSuffix(w, "eys"):
			specs = []spec{{decl: udWord}}
		case strings.ContainsRune("aäei", prev): // Makutaivaan; Atlaksen
			specs = []spec{{decl: asWord}, {decl: ksWord}}
		default:
			specs = []spec{{decl: ksWord}}
		}
		if foreign(w) { // Lexusin
			specs = append(specs, spec{decl: loan})
		}
		return specs
	case last == 't' && isVowel(prev): // Koijarit, or Motonet as a loan
		return []spec{{decl: pluralT}, {decl: loan}}
	case !isVowel(last):
		return []spec{{decl: loan}}
	case last == 'e' && !isVowel(prev): // Kiteen; Applen, Nallen
		return []spec{{decl: eWord}, {decl: vowelFinal, grade: gradeNone}}
	case isVowel(prev) && diphthong(prev, last):
		return []spec{{decl: longFinal}}
	}
	if g, ok := oldINoun(w); ok && last == 'i' {
		return []spec{{decl: oldI, grade: g}, {decl: vowelFinal}}
	}
	return []spec{{decl: vowelFinal}}
}

// fits reports whether declension s of the model word can decline w: w
// ends as the model does.
func fits(model string, s spec, w string) bool {
	last, prev := lastRune(w), lastRune(dropLast(w))
	switch s.decl {
	case vowelFinal:
		return isVowel(last) && vowelClass(last) == vowelClass(lastRune(model))
	case loan:
		return !isVowel(last)
	case longFinal:
		return isVowel(prev) && diphthong(prev, last)
	case eWord:
		return last == 'e'
	case asWord, ksWord, udWord:
		return last == 's' && isVowel(prev)
	case nenWord:
		return strings.HasSuffix(w, "nen")
	case inWord:
		return strings.HasSuffix(w, "in")
	case tonWord:
		return strings.HasSuffix(w, "ton") || strings.HasSuffix(w, "tön")
	case oldI:
		return last == 'i' && !isVowel(prev)
	case pluralT:
		return last == 't' && isVowel(prev)
	}
	return false
}

// vowelClass groups the final vowels whose words share plural stems.
func vowelClass(v rune) rune {
	switch v {
	case 'a', 'ä':
		return 'a'
	case 'i', 'e':
		return v
	}
	return 'o'
}

// Endings, spelt with back vowels. ~ is the stem's last vowel (koto-~n:
// kotoon); a trailing + marks a base that only takes a possessive suffix
// (kotoine-en).
const (
	weakCases        = "n ssa sta lla lta lle ksi tta t" // genitive, local cases, translative, abessive, plural nominative
	pluralWeak       = "issa ista illa ilta ille iksi itta"
	pluralAfterVowel = "ja jen ina ihin ita iden itten ine+ ineen" // kotoja, kauppoja, gigantteja
	pluralAfterCons  = "ia ien ina iin ine+ ineen"                 // koiria, naisia
	pluralLongVowel  = "ita iden itten ina ihin isiin ine+ ineen"  // kiteitä, maita
	vowelStemEndings = weakCases + " na ~n"
)

// abbreviationLimit: a word of fewer letters is matched as written (OP, Oy).
const abbreviationLimit = 4

// forms collects the forms of one spelling as the declensions make them.
type forms struct {
	pre string // the words before the one declined, and a # or @
	h   harmony
	set map[string]kind
}

// add adds stem and each of endings.
func (f *forms) add(stem, endings string) {
	v := string(lastRune(stem))
	for _, e := range strings.Fields(endings) {
		e, possOnly := strings.CutSuffix(e, "+")
		for _, spelt := range f.h.spell(e) {
			w := f.pre + stem + strings.ReplaceAll(spelt, "~", v)
			if possOnly {
				f.set[w] |= possBase
				continue
			}
			f.set[w] |= caseForm
			if base, ok := possessiveBase(w); ok {
				f.set[base] |= possBase
			}
		}
	}
}

// possessiveBase returns the form a possessive suffix replaces the end of:
// kodossa-ni, kotoo(n)-ni, kodo(ksi) → kodokse-ni. For a genitive or a
// plural nominative it gives a weak stem where the strong one is right
// (kodo-ni for koto-ni); such strings are not words, so accepting them
// costs nothing, and poss adds the strong one.
func possessiveBase(w string) (string, bool) {
	switch {
	case strings.HasSuffix(w, "ksi"):
		return w[:len(w)-1] + "e", true
	case strings.HasSuffix(w, "n"), strings.HasSuffix(w, "t"):
		return w[:len(w)-1], true
	}
	return w, isVowel(lastRune(w))
}

// poss adds the stem that takes a possessive suffix in the nominative and
// genitive: Rantakoto-ni, Ahtise-nsa.
func (f *forms) poss(stem string) { f.set[f.pre+stem] |= possBase }

// nominative adds the name as written, with the Swedish genitive s
// (Rantakotos, Björkhems).
func (f *forms) nominative(w string) {
	f.set[f.pre+w] |= caseForm | nominative
	if !strings.ContainsRune("sxz", lastRune(w)) {
		f.set[f.pre+w+"s"] |= caseForm
	}
}

// decline adds the forms of w in declension s.
func (f *forms) decline(w string, s spec) {
	switch s.decl {
	case vowelFinal:
		f.nominative(w)
		f.vowelStems(w, gradeStems(w, s.grade, weaken), s)
	case loan:
		f.nominative(w)
		f.vowelStems(w+"i", []string{w + "i"}, s)
	case longFinal:
		f.nominative(w)
		f.add(w, vowelStemEndings+" ta h~n seen")
		f.poss(w)
		f.yIllative(w)
		f.add(dropLast(w), pluralLongVowel+" "+pluralWeak)
	case eWord:
		for _, strong := range gradeStems(w, s.grade, strengthen) {
			f.longStem(w, strong+"e", "tta")
		}
	case asWord:
		base := w[:len(w)-1]
		for _, strong := range gradeStems(base, s.grade, strengthen) {
			f.longStem(w, strong+string(lastRune(base)), "ta")
		}
		f.add(w, "ten") // taivasten
	case nenWord:
		b := w[:len(w)-len("nen")]
		f.consStems(w, consStems{strong: b + "se", weak: b + "se", cons: b + "s", plural: b + "s", pluralWeak: b + "s"})
	case ksWord:
		b := w[:len(w)-1]
		f.consStems(w, consStems{strong: b + "kse", weak: b + "kse", cons: w, plural: b + "ks", pluralWeak: b + "ks"})
	case udWord:
		b := w[:len(w)-1]
		f.consStems(w, consStems{strong: b + "te", weak: b + "de", cons: b + "t", plural: b + "ks", pluralWeak: b + "ks"})
	case inWord:
		for _, b := range gradeStems(w[:len(w)-len("in")], s.grade, strengthen) {
			f.consStems(w, consStems{strong: b + "ime", weak: b + "ime", cons: w, plural: b + "im", pluralWeak: b + "im"})
		}
	case tonWord:
		b := w[:len(w)-len("ton")] + "ttoma"
		if strings.HasSuffix(w, "tön") {
			b = w[:len(w)-len("tön")] + "ttömä"
		}
		f.consStems(w, consStems{strong: b, weak: b, cons: w, plural: dropLast(b), pluralWeak: dropLast(b)})
	case oldI:
		b := dropLast(w) + "e"
		for _, weak := range gradeStems(b, s.grade, weaken) {
			f.consStems(w, consStems{strong: b, weak: weak, cons: dropLast(w), plural: dropLast(w), pluralWeak: dropLast(weak)})
		}
		f.add(b, "a") // kiveä
	case pluralT:
		f.nominative(w)
		base := dropLast(w)
		for _, bs := range guess(base) {
			f.decline(base, bs)
		}
	case vowelStem:
		f.add(w, vowelStemEndings)
		f.poss(w)
	}
}

// gradeStems returns the stems of w in its other grade (regrade is weaken
// or strengthen): the regraded one, and with gradeAuto w as well where
// names often do not alternate.
func gradeStems(w string, g gradeMode, regrade func(string) (string, bool, bool)) []string {
	graded, single, ok := regrade(w)
	switch {
	case !ok || g == gradeNone:
		return []string{w}
	case g == gradeAuto && (single || foreign(w)):
		return []string{graded, w}
	}
	return []string{graded}
}

// vowelStems adds the forms of a word whose stem ends in a short vowel:
// strong is the stem of the partitive, essive and illative, weak the stems
// of the other cases.
func (f *forms) vowelStems(strong string, weak []string, s spec) {
	for _, w := range weak {
		f.add(w, weakCases)
	}
	f.add(strong, "a na ~n")
	f.poss(strong)
	if isVowel(lastRune(dropLast(strong))) { // Valiota, Nokiata
		f.add(strong, "ta")
	}
	f.yIllative(strong)
	switch lastRune(strong) {
	case 'i': // gigantteja, giganttien, giganteissa
		f.add(dropLast(strong), "ien")
		f.plural(strong, weak, "e", pluralAfterVowel)
	case 'a', 'ä':
		o, drop := pluralsOfA(strong, s.plural)
		if o { // kauppoja, kaupoissa
			f.plural(strong, weak, "o", pluralAfterVowel)
		}
		if drop { // koiria; korkeita
			endings := pluralAfterCons
			if isVowel(lastRune(dropLast(strong))) {
				endings = pluralAfterVowel
			}
			f.plural(strong, weak, "", endings)
		}
	default: // kotoja, kodoissa
		f.plural(strong, weak, string(lastRune(strong)), pluralAfterVowel)
	}
}

// plural adds the plural forms, whose stems end in vowel instead of the
// singular stems' last vowel (gigantti → gigantte-, kauppa → kauppo-,
// koira → koir-): the strong stem with endings, the weak ones with the
// weak plural endings.
func (f *forms) plural(strong string, weak []string, vowel, endings string) {
	f.add(dropLast(strong)+vowel, endings)
	for _, w := range weak {
		f.add(dropLast(w)+vowel, pluralWeak)
	}
}

// pluralsOfA says how an a-word makes its plural stem: a → o after a
// first syllable with a, e or i (kala, kauppa, Prisma), dropped after o
// or u (koira, Oura) and in front words (päivä), both in longer words
// (omena: omenoita, omenia).
func pluralsOfA(w string, p aPlural) (o, drop bool) {
	switch {
	case p == aPluralO:
		return true, false
	case p == aPluralDrop, lastRune(w) == 'ä':
		return false, true
	case syllables(w) == 2:
		v := firstVowel(w)
		return v != 'o' && v != 'u', v == 'o' || v == 'u'
	}
	return true, true
}

// yIllative adds the illative of an English y read as i: Parcellyhin,
// Sydneyhin.
func (f *forms) yIllative(w string) {
	if lastRune(w) == 'y' {
		f.add(w, "hin")
	}
}

// longStem adds the forms of a word whose vowel stem ends in a long vowel
// (kide → kitee-, taivas → taivaa-): partitive is the ending the
// nominative takes in the partitive (kidettä, taivasta).
func (f *forms) longStem(nom, stem, partitive string) {
	f.nominative(nom)
	f.add(nom, partitive)
	f.add(stem, weakCases+" na seen")
	f.poss(stem)
	f.add(dropLast(stem), pluralLongVowel+" "+pluralWeak)
}

// consStems are the stems of a word whose nominative is cut short of its
// vowel stem (nainen: naise-, nais-).
type consStems struct {
	strong, weak string // the vowel stems: naise-na, naise-n; kalleute-na, kalleude-n
	cons         string // partitive and plural genitive: nais-ta, nais-ten
	plural       string // naisi-a, naisi-in
	pluralWeak   string // naisi-ssa; lahdi-ssa
}

func (f *forms) consStems(nom string, s consStems) {
	f.nominative(nom)
	f.add(s.weak, weakCases)
	f.add(s.strong, "na ~n")
	f.poss(s.strong)
	f.add(s.cons, "ta ten")
	f.add(s.plural, pluralAfterCons)
	f.add(s.pluralWeak, pluralWeak)
}

// isAbbreviation reports whether w is matched as written, with endings
// only after a colon: fewer than abbreviationLimit letters (OP, Oy), or
// ending in a digit (Formula 1:n).
func isAbbreviation(w string) bool {
	r := lastRune(w)
	return r >= '0' && r <= '9' || letters(w) < abbreviationLimit
}
