// Package lang identifies the language of short social texts. It knows
// Finnish, Swedish and English well and a handful of other European
// languages well enough to say "not one of ours"; when the evidence is thin
// it answers "und" rather than guess.
package lang

import (
	_ "embed"
	"math/bits"
	"strings"
	"unicode/utf8"

	"github.com/ewom/ewom/internal/classify/strtab"
	"github.com/ewom/ewom/internal/classify/token"
)

// Und is the answer when the language cannot be told.
const Und = "und"

//go:embed words.txt
var WordsFile string

// Detector scores tokens against per-language word lists and spelling cues.
// It is read-only after construction and safe for concurrent use.
type Detector struct {
	langs []string
	// words turns most words in no list away with its filter, before
	// their slot is read: half the words of a text are in no list. A
	// word's value is its lists, packed (listBits).
	words *strtab.Map[uint64]
	cue   cueLangs
}

// A word's lists are packed in one integer kept in its slot, so that a
// lookup reads one cache line: how many times each language's list has
// the word, listBits bits a language, and their total from totalShift on.
// Each time counts 1/total of a word for its language.
const (
	listBits   = 3
	listMask   = 1<<listBits - 1
	totalShift = maxLangs * listBits
)

// shares[n] is what each time a word is listed counts when it is listed n
// times: computed once, not divided for every word.
var shares = func() (s [maxLangs*listMask + 1]float64) {
	for n := 1; n < len(s); n++ {
		s[n] = float64(1 / float32(n))
	}
	return s
}()

// cueLangs are the score indexes of the languages spelling cues name,
// found once (-1 for a language not in the lists).
type cueLangs struct{ sv, da, no, de, et, es, fr, pt, en, fi int }

// Result is a detection with the evidence behind it.
type Result struct {
	Lang       string
	Guess      string  // the best-scoring language even when Lang is und
	Confidence float64 // best score's share of all evidence, 0..1
	Score      float64 // best language's evidence, in word-equivalents
}

// New parses the embedded word lists.
func New() *Detector {
	d := &Detector{}
	perWord := map[string][]int{}
	for line := range strings.Lines(WordsFile) {
		line = strings.TrimSpace(line)
		code, list, ok := strings.Cut(line, ":")
		if !ok || strings.HasPrefix(line, "#") {
			continue
		}
		d.langs = append(d.langs, code)
		for _, w := range strings.Fields(list) {
			perWord[w] = append(perWord[w], len(d.langs)-1)
		}
	}
	d.cue = cueLangs{sv: d.index("sv"), da: d.index("da"), no: d.index("no"), de: d.index("de"), et: d.index("et"),
		es: d.index("es"), fr: d.index("fr"), pt: d.index("pt"), en: d.index("en"), fi: d.index("fi")}
	if len(d.langs) > maxLangs {
		panic("lang: words.txt has more than 16 languages")
	}
	words := map[string]uint64{}
	for w, langs := range perWord {
		lists := uint64(len(langs)) << totalShift
		for _, l := range langs {
			if lists>>(l*listBits)&listMask == listMask {
				panic("lang: words.txt lists " + w + " too many times for " + d.langs[l])
			}
			lists += 1 << (l * listBits)
		}
		words[w] = lists
	}
	d.words = strtab.New(words)
	return d
}

// maxLangs bounds the score array so detection does not allocate.
const maxLangs = 16

// Detect identifies the language of the tokens. declared is the source's own
// tag: it only breaks near-ties and rescues very short texts, never
// overrides clear evidence.
func (d *Detector) Detect(toks []token.Token, declared string) Result {
	var scores [maxLangs]float64
	for _, t := range toks {
		if t.Kind != token.Word {
			continue
		}
		lists, ok := d.words.Get(t.Text)
		if !ok {
			continue
		}
		share := shares[lists>>totalShift]
		for c := lists & (1<<totalShift - 1); c != 0; {
			l := bits.TrailingZeros64(c) / listBits
			for range c >> (l * listBits) & listMask {
				scores[l] += share
			}
			c &^= listMask << (l * listBits)
		}
	}
	// Spelling cues cost more than word lookups; most posts are decided
	// by their function words alone.
	if !decisive(&scores, len(d.langs)) {
		for _, t := range toks {
			if t.Kind == token.Word {
				d.spellingCues(t.Text, &scores)
			}
		}
	}
	best, second, total := -1, -1, 0.0
	for i := range d.langs {
		total += scores[i]
		switch {
		case best < 0 || scores[i] > scores[best]:
			best, second = i, best
		case second < 0 || scores[i] > scores[second]:
			second = i
		}
	}
	if best < 0 || scores[best] <= 0 {
		return Result{Lang: Und}
	}
	r := Result{Lang: d.langs[best], Guess: d.langs[best], Score: scores[best], Confidence: scores[best] / total}
	margin := scores[best] - scores[second]
	declaredIsBest := declared != "" && strings.EqualFold(declared, r.Lang)
	switch {
	case declaredIsBest && margin > 0:
		return r
	case scores[best] >= 1.5 && margin >= 1 && r.Confidence >= 0.5:
		return r
	case scores[best] >= 1 && margin >= 0.6 && r.Confidence >= 0.45:
		return r
	case scores[best] >= 3 && margin >= 2:
		// Plenty of evidence and a clear lead: loan words, names and
		// the related languages' shares of the same function words
		// (sv, da, no) add to the total without making another
		// language likely (a Swedish post about an app in Vasa).
		return r
	}
	r.Lang = Und
	return r
}

// decisive reports function-word evidence strong enough that spelling
// cues could not change the answer.
func decisive(scores *[maxLangs]float64, n int) bool {
	best, second := 0.0, 0.0
	for _, v := range scores[:n] {
		if v > best {
			best, second = v, best
		} else if v > second {
			second = v
		}
	}
	return best >= 4 && best >= 3*second
}

// Index returns the position of a language in the score order, for cues.
func (d *Detector) index(code string) int {
	for i, l := range d.langs {
		if l == code {
			return i
		}
	}
	return -1
}

// spellingCues adds evidence from letters and endings that function words
// miss: Finnish case endings and double vowels, Scandinavian å, English th.
func (d *Detector) spellingCues(w string, scores *[maxLangs]float64) {
	if utf8.RuneCountInString(w) < 3 {
		return
	}
	add := func(i int, v float64) {
		if i >= 0 {
			scores[i] += v
		}
	}
	ascii := isASCII(w)
	if ascii { // of the letters below, only w is ASCII
		for range strings.Count(w, "w") {
			add(d.cue.en, 0.15)
		}
	} else {
		for _, r := range w {
			switch r {
			case 'å':
				add(d.cue.sv, 0.5)
				add(d.cue.da, 0.3)
				add(d.cue.no, 0.3)
			case 'æ', 'ø':
				add(d.cue.da, 0.6)
				add(d.cue.no, 0.6)
			case 'ü', 'ß':
				add(d.cue.de, 0.6)
			case 'õ':
				add(d.cue.et, 0.8)
			case 'ñ':
				add(d.cue.es, 0.6)
			case 'ç', 'è', 'ê', 'à':
				add(d.cue.fr, 0.4)
			case 'ã':
				add(d.cue.pt, 0.6)
			case 'w':
				add(d.cue.en, 0.15)
			}
		}
	}
	if fiEndings.in(w) {
		add(d.cue.fi, 0.6)
	}
	if hasDoubleVowel(w) {
		add(d.cue.fi, 0.3)
	}
	if !ascii && strings.ContainsAny(w, "äö") { // Danish and Norwegian write æ, ø
		add(d.cue.fi, 0.3)
		add(d.cue.sv, 0.3)
		add(d.cue.de, 0.15)
		add(d.cue.et, 0.15)
	}
	if strings.HasSuffix(w, "ing") || strings.HasSuffix(w, "tion") || strings.Contains(w, "th") || strings.HasSuffix(w, "ly") {
		add(d.cue.en, 0.4)
	}
	if svEndings.in(w) {
		add(d.cue.sv, 0.4)
	}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// hasDoubleVowel reports a Finnish long vowel: aa, ää, yy, uu, ii or öö.
func hasDoubleVowel(w string) bool {
	for i := 1; i < len(w); i++ {
		switch c := w[i]; {
		case c == w[i-1] && (c == 'a' || c == 'y' || c == 'u' || c == 'i'):
			return true
		case (c == 0xa4 || c == 0xb6) && i >= 3 && w[i-1] == 0xc3 && w[i-2] == c && w[i-3] == 0xc3: // ä, ö
			return true
		}
	}
	return false
}

// suffixSet holds endings by their last byte, so a word is checked only
// against the endings that end as it does.
type suffixSet [256][]string

func newSuffixSet(endings string) *suffixSet {
	var s suffixSet
	for _, e := range strings.Fields(endings) {
		s[e[len(e)-1]] = append(s[e[len(e)-1]], e)
	}
	return &s
}

// in reports whether w ends in one of the endings.
func (s *suffixSet) in(w string) bool {
	if w == "" {
		return false
	}
	for _, e := range s[w[len(w)-1]] {
		if strings.HasSuffix(w, e) {
			return true
		}
	}
	return false
}

const (
	svEndingList = "het heten ligt ningen arna orna erna ande ade ast aste"
	fiEndingList = "ssa ssä sta stä lla llä lta ltä lle ksi sti nen ista istä ään aan kin kaan kään ssani ssaan mme nut nyt ttiin"
)

var svEndings, fiEndings = newSuffixSet(svEndingList), newSuffixSet(fiEndingList)
