package morph

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

func isVowel(r rune) bool {
	switch r {
	case 'a', 'e', 'i', 'o', 'u', 'y', 'ä', 'ö', 'å':
		return true
	}
	return false
}

func lastRune(s string) rune {
	r, _ := utf8.DecodeLastRuneInString(s)
	return r
}

// dropLast returns s without its last rune.
func dropLast(s string) string {
	_, size := utf8.DecodeLastRuneInString(s)
	return s[:len(s)-size]
}

// harmony is the set of vowels a word's endings are spelt with.
type harmony uint8

const (
	back  harmony = 1 << iota // a, o, u: Rantakodossa
	front                     // ä, ö, y: Björkhemissä
	// both: a foreign name, whose harmony follows a pronunciation its
	// spelling does not show (Supercellilla, Supercellillä).
	both = back | front
)

// harmonyOf returns the harmony of a Finnish word: its last a, o, u or ä,
// ö, y decides, which is the last part's in a compound (Tähtikaupassa,
// Kotipäivässä); a word of e and i only takes front vowels (Kiteessä).
func harmonyOf(word string) harmony {
	for i := len(word); i > 0; {
		r, size := utf8.DecodeLastRuneInString(word[:i])
		i -= size
		switch r {
		case 'a', 'o', 'u', 'å':
			return back
		case 'ä', 'ö', 'y':
			return front
		}
	}
	return front
}

// frontVowels spells a back-vowel ending with front vowels.
var frontVowels = strings.NewReplacer("a", "ä", "o", "ö", "u", "y")

// spell returns ending in each vowel set of h.
func (h harmony) spell(ending string) []string {
	switch h {
	case front:
		return []string{frontVowels.Replace(ending)}
	case both:
		if f := frontVowels.Replace(ending); f != ending {
			return []string{ending, f}
		}
	}
	return []string{ending}
}

// foreign reports whether a word is spelt with letters Finnish words lack
// (b, c, f, q, w, x, z, å, accented letters, g other than in ng).
func foreign(word string) bool {
	prev := rune(0)
	for _, r := range word {
		switch {
		case strings.ContainsRune("bcfqwxz", r), r == 'g' && prev != 'n':
			return true
		case r > 'z' && r != 'ä' && r != 'ö' && unicode.IsLetter(r): // å, é, ü, š …
			return true
		}
		prev = r
	}
	return false
}

// diphthong reports whether the vowels a, b are one syllable: a long vowel
// or a diphthong (ai, au, ie, uo, yö …).
func diphthong(a, b rune) bool {
	switch {
	case a == b:
		return true
	case b == 'i':
		return strings.ContainsRune("aeouyäö", a)
	case b == 'u':
		return strings.ContainsRune("aeio", a)
	case b == 'y':
		return strings.ContainsRune("eiäö", a)
	}
	return a == 'i' && b == 'e' || a == 'u' && b == 'o' || a == 'y' && b == 'ö'
}

// syllables counts a word's syllables as its vowel groups, a long vowel
// or a diphthong counting once (Nokia 3, Kauppa 2).
func syllables(word string) int {
	n, prev := 0, rune(0)
	for _, r := range word {
		if isVowel(r) && !(isVowel(prev) && diphthong(prev, r)) {
			n++
		}
		prev = r
	}
	return n
}

// firstVowel returns the first vowel of word.
func firstVowel(word string) rune {
	for _, r := range word {
		if isVowel(r) {
			return r
		}
	}
	return 0
}

// gradationSite splits a stem ending in one vowel after consonants into
// the part before those consonants, the consonants and the vowel
// (gigantti: "giga", "ntt", "i"). ok is false for a stem ending otherwise
// (valio, finnair).
func gradationSite(stem string) (head, cons, vowel string, ok bool) {
	v := lastRune(stem)
	if !isVowel(v) {
		return "", "", "", false
	}
	rest := dropLast(stem)
	i := len(rest)
	for i > 0 {
		r, size := utf8.DecodeLastRuneInString(rest[:i])
		if isVowel(r) {
			break
		}
		if r > 'z' || !unicode.IsLetter(r) {
			return "", "", "", false
		}
		i -= size
	}
	if i == 0 || i == len(rest) {
		return "", "", "", false
	}
	return rest[:i], rest[i:], stem[len(rest):], true
}

// weakGrade is the weak grade of the consonants of a stem's last syllable,
// the strong grade being the key: kk → k, nt → nn, t → d …
var weakGrade = map[string]string{
	"kk": "k", "pp": "p", "tt": "t",
	"nk": "ng", "mp": "mm", "lt": "ll", "nt": "nn", "rt": "rr", "ht": "hd",
	"t": "d", "p": "v", "k": "",
}

// strongGrade is the strong grade of a weak one: the vowel stems of words
// whose nominative is in the weak grade (kide → kiteen, hammas → hampaan).
var strongGrade = map[string]string{
	"k": "kk", "p": "pp", "t": "tt",
	"ng": "nk", "mm": "mp", "ll": "lt", "nn": "nt", "rr": "rt", "hd": "ht",
	"d": "t",
}

// weaken returns stem with its last syllable in the weak grade (koto →
// kodo, lintu → linnu, gigantti → giganti). single tells a change of one
// consonant (t, p, k), which loans and new names often do not make (auto →
// auton); ok is false when the syllable does not alternate.
func weaken(stem string) (weak string, single, ok bool) {
	head, cons, vowel, ok := gradationSite(stem)
	if !ok {
		return stem, false, false
	}
	if (cons == "lk" || cons == "rk" || cons == "hk") && vowel == "e" { // järki → järjen
		return head + cons[:1] + "j" + vowel, false, true
	}
	return regrade(head, cons, vowel, weakGrade)
}

// strengthen returns stem with its last syllable in the strong grade, for
// words whose nominative is in the weak grade (kide → kite-, hamma(s) →
// hampa-).
func strengthen(stem string) (strong string, single, ok bool) {
	head, cons, vowel, ok := gradationSite(stem)
	if !ok {
		return stem, false, false
	}
	return regrade(head, cons, vowel, strongGrade)
}

// regrade replaces the consonants cons between head and vowel by their
// other grade in table.
func regrade(head, cons, vowel string, table map[string]string) (string, bool, bool) {
	for _, n := range []int{2, 1} { // gigantti: the tt of ntt
		if len(cons) < n || n == 1 && len(cons) > 1 {
			continue
		}
		to, found := table[cons[len(cons)-n:]]
		if !found {
			continue
		}
		pre := head + cons[:len(cons)-n]
		if to == "" { // k between vowels: puku → puvun, reikä → reiän
			if a, b := lastRune(pre), firstRune(vowel); a == b && (a == 'u' || a == 'y') {
				to = "v"
			}
		}
		return pre + to + vowel, n == 1, true
	}
	return head + cons + vowel, false, false
}

func firstRune(s string) rune {
	r, _ := utf8.DecodeRuneInString(s)
	return r
}
