// Package terms extracts what a mention is about: the lemmas of its content
// words and its salient two- and three-word phrases, for the Topics view,
// the alert explanations and the per-brand comparison (docs/topics.md). It
// also groups near-duplicate mentions into stories (story.go) and scores
// phrases that grow against their own baseline (emerging.go).
//
// Extraction runs at classification time, once per mention; the terms of
// each mention × brand row leave out that brand's own names.
package terms

import (
	"fmt"
	"math/bits"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/ewom/ewom/internal/classify/lexicon"
	"github.com/ewom/ewom/internal/classify/morph"
	"github.com/ewom/ewom/internal/classify/token"
	"github.com/ewom/ewom/internal/config"
)

// Version names the extraction rules; stored with every row's terms, so
// that `ewom reclassify` re-extracts rows of an older version.
const Version = "t2"

// MaxTerms bounds the terms of one mention (long articles).
const MaxTerms = 48

// Terms are a mention's terms: keys (lemmas, phrases of lemmas) and, for
// each, the form to show ("" when it is the key itself).
type Terms struct {
	Keys      []string
	Forms     []string
	brand     []uint64 // per key: the brands (bit i: brand i) whose names it is
	truncated bool     // more than MaxTerms were found
}

// Extractor extracts terms; it is safe for concurrent use.
type Extractor struct {
	// lemmatizers and stopWords are per language of cacheLangs (langIndex):
	// the lemmatizer (nil: none) and word → stop or negation; the last,
	// every other language's, has the stop words of all.
	lemmatizers [len(cacheLangs)]lemmatizer
	stopWords   [len(cacheLangs)]map[string]wordKind
	brands      []string               // configured names, in brand order
	brandKeys   []string               // the names as terms (lowercase)
	index       map[string][]brandStem // morph pattern text → brands
	multi       map[string][]brandStem // first word of a multi-word name
	// names holds the keys of index and multi, and stops the stop words of
	// every language (keySet), so that most words are looked up in
	// neither; maxName is index's longest key.
	names, stops keySet
	maxName      int
	// indexStarts holds the beginnings of index's keys of two bytes or
	// more: brandOf looks a word whose beginning none has up by its first
	// byte alone.
	indexStarts prefixes
	// caches hold what words came to, since every word of every post is
	// looked up: *wordCaches, one per goroutine extracting at a time, so
	// that a look-up neither locks nor follows a pointer to a shared
	// entry (a cache miss each, between the classifier's tables); kept
	// through garbage collections (cachePool).
	caches cachePool
}

// wordCaches are one goroutine's word caches, per language (cacheLangs),
// made when a language is first met, and its buffers for one text: the
// hashes of its words, for the look-ups and the stories.
type wordCaches struct {
	langs     [len(cacheLangs)]*wordCache
	tokHashes []uint64  // per token: fnv64 of a word, number or hashtag, else 0
	hashes    []uint64  // the words', numbers' and hashtags' alone (AnalyseWords': its words')
	addrs     []uintptr // the word cache sets to prefetch
	terms     termSet
	// units are the clause's units (extract's buffer, kept so that it is
	// neither cleared nor grown for each text; the last text's units stay
	// until the next).
	units clause
}

// cacheLangs are the languages with caches of their own, those with
// lemmas (Extractor.langs); "" is every other language's.
var cacheLangs = [...]string{"fi", "en", "sv", ""}

// langIndex is the index in cacheLangs of the language whose lemmas and
// word cache a text of language lang takes: lang's, or ""'s for one
// without lemmas. A switch, not a map look-up: it is taken twice a post.
func langIndex(lang string) int {
	switch lang {
	case "fi":
		return 0
	case "en":
		return 1
	case "sv":
		return 2
	}
	return 3
}

// cacheLog is the log2 of a word cache's slots (64 bytes each: 2 MB a
// language and goroutine).
const cacheLog = 15

// of returns the word cache of cacheLangs[i], made when first needed.
func (c *wordCaches) of(i int) *wordCache {
	if c.langs[i] == nil {
		c.langs[i] = newWordCache(cacheLog)
	}
	return c.langs[i]
}

type brandStem struct {
	brand int
	pat   morph.Pattern
}

type wordKind uint8

const (
	content wordKind = iota
	stop
	negation
	conjunction  // a stop word that ends a phrase
	conjNegation // a conjunction and a negation in one (eikä)
)

// negWord is the key a negation takes inside a phrase, per language (of
// cacheLangs).
var negWord = [len(cacheLangs)]string{"ei", "not", "inte", "not"}

// IsNegation reports whether a word of a phrase key is a negation.
func IsNegation(w string) bool {
	for _, n := range negWord {
		if w == n {
			return true
		}
	}
	return false
}

// New builds an extractor for the configured brands.
func New(brands []config.Brand) (*Extractor, error) {
	e := &Extractor{index: map[string][]brandStem{}, multi: map[string][]brandStem{}}
	for i := range e.stopWords {
		e.stopWords[i] = map[string]wordKind{}
	}
	fi, err := newFinnish()
	if err != nil {
		return nil, fmt.Errorf("terms: %w", err)
	}
	en, err := newSuffixed("data/en.txt", lexicon.English(), "ies ied ing es ed s 's ’s", true)
	if err != nil {
		return nil, fmt.Errorf("terms: %w", err)
	}
	sv, err := newSuffixed("data/sv.txt", lexicon.Swedish(), "arna erna orna ande aste are ast ade ens ets en et na ar er or a t e n s", false)
	if err != nil {
		return nil, fmt.Errorf("terms: %w", err)
	}
	e.lemmatizers[langIndex("fi")], e.lemmatizers[langIndex("en")], e.lemmatizers[langIndex("sv")] = fi, en, sv
	if err := readLines("data/stop.txt", func(line string) error {
		lang, words, ok := strings.Cut(line, ":")
		if !ok {
			return fmt.Errorf("want lang: words")
		}
		kind := stop
		words = strings.TrimSpace(words)
		if rest, ok := strings.CutPrefix(words, "neg "); ok {
			kind, words = negation, rest
		} else if rest, ok := strings.CutPrefix(words, "brkneg "); ok {
			kind, words = conjNegation, rest
		} else if rest, ok := strings.CutPrefix(words, "brk "); ok {
			kind, words = conjunction, rest
		}
		for _, l := range []string{lang, ""} { // "" is every language's, for other languages
			for _, w := range strings.Fields(words) {
				e.stopWords[langIndex(l)][w] = kind
				e.stops.add(w)
			}
		}
		return nil
	}); err != nil {
		return nil, fmt.Errorf("terms: %w", err)
	}
	if len(brands) > 64 {
		return nil, fmt.Errorf("terms: %d brands configured; at most 64 are told apart", len(brands))
	}
	for i, b := range brands {
		e.brands, e.brandKeys = append(e.brands, b.Name), append(e.brandKeys, strings.ToLower(b.Name))
		for _, name := range append(append([]string{b.Name}, b.Aliases...), b.Variants...) {
			pats, err := morph.Decline(name, b.Declension())
			if err != nil { // an alias that does not fit the name's model word
				if pats, err = morph.Decline(name, morph.Options{}); err != nil {
					return nil, fmt.Errorf("terms: brand %s: %w", b.Name, err)
				}
			}
			for _, p := range pats {
				first, _, multi := strings.Cut(p.Text, " ")
				if multi {
					e.multi[first] = append(e.multi[first], brandStem{i, p})
					e.names.add(first)
				} else {
					e.index[p.Text] = append(e.index[p.Text], brandStem{i, p})
					e.names.add(p.Text)
					e.maxName = max(e.maxName, len(p.Text))
				}
			}
		}
	}
	for k := range e.index {
		if len(k) >= 2 {
			e.indexStarts.add(k)
		}
	}
	return e, nil
}

// Brands are the configured brand names, in the order For takes them.
func (e *Extractor) Brands() []string { return e.brands }

// word is what one word of a language comes to, cached. Its fields are
// few and small enough (at most four, 32 bytes) for the compiler to keep a
// word in registers: a word built on the stack field by field and then
// copied as a whole would stall the copy's loads on the narrow stores.
type word struct {
	key     string // lemma
	keyHash uint64 // keyHash(key)
	wordTags
}

// wordTags are what a word is besides its key: one field of word.
type wordTags struct {
	kind  wordKind
	multi bool  // the first word of a multi-word brand name
	brand int16 // index of the brand it names, or -1
}

// lookup returns what word w (hash h: fnv64) of language lang comes to.
func (e *Extractor) lookup(cache *wordCache, lang, w string, h uint64) word {
	if v, ok := cache.get(w, h); ok {
		return v
	}
	w = strings.Clone(w) // a slice of the post's text, which the cache must not keep
	v := e.analyse(lang, w, h)
	v.keyHash = keyHash(v.key)
	cache.put(w, h, v)
	return v
}

// AnalyseWords sets analyses[i] to what the word toks[i].Text of language
// lang comes to, for each i of which, for the classifier's word memo
// (classify.WithAnalyser): a word the classifier has met before comes with
// its analysis, and extract reads it from the tokens instead of looking
// the word up. The words' sets are prefetched before the look-ups, as
// in extract, so that their cache misses overlap.
func (e *Extractor) AnalyseWords(lang string, toks []token.Token, which []int32, analyses []token.Analysis) {
	li := langIndex(lang)
	lang = cacheLangs[li]
	caches := e.caches.get()
	defer e.caches.put(caches)
	cache := caches.of(li)
	hashes, addrs := caches.hashes[:0], caches.addrs[:0]
	for _, i := range which {
		h := fnv64(toks[i].Text)
		hashes, addrs = append(hashes, h), append(addrs, cache.setAddr(h))
	}
	prefetch(addrs)
	caches.hashes, caches.addrs = hashes, addrs
	for k, i := range which {
		v := e.lookup(cache, lang, toks[i].Text, hashes[k])
		analyses[i] = token.Analysis{Key: v.key, KeyHash: v.keyHash, Hash: hashes[k], Brand: v.brand, Kind: uint8(v.kind), Multi: v.multi, Set: true}
	}
}

// analysed is what a word with analysis n comes to (AnalyseWords).
func analysed(n *token.Analysis) word {
	return word{key: n.Key, keyHash: n.KeyHash, wordTags: wordTags{kind: wordKind(n.Kind), multi: n.Multi, brand: n.Brand}}
}

// analyse returns what word w (hash h: fnv64) of language lang comes to.
func (e *Extractor) analyse(lang, w string, h uint64) word {
	v := word{key: w, wordTags: wordTags{brand: int16(e.brandOf(w)), multi: e.names.has(h) && len(e.multi[w]) > 0}}
	if v.brand >= 0 {
		return v
	}
	li := langIndex(lang)
	stops := e.stopWords[li]
	if e.stops.has(h) {
		if k, ok := stops[w]; ok {
			v.kind = k
			return v
		}
	}
	if l := e.lemmatizers[li]; l != nil {
		v.key = l.lemma(w)
	}
	if v.key != w && e.stops.has(fnv64(v.key)) {
		if k, ok := stops[v.key]; ok {
			v.kind = k
			return v
		}
	}
	if utf8.RuneCountInString(v.key) < 2 {
		v.kind = stop
	}
	return v
}

// brandOf returns the brand a word is a form of, or -1.
func (e *Extractor) brandOf(w string) int {
	top := min(len(w), e.maxName)
	if top >= 2 && !e.indexStarts.has(w) {
		top = 1 // no key of two bytes or more begins w
	}
	// The hashes of w's beginnings, for names: most are no key.
	var hs beginnings
	hashed := hs.of(w, top)
	for n := top; n >= 1; n-- {
		if (n < len(w) && !utf8.RuneStart(w[n])) || (n <= hashed && !e.names.has(hs[n])) {
			continue
		}
		for _, b := range e.index[w[:n]] {
			if _, to, ok := b.pat.Match(w, 0, n); ok && to == len(w) {
				return b.brand
			}
		}
	}
	return -1
}

// unit is one token of a clause as phrases see it.
type unit struct {
	key, form string
	kind      wordKind
	gap       bool // a stop word stood before it
	lead      bool // a negation that begins the clause as a conjunction (eikä)
}

// clause gathers the units of a clause. A unit is written in place, field
// by field, not made and then copied: the copy's wide loads would stall on
// the narrow stores just made.
type clause []unit

// add appends a unit.
func (c clause) add(key, form string, kind wordKind, gap, lead bool) clause {
	c = append(c, unit{})
	u := &c[len(c)-1]
	u.key, u.form, u.kind, u.gap, u.lead = key, form, kind, gap, lead
	return c
}

// texts are reused token buffers, for callers that bring no tokens.
var texts = sync.Pool{New: func() any { return &token.Text{Tokens: make([]token.Token, 0, 128)} }}

// Extract returns the terms of a text in language lang (ISO 639-1; other
// languages get stop words of all three and no lemmas).
func (e *Extractor) Extract(text, lang string) Terms {
	tx := texts.Get().(*token.Text)
	defer texts.Put(tx)
	tx.Read("", text)
	caches := e.caches.get()
	defer e.caches.put(caches)
	return e.extract(caches, tx, lang).terms()
}

// extract gathers the terms of a tokenized text in caches.terms, with the
// caches of the calling goroutine, and returns them; it leaves the hashes
// of the text's words in caches.hashes.
func (e *Extractor) extract(caches *wordCaches, tx *token.Text, lang string) *termSet {
	e.hashWords(caches, tx, lang)
	return e.extractHashed(caches, tx, lang, "")
}

// hashWords hashes the words, numbers and hashtags of a tokenized text in
// language lang into caches.tokHashes (per token, 0 for others) and
// caches.hashes (theirs alone, for the stories), and prefetches the word
// cache's sets of the words extractHashed will look up (those without
// the classifier's analyses), so that their cache misses overlap.
func (e *Extractor) hashWords(caches *wordCaches, tx *token.Text, lang string) []uint64 {
	li := langIndex(lang)
	cache := caches.of(li)
	toks := tx.Tokens
	// The classifier's analyses of the words (AnalyseWords), if it had
	// them made in this language: those words need no look-up, and come
	// hashed.
	analyses := tx.AnalysesOf(e, cacheLangs[li])
	tokHashes, hashes, addrs := caches.tokHashes[:0], caches.hashes[:0], caches.addrs[:0]
	for i := range toks {
		tk := &toks[i] // not a copy: see word
		var h uint64
		if tk.Kind == token.Word || tk.Kind == token.Number || tk.Kind == token.Hashtag {
			if analyses != nil && analyses[i].Set {
				h = analyses[i].Hash
			} else {
				h = fnv64(tk.Text)
				if tk.Kind == token.Word {
					addrs = append(addrs, cache.setAddr(h))
				}
			}
			hashes = append(hashes, h)
		}
		tokHashes = append(tokHashes, h)
	}
	prefetch(addrs)
	caches.tokHashes, caches.hashes, caches.addrs = tokHashes, hashes, addrs
	return hashes
}

// extractHashed is extract after hashWords, the terms that are the names
// of brand hide (of Brands; "": none) left out.
func (e *Extractor) extractHashed(caches *wordCaches, tx *token.Text, lang, hide string) *termSet {
	li := langIndex(lang)
	lang = cacheLangs[li]
	cache := caches.of(li)
	toks := tx.Tokens
	analyses := tx.AnalysesOf(e, lang)
	tokHashes := caches.tokHashes
	// at is what the word of token i comes to.
	at := func(i int) word {
		if analyses != nil && analyses[i].Set {
			return analysed(&analyses[i])
		}
		return e.lookup(cache, lang, toks[i].Text, tokHashes[i])
	}
	t := &caches.terms
	t.reset(min(len(tx.Title)+len(tx.Body), maxTermBytes))
	t.hide, t.names = hide, e.brands
	c := caches.units[:0]
	flush := func() {
		t.appendPhrases(c)
		c = c[:0]
	}
	neg := negWord[li]
	gap := false
	for i := 0; i < len(toks); i++ {
		tk := &toks[i]
		text := tk.Text // the word's form, two words for a hyphenated one
		switch tk.Kind {
		case token.Word:
			w := at(i)
			lower, last := tx.LowerAt(i)
			if w.multi {
				if bs, n := e.multiBrand(lower, toks[:last], i); n > 0 {
					t.add(e.brandKeys[bs], "", 1<<bs)
					i += n - 1
					flush()
					continue
				}
			}
			if end, ok := hyphenated(lower, toks, i); ok && w.brand < 0 {
				// kanta-asiakkuus is one word, unless a part is a brand's
				// name (TietokoneKoijarit-kaupasta: the brand and kauppa).
				if next := at(i + 1); next.brand < 0 {
					text = lower[tk.Off:end]
					w = e.lookup(cache, lang, text, fnv64(text))
					i++
				}
			}
			switch {
			case w.brand >= 0:
				t.add(e.brandKeys[w.brand], "", 1<<w.brand)
				flush()
			case w.kind == conjunction:
				flush()
			case w.kind == conjNegation:
				flush()
				c = c.add(neg, text, negation, false, true)
			case w.kind == stop:
				if gap { // two stop words end a phrase
					flush()
				}
				gap = true
				continue
			case w.kind == negation:
				c = c.add(neg, text, negation, gap, false)
			default:
				t.addHashed(w.key, w.keyHash, "", 0)
				c = c.add(w.key, text, content, gap, false)
			}
		case token.Number:
			t.add(t.join(text), "", 0)
			flush()
		case token.Hashtag:
			key := t.join("#" + text)
			var b int
			if analyses != nil && analyses[i].Set {
				b = int(analyses[i].Brand)
			} else {
				b = e.brandOf(text)
			}
			if b >= 0 {
				t.add(key, "", 1<<b)
			} else {
				t.add(key, "", 0)
			}
			flush()
		case token.Emoji:
			t.add(t.join(text), "", 0)
		default: // punctuation, links, handles, emoticons end a clause
			flush()
		}
		gap = false
	}
	flush()
	caches.units = c
	return t
}

// hyphenated reports whether toks[i] and toks[i+1] are words joined by a
// hyphen in lower, and where the second ends.
func hyphenated(lower string, toks []token.Token, i int) (end int, ok bool) {
	if i+1 >= len(toks) || toks[i+1].Kind != token.Word {
		return 0, false
	}
	at := int(toks[i].Off) + len(toks[i].Text)
	if at >= len(lower) || lower[at] != '-' || int(toks[i+1].Off) != at+1 {
		return 0, false
	}
	return int(toks[i+1].Off) + len(toks[i+1].Text), true
}

// multiBrand finds a multi-word brand name starting at toks[i], returning
// the brand and how many tokens it spans.
func (e *Extractor) multiBrand(lower string, toks []token.Token, i int) (int, int) {
	for _, b := range e.multi[toks[i].Text] {
		off := int(toks[i].Off)
		if !strings.HasPrefix(lower[off:], b.pat.Text) {
			continue
		}
		if _, to, ok := b.pat.Match(lower, off, off+len(b.pat.Text)); ok {
			n := 1
			for i+n < len(toks) && int(toks[i+n].Off) < to {
				n++
			}
			return b.brand, n
		}
	}
	return 0, 0
}

// maxTermBytes is about the most the phrases of a text take (MaxTerms
// keys and forms of some 25 bytes).
const maxTermBytes = 2 << 10

// termSlots are a termSet's slots, over twice MaxTerms (termSlotsLog: their
// log2).
const (
	termSlotsLog = 7
	termSlots    = 1 << termSlotsLog
)

// termSet gathers a text's terms as extract finds them, in one goroutine's
// buffers.
type termSet struct {
	// keys and forms are where the text's terms are written: the start of
	// keyStrs and formStrs, buffers of many texts' terms, from which take
	// hands exactly the terms written to the rows, without a copy.
	keys, forms       []string
	keyStrs, formStrs []string
	hashes            [MaxTerms]uint64 // of the keys (keyHash), to find a repeated one
	// slots index the keys by their hashes (open addressing, linear
	// probing): a key's index + 1, 0 for an empty slot.
	slots     [termSlots]uint8
	brands    [MaxTerms]uint64 // per key: the brands (bit i: brand i) whose names it is
	n         int
	truncated bool
	// hide is the brand whose names the text's terms leave out ("": none),
	// of names (the extractor's brands), as the only row of a post, of
	// that brand, takes them: its terms are then handed out as they are,
	// not copied without those names (Annotator.setTerms). hidden are the
	// terms left out: they count towards MaxTerms as before.
	hide   string
	names  []string
	hidden int
	// text holds the bytes of the keys and forms built from the texts'
	// words (phrases, numbers, hashtags, emoji), for text after text
	// until it is full: one allocation for many texts, not one a term. A
	// builder only appends, so the strings made of it stay as they are.
	text strings.Builder
	// rowStrs are the strings the copies of rows' terms are taken from
	// (rowStrings), for mention after mention until they are used up.
	rowStrs []string
}

// textBytes and rowStringsSize are what termSet.text and its buffers of
// strings take at a time: the terms of some dozens of posts, one
// allocation for them all instead of one or two a post. A buffer stays alive until the last row
// that took terms of it is dropped: some dozens of KB a goroutine more,
// and nothing the rows' owner has to hand back.
const (
	textBytes      = 16 << 10
	rowStringsSize = 2 << 10
)

// reset empties the set for the next text, of size bytes (what its
// phrases take, about); the strings of the terms it returned stay as they
// are.
func (t *termSet) reset(size int) {
	clear(t.slots[:])
	t.n, t.truncated, t.hidden, t.hide = 0, false, 0, ""
	// Strings are written to the buffers' start; those of a text not
	// taken are written over by the next.
	if len(t.keyStrs) < MaxTerms {
		t.keyStrs = make([]string, rowStringsSize)
	}
	if len(t.formStrs) < MaxTerms {
		t.formStrs = make([]string, rowStringsSize)
	}
	t.keys, t.forms = t.keyStrs[:MaxTerms:MaxTerms], t.formStrs[:MaxTerms:MaxTerms]
	if t.text.Cap()-t.text.Len() < size {
		t.text = strings.Builder{}
		t.text.Grow(max(size, textBytes))
	}
}

// take returns the text's keys and forms (capped, so that an append to
// them copies), which stay as they are: the next text's are written after
// them. The set takes no more terms until it is reset.
func (t *termSet) take() (keys, forms []string) {
	n := t.n
	keys, forms = t.keyStrs[:n:n], t.formStrs[:n:n]
	t.keyStrs, t.formStrs = t.keyStrs[n:], t.formStrs[n:]
	t.keys, t.forms = nil, nil
	return keys, forms
}

// rowStrings returns n zero strings for rows' terms, from t.rowStrs when
// they have that many left; never nil, so that a row without terms has an
// empty list, not none.
func (t *termSet) rowStrings(n int) []string {
	if n > len(t.rowStrs) || t.rowStrs == nil {
		if n > rowStringsSize/4 {
			return make([]string, n)
		}
		t.rowStrs = make([]string, rowStringsSize)
	}
	strs := t.rowStrs[:n:n]
	t.rowStrs = t.rowStrs[n:]
	return strs
}

// join returns the words written one after the other with a space between,
// as a string of t.text.
func (t *termSet) join(words ...string) string {
	start := t.text.Len()
	for i, w := range words {
		if i > 0 {
			t.text.WriteByte(' ')
		}
		t.text.WriteString(w)
	}
	return t.text.String()[start:]
}

// keyHash is a hash of a key, for telling most keys apart without
// comparing their bytes: its length and first, middle and last bytes.
func keyHash(key string) uint64 {
	if key == "" {
		return 0
	}
	return uint64(len(key)) | uint64(key[0])<<32 | uint64(key[len(key)/2])<<40 | uint64(key[len(key)-1])<<48
}

// add adds a key, its form and the brands it names, unless the key is in
// the set already.
func (t *termSet) add(key, form string, brands uint64) {
	t.addHashed(key, keyHash(key), form, brands)
}

// addHashed is add with the key's keyHash.
func (t *termSet) addHashed(key string, h uint64, form string, brands uint64) {
	j := (h * 0x9E3779B97F4A7C15) >> (64 - termSlotsLog)
	for ; t.slots[j] != 0; j = (j + 1) % termSlots {
		if i := t.slots[j] - 1; t.hashes[i] == h && t.keys[i] == key {
			return
		}
	}
	if t.n+t.hidden >= MaxTerms {
		t.truncated = true
		return
	}
	if brands != 0 && t.hides(brands) {
		// Counted and found again like the others, but kept at the end
		// of the buffer, past what take hands out.
		t.hidden++
		i := MaxTerms - t.hidden
		t.keys[i], t.hashes[i] = key, h
		t.slots[j] = uint8(i + 1)
		return
	}
	if form == key {
		form = ""
	}
	t.keys[t.n], t.forms[t.n], t.hashes[t.n], t.brands[t.n] = key, form, h, brands
	t.n++
	t.slots[j] = uint8(t.n)
}

// hides reports whether a term naming brands (bit i: brand i) names the
// brand whose terms the set leaves out (hide).
func (t *termSet) hides(brands uint64) bool {
	if t.hide == "" {
		return false
	}
	for m := brands; m != 0; m &= m - 1 {
		if t.names[bits.TrailingZeros64(m)] == t.hide {
			return true
		}
	}
	return false
}

// terms returns the set's terms (take); brands are kept only when a key
// is a brand's name.
func (t *termSet) terms() Terms {
	brands := t.brands[:t.n]
	r := Terms{truncated: t.truncated}
	r.Keys, r.Forms = t.take()
	if slices.ContainsFunc(brands, func(b uint64) bool { return b != 0 }) {
		r.brand = slices.Clone(brands)
	}
	return r
}

// appendPhrases adds the phrases of a clause (the words between
// punctuation, conjunctions and brand names, a stop word between two of
// them skipped: toimitus on myöhässä → toimitus myöhässä): two content
// words, a negation and a content word (ei vastaa), and a negation between
// two content words (asiakaspalvelu ei vastaa). A word is not repeated.
// Phrases are added after the clause's words, as add takes them.
func (t *termSet) appendPhrases(c []unit) {
	if len(c) >= 3 && c[0].lead && c[1].kind == content && c[2].kind == content {
		// eikä asiakaspalvelu vastaa: the negation is of the verb after the subject
		c[0], c[1] = c[1], c[0]
		c[1].form = c[1].key
	}
	for i := 0; i+1 < len(c); i++ {
		a, b := &c[i], &c[i+1] // not copies: see clause
		if b.kind == content && a.key != b.key {
			key, form := t.join(a.key, b.key), ""
			if a.form != a.key || b.form != b.key {
				form = t.join(a.form, b.form)
			}
			t.add(key, form, 0)
		}
		if i+2 < len(c) && a.kind == content && b.kind == negation && c[i+2].kind == content && a.key != c[i+2].key {
			t.add(t.join(a.key, b.key, c[i+2].key), t.join(a.form, b.form, c[i+2].form), 0)
		}
	}
}

// For returns the terms of the row of brand (an index into Brands, or -1
// for a row without a brand): every term but the brand's own names.
func (t Terms) For(brand int) (keys, forms []string) {
	if brand < 0 || !slices.ContainsFunc(t.brand, func(b uint64) bool { return b&(1<<brand) != 0 }) {
		// Nothing to leave out: the rows share the terms (capped, so that
		// an append to one copies).
		n := len(t.Keys)
		return t.Keys[:n:n], t.Forms[:n:n]
	}
	keys, rest := unnamed(make([]string, 2*len(t.Keys)), t.Keys, t.brand, 1<<brand) // keys and forms, one allocation
	forms, _ = unnamed(rest, t.Forms, t.brand, 1<<brand)
	return keys, forms
}

// unnamed copies the strings of src (keys or forms) whose terms name none
// of the brands of bit (brands[i]: the brands term i names) to the start
// of dst and returns them, capped, and the rest of dst.
func unnamed(dst, src []string, brands []uint64, bit uint64) (taken, rest []string) {
	// The strings between the terms left out are copied in bulk: those
	// terms are few.
	n, from := 0, 0
	for i, b := range brands[:len(src)] {
		if b&bit != 0 {
			n += copy(dst[n:], src[from:i])
			from = i + 1
		}
	}
	n += copy(dst[n:], src[from:])
	return dst[:n:n], dst[n:]
}
