package terms

import (
	"bufio"
	"embed"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/ewom/ewom/internal/classify/lexicon"
	"github.com/ewom/ewom/internal/classify/morph"
)

//go:embed data/*.txt
var data embed.FS

// lemmatizer maps a lowercased word to its lemma, or to a stable stem.
type lemmatizer interface {
	lemma(w string) string
}

// finnish lemmatises with a dictionary of customer-experience lemmas:
// nouns and adjectives declined by internal/classify/morph (case, number,
// possessive and clitic forms, consonant gradation), verbs by their listed
// stems and the verb endings, and compounds written as one word by their
// last part (toimitusajan → toimitusaika, asiakaspalvelusta →
// asiakaspalvelu). A word the dictionary does not know keeps its form,
// without clitics.
type finnish struct {
	forms   map[string]string        // irregular or short forms → lemma
	nominal map[string][]nominalStem // morph pattern text → the lemmas it declines
	verbs   map[string]string        // verb stem → infinitive
	verbEnd map[string]bool
	// starts holds the beginnings of the keys of forms, nominal and verbs
	// of two bytes or more (prefixes): known skips a word whose beginning
	// none has; starts3 those of three bytes or more, and maxKey the
	// longest key of nominal and verbs, which bound the beginnings of a
	// word it looks up.
	starts, starts3 *prefixes
	maxKey          int
}

type nominalStem struct {
	lemma string
	pat   morph.Pattern
}

// verbEndings follow a verb stem: personal endings, past, conditional,
// participles, passive, infinitives, imperative, in both vowel harmonies
// (generated from the back-vowel spelling), each optionally with a clitic.
var verbEndings = func() map[string]bool {
	base := strings.Fields(`_ n t mme tte vat i in it imme itte ivat isi isin isit isimme isitte isivat
		u ut nut neet eet ee tu ttu tiin ttiin taan ttaan tava ttava ttavat a aan
		ma maan massa masta matta maton maan va vat van via vien minen misen mista ko koon kaa kaamme
		ja jan jat jia ssa ssaan essa en aisi`)
	clitics := strings.Fields(`_ kin kaan han pa ko`)
	front := strings.NewReplacer("a", "ä", "o", "ö", "u", "y")
	m := map[string]bool{}
	for _, b := range base {
		for _, c := range clitics {
			e := strings.ReplaceAll(b+c, "_", "")
			m[e] = true
			m[front.Replace(e)] = true
		}
	}
	return m
}()

// clitics are stripped from words the dictionary does not know.
var fiClitics = []string{"kaan", "kään", "kin", "han", "hän"}

func newFinnish() (*finnish, error) {
	f := &finnish{forms: map[string]string{}, nominal: map[string][]nominalStem{}, verbs: map[string]string{}, verbEnd: verbEndings,
		starts: new(prefixes), starts3: new(prefixes)}
	err := readLines("data/fi.txt", func(line string) error {
		if rest, ok := strings.CutPrefix(line, "v "); ok {
			ws := strings.Fields(rest)
			if len(ws) < 2 {
				return fmt.Errorf("verb %q lists no stems", rest)
			}
			f.forms[ws[0]] = ws[0]
			for _, s := range ws[1:] {
				f.verbs[s] = ws[0]
			}
			return nil
		}
		lemma, extra, _ := strings.Cut(line, ":")
		lemma = strings.TrimSpace(lemma)
		f.forms[lemma] = lemma
		for _, w := range strings.Fields(extra) {
			f.forms[w] = lemma
		}
		pats, err := morph.Decline(lemma, morph.Options{})
		if err != nil {
			return fmt.Errorf("%s: %w", lemma, err)
		}
		for _, p := range pats {
			f.nominal[p.Text] = append(f.nominal[p.Text], nominalStem{lemma, p})
		}
		return nil
	})
	addStart := func(k string) {
		if len(k) >= 2 {
			f.starts.add(k)
		}
		if len(k) >= 3 {
			f.starts3.add3(k)
		}
	}
	for k := range f.forms {
		addStart(k)
	}
	for k := range f.nominal {
		addStart(k)
		f.maxKey = max(f.maxKey, len(k))
	}
	for k := range f.verbs {
		addStart(k)
		f.maxKey = max(f.maxKey, len(k))
	}
	return f, err
}

// minSkipped is the shortest word known skips by its beginning (starts):
// a shorter one, less a clitic, could be a form of fewer than two bytes.
var minSkipped = func() int {
	n := 0
	for _, c := range fiClitics {
		n = max(n, len(c))
	}
	return 2 + n
}()

// known returns the lemma of a word the dictionary knows: its listed form,
// else the longest stem that begins it and whose endings make the rest.
func (f *finnish) known(w string) (string, bool) {
	if len(w) >= minSkipped && !f.starts.has(w) {
		// No key begins as w: neither w nor a beginning of it (w less
		// a clitic among them, of two bytes or more) is one.
		return "", false
	}
	if l, ok := f.forms[w]; ok {
		return l, true
	}
	// The beginnings w[:n] that could be keys: none longer than maxKey, nor
	// of three bytes or more if no key begins as w's first three.
	top := min(len(w), f.maxKey)
	if len(w) >= 3 && !f.starts3.has3(w) {
		top = min(top, 2)
	}
	// Nouns and adjectives first: palautteet is of palaute, not palauttaa.
	for n := top; n >= 2; n-- {
		if n < len(w) && !utf8.RuneStart(w[n]) {
			continue
		}
		for _, e := range f.nominal[w[:n]] {
			if _, to, ok := e.pat.Match(w, 0, n); ok && to == len(w) {
				return e.lemma, true
			}
		}
	}
	for n := top; n >= 2; n-- {
		if l, ok := f.verbs[w[:n]]; ok && f.verbEnd[w[n:]] {
			return l, true
		}
	}
	for _, c := range fiClitics {
		if s, ok := strings.CutSuffix(w, c); ok {
			if l, ok := f.forms[s]; ok {
				return l, true
			}
		}
	}
	return "", false
}

// minCompoundPart is the fewest letters of either part of a compound.
const minCompoundPart = 3

func (f *finnish) lemma(w string) string {
	if l, ok := f.known(w); ok {
		return l
	}
	// A compound: the longest known last part, after a head of a few letters.
	head := 0
	for i := range w {
		if head >= minCompoundPart && utf8.RuneCountInString(w[i:]) >= minCompoundPart {
			if l, ok := f.known(w[i:]); ok {
				return w[:i] + l
			}
		}
		head++
	}
	for _, c := range fiClitics {
		if s, ok := strings.CutSuffix(w, c); ok && utf8.RuneCountInString(s) >= 4 {
			return s
		}
	}
	return w
}

// suffixed lemmatises English and Swedish: a word is its lemma plus one of
// the language's inflection endings (or the lemma less its final e or a:
// arrived → arrive, väskor → väska); other words keep their form, except
// English plurals in -s, which are dropped.
type suffixed struct {
	lemmas  map[string]bool
	endings []string // longest first
	plural  bool     // drop a plain -s from unknown words (English)
}

func newSuffixed(file string, infl *lexicon.Inflections, endings string, plural bool) (*suffixed, error) {
	s := &suffixed{lemmas: map[string]bool{}, plural: plural}
	for _, e := range strings.Fields(endings) {
		if infl.Has(e) {
			s.endings = append(s.endings, e)
		}
	}
	err := readLines(file, func(line string) error {
		for _, w := range strings.Fields(line) {
			s.lemmas[w] = true
		}
		return nil
	})
	return s, err
}

func (s *suffixed) lemma(w string) string {
	if s.lemmas[w] {
		return w
	}
	for _, e := range s.endings {
		stem, ok := strings.CutSuffix(w, e)
		if !ok || len(stem) < 2 {
			continue
		}
		if s.lemmas[stem] {
			return stem
		}
		// stem + e, a or y, looked up from a buffer on the stack (a
		// string of it is made only for a lemma found).
		var buf [32]byte
		b := append(buf[:0], stem...)
		for _, v := range [...]byte{'e', 'a', 'y'} {
			if s.lemmas[string(append(b, v))] {
				return stem + string(v)
			}
		}
		if u := undouble(stem); s.lemmas[u] {
			return u
		}
		if y, ok := strings.CutSuffix(stem, "i"); ok && s.lemmas[y+"y"] { // deliveries, delivered via -ied
			return y + "y"
		}
	}
	if s.plural && len(w) > 4 && strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") && !strings.HasSuffix(w, "us") && !strings.HasSuffix(w, "is") {
		return w[:len(w)-1]
	}
	return w
}

// undouble drops a doubled final consonant (stopped → stop).
func undouble(s string) string {
	if n := len(s); n >= 3 && s[n-1] == s[n-2] && !strings.ContainsRune("aeiouy", rune(s[n-1])) {
		return s[:n-1]
	}
	return s
}

// readLines calls fn with each line of an embedded file that is neither
// empty nor a comment.
func readLines(name string, fn func(line string) error) error {
	f, err := data.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		if err := fn(line); err != nil {
			return fmt.Errorf("%s:%d: %w", name, n, err)
		}
	}
	return sc.Err()
}
