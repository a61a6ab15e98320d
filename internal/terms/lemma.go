package terms

import (
	"bufio"
	"embed"
	"fmt"
	"iter"
	"maps"
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
	// none has; starts3 those of three bytes or more, and maxKey is their
	// longest key: these bound the beginnings of a word it looks up.
	starts, starts3 *prefixes
	maxKey          int
	// keys holds the keys of forms, nominal and verbs (keySet), for known.
	keys *keySet
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
		starts: new(prefixes), starts3: new(prefixes), keys: new(keySet)}
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
	for _, keys := range []iter.Seq[string]{maps.Keys(f.forms), maps.Keys(f.nominal), maps.Keys(f.verbs)} {
		for k := range keys {
			addStart(k)
			f.keys.add(k)
			f.maxKey = max(f.maxKey, len(k))
		}
	}
	if f.maxKey > maxStem {
		return nil, fmt.Errorf("data/fi.txt: a key of %d bytes; at most %d are looked up", f.maxKey, maxStem)
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
	// The beginnings w[:n] that could be keys (w itself and w less a
	// clitic among them): none longer than maxKey, nor of three bytes or
	// more if no key begins as w's first three (most endings of a
	// compound).
	most := f.maxKey
	if len(w) >= 3 && !f.starts3.has3(w) {
		most = 2
	}
	// Their hashes, for the key sets: a beginning not in them is no key,
	// without a map look-up. known tries every beginning of a word, and
	// of each ending of a compound, and most are none.
	var hs beginnings
	hashed := hs.of(w, most)
	if len(w) <= hashed && f.keys.has(hs[len(w)]) {
		if l, ok := f.forms[w]; ok {
			return l, true
		}
	}
	top := hashed
	// Nouns and adjectives first: palautteet is of palaute, not palauttaa.
	for n := top; n >= 2; n-- {
		if (n < len(w) && !utf8.RuneStart(w[n])) || !f.keys.has(hs[n]) {
			continue
		}
		for _, e := range f.nominal[w[:n]] {
			if _, to, ok := e.pat.Match(w, 0, n); ok && to == len(w) {
				return e.lemma, true
			}
		}
	}
	for n := top; n >= 2; n-- {
		if !f.keys.has(hs[n]) {
			continue
		}
		if l, ok := f.verbs[w[:n]]; ok && f.verbEnd[w[n:]] {
			return l, true
		}
	}
	for _, c := range fiClitics {
		if n := len(w) - len(c); n >= 0 && n <= hashed && f.keys.has(hs[n]) && w[n:] == c {
			if l, ok := f.forms[w[:n]]; ok {
				return l, true
			}
		}
	}
	return "", false
}

// maxStem is the most bytes of a word whose beginnings are hashed for the
// key sets (beginnings): the lemmatisers' keys may not be longer, and a
// brand name's longer beginnings are looked up without the set.
const maxStem = 48

// keySet is a set of strings by the top 16 bits of their FNV-1a hashes,
// in a bit set like prefixes' (8 KB): a string whose bit is clear is not
// in it; one whose bit is set may be.
type keySet struct{ bits prefixes }

// add adds s.
func (k *keySet) add(s string) { k.bits.set(uint(fnv64(s) >> 48)) }

// has reports whether a string of hash h (fnv64) may be in the set.
func (k *keySet) has(h uint64) bool { return k.bits.get(uint(h >> 48)) }

// beginnings are the hashes of a word's beginnings: [n] is fnv64(w[:n]),
// for the key sets.
type beginnings [maxStem + 1]uint64

// of sets the hashes of w's beginnings of up to most bytes (and maxStem),
// all in one pass, and returns how many it set.
func (hs *beginnings) of(w string, most int) int {
	n := min(len(w), most, maxStem)
	h := fnvOffset
	for i := range n {
		h = (h ^ uint64(w[i])) * fnvPrime
		hs[i+1] = h
	}
	return n
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
	// keys holds the lemmas (keySet), and maxLemma is the longest: lemma
	// looks up a word, its stems and their variants, most of them none.
	keys     *keySet
	maxLemma int
}

func newSuffixed(file string, infl *lexicon.Inflections, endings string, plural bool) (*suffixed, error) {
	s := &suffixed{lemmas: map[string]bool{}, plural: plural, keys: new(keySet)}
	for _, e := range strings.Fields(endings) {
		if infl.Has(e) {
			s.endings = append(s.endings, e)
		}
	}
	err := readLines(file, func(line string) error {
		for _, w := range strings.Fields(line) {
			s.lemmas[w] = true
			s.keys.add(w)
			s.maxLemma = max(s.maxLemma, len(w))
		}
		return nil
	})
	if s.maxLemma > maxStem {
		return nil, fmt.Errorf("%s: a lemma of %d bytes; at most %d are looked up", file, s.maxLemma, maxStem)
	}
	return s, err
}

func (s *suffixed) lemma(w string) string {
	// The hashes of w's beginnings of up to maxLemma bytes, for keys.
	var hs beginnings
	hs.of(w, s.maxLemma)
	// has reports whether w[:n] plus the byte next (0: none) is a lemma.
	has := func(n int, next byte) bool {
		size := n
		if next != 0 {
			size++
		}
		if size > s.maxLemma { // no lemma is longer: hs[n] was not set
			return false
		}
		h := hs[n]
		if next != 0 {
			h = (h ^ uint64(next)) * fnvPrime
		}
		if !s.keys.has(h) {
			return false
		}
		if next == 0 {
			return s.lemmas[w[:n]]
		}
		// w[:n] plus next, from a buffer on the stack (a string of it is
		// made only for a lemma found).
		var buf [maxStem + 1]byte
		return s.lemmas[string(append(append(buf[:0], w[:n]...), next))]
	}
	if has(len(w), 0) {
		return w
	}
	for _, e := range s.endings {
		n := len(w) - len(e)
		if n < 2 || w[n:] != e {
			continue
		}
		stem := w[:n]
		if has(n, 0) {
			return stem
		}
		for _, v := range [...]byte{'e', 'a', 'y'} {
			if has(n, v) {
				return stem + string(v)
			}
		}
		if u := undouble(stem); len(u) < n && has(len(u), 0) {
			return u
		}
		if stem[n-1] == 'i' && has(n-1, 'y') { // deliveries, delivered via -ied
			return stem[:n-1] + "y"
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
