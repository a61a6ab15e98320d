package classify

import (
	"slices"
	"strings"

	"github.com/ewom/ewom/internal/classify/lexicon"
	"github.com/ewom/ewom/internal/classify/strtab"
	"github.com/ewom/ewom/internal/classify/token"
)

// A post's words are looked up once. One matcher per language holds its
// sentiment words, its sentiment rules and the cues, so one walk over a
// word finds all three; one table per language holds what the learned
// sentiment model and the label model know of a feature key, read beside
// them. The post's sentiment walk, its cue scan, its label evidence and
// the walks over each brand's clauses read the lookups instead of making
// them again.

// Groups of a language's phrase matcher (tables.phrases).
const (
	groupWord    = iota // sentiment words and phrases
	groupRule           // negators, boosters, contrast and concessive words
	groupCue            // journey-stage, disclosure and commercial cues
	phraseGroups        // the number of groups
)

// lexItem is a phrase's payload: the field of its group is set.
type lexItem struct {
	word valence
	rule rule
	cue  cue
}

// tokenLex is what the tables say of one token: the best phrase of each
// group starting at it, and what the learned and label models know of its
// word.
type tokenLex struct {
	hits lexicon.Hits // by group
	featureWeights
}

// lexed is tokens with their lookups: a post (tables.lexTokens), or a text
// made of its clauses (appendClause), whose lookups are copied from it.
type lexed struct {
	toks       []token.Token
	at         []tokenLex // at[i] is toks[i]'s
	phrases    *lexicon.Matcher[lexItem]
	scored     bool // the language has sentiment lexicons
	features   *featureIndex
	model      *learnedModel // whose weights the lookups hold (features'); nil: none
	labels     *labelModel   // whose rows the lookups hold; nil: none
	code       string
	unanalysed []int32 // lexTokens' buffer: the tokens whose words it had no analyses of
}

// lexTokens looks up every token of toks in the phrases of the language
// (the cues alone for one without lexicons) and its word's feature key in
// the learned and label models. With a memo (the language's, kept from
// call to call) a word's lookups are made once and then read from it,
// unless a phrase of several words may start at the word. With an
// analyser, the memo keeps its analysis of each word too, and analyses[i]
// is set to token i's (the zero Analysis for a word not memoized and for
// other tokens).
func (t *tables) lexTokens(lx *lexed, toks []token.Token, code string, memo *wordMemo, analyses []token.Analysis, analyser token.Analyser) {
	lx.toks, lx.code, lx.labels = toks, code, t.labels
	lx.phrases, lx.scored = t.phrases[code]
	if !lx.scored {
		lx.phrases = t.cuePhrases
	}
	if lx.features = t.features[code]; lx.features == nil {
		lx.features = t.features[""]
	}
	lx.model = lx.features.model
	lx.at = slices.Grow(lx.at[:0], len(toks))[:len(toks)]
	unanalysed := lx.unanalysed[:0] // the memoized words without an analysis yet
	for i := range toks {
		tok := &toks[i]
		if memo == nil || (tok.Kind != token.Word && tok.Kind != token.Hashtag) || len(tok.Text) > maxMemoWord {
			lx.lookUp(i)
			if analyses != nil {
				analyses[i] = token.Analysis{}
			}
			continue
		}
		// A word's and a hashtag's lookups are the same (Match and lookUp
		// read both alike), and the same wherever the word stands unless
		// the next word may continue a phrase the word starts.
		next := lexicon.NextByte(toks, i)
		if e := memo.Ref(tok.Text); e != nil {
			if analyses != nil {
				if analyses[i] = e.analysis; !e.analysis.Set {
					unanalysed = append(unanalysed, int32(i))
				}
			}
			if !e.followers.Has(next) {
				lx.at[i] = e.lex
				continue
			}
			lx.at[i].featureWeights = e.lex.featureWeights
			lx.phrases.Match(toks, i, &lx.at[i].hits)
			continue
		}
		lx.lookUp(i)
		if analyses != nil {
			unanalysed = append(unanalysed, int32(i))
		}
		if f := lx.phrases.Followers(tok.Text); !f.Has(next) {
			memo.Put(tok.Text, memoEntry{lex: lx.at[i], followers: f})
		}
	}
	lx.unanalysed = unanalysed
	if len(unanalysed) == 0 {
		return
	}
	// The words without analyses are analysed at once, and the memo keeps
	// the analyses of those it holds.
	analyser.AnalyseWords(code, toks, unanalysed, analyses)
	for _, i := range unanalysed {
		if e := memo.Ref(toks[i].Text); e != nil {
			e.analysis = analyses[i]
		}
	}
}

// A wordMemo holds the lookups of the words of one language met lately,
// for one goroutine: most of a post's words are common ones, whose trie
// walk and table reads (cache misses mostly: the tables are larger than a
// core's cache) it saves.
type wordMemo = strtab.Cache[memoEntry]

// memoEntry is a word's lookups where no phrase of several words follows
// it, the first bytes of the next words that may continue one, and the
// word's analysis (WithAnalyser).
type memoEntry struct {
	lex       tokenLex
	followers lexicon.Followers
	analysis  token.Analysis
}

const (
	// wordMemoLog is the log2 of a word memo's slots (144 bytes each,
	// the word's analysis included: 576 KiB a language and goroutine).
	wordMemoLog = 12
	// maxMemoWord is the longest word memoized: the memo tells words of
	// up to 16 bytes apart without keeping them (strtab.Cache).
	maxMemoWord = 16
)

// lookUp makes token i's lookups.
func (lx *lexed) lookUp(i int) {
	at := &lx.at[i]
	lx.phrases.Match(lx.toks, i, &at.hits)
	at.featureWeights = featureWeights{}
	tok := &lx.toks[i]
	switch {
	case tok.Kind == token.Emoji || tok.Kind == token.Emoticon:
		at.featureWeights, _ = lx.features.keys.Get(tok.Text) // the label models' key
	case (tok.Kind == token.Word || tok.Kind == token.Hashtag) && len(tok.Text) > 1:
		at.featureWeights, _ = lx.features.keys.Get(Feature(lx.code, tok.Text))
	}
}

// featureIndex is what a language's learned sentiment model and the label
// model know of each feature key (Feature), in one table.
type featureIndex struct {
	model *learnedModel // nil: the language has none
	keys  *strtab.Map[featureWeights]
}

// featureWeights are a feature key's learned weights (learnedWeight's,
// laid out with the rest in 24 bytes) and its row in the label model.
type featureWeights struct {
	plain, negated float64
	labelRow       uint32 // 1 + the key's row in the label model; 0: none
	postRow        uint32 // … of the key as a brand of several reads the post's words (postWordPrefix)
	cue            cueKind
	inModel        bool // the learned model has the key
	inNegation     bool // the word stands in a negation's scope (set by the sentiment walk)
}

// learnedWeight is the key's weight in the learned model.
func (fw *featureWeights) learnedWeight() learnedWeight {
	return learnedWeight{plain: fw.plain, negated: fw.negated, cue: fw.cue}
}

// newFeatureIndex indexes the keys of a learned model (nil: none) and of
// the label model (nil: none).
func newFeatureIndex(model *learnedModel, labels *labelModel) *featureIndex {
	weights := map[string]featureWeights{}
	if model != nil {
		for key, w := range model.words.All() {
			weights[key] = featureWeights{plain: w.plain, negated: w.negated, cue: w.cue, inModel: true}
		}
	}
	if labels != nil {
		for key, row := range labels.words.All() {
			word, post := strings.CutPrefix(key, postWordPrefix)
			fw := weights[word]
			if post {
				fw.postRow = row + 1
			} else {
				fw.labelRow = row + 1
			}
			weights[word] = fw
		}
	}
	return &featureIndex{model: model, keys: strtab.New(weights)}
}

// setLearned makes m the learned model of a language (t's maps are its
// own: a copy's are cloned first).
func (t *tables) setLearned(code string, m *learnedModel) {
	t.learned[code] = m
	t.features[code] = newFeatureIndex(m, t.labels)
}

// startText empties dst for a text made of src's clauses.
func (dst *lexed) startText(src *lexed) {
	dst.toks, dst.at = dst.toks[:0], dst.at[:0]
	dst.phrases, dst.scored, dst.features, dst.model, dst.labels, dst.code = src.phrases, src.scored, src.features, src.model, src.labels, src.code
}

// appendClause adds src's tokens [from, to) as a sentence of its own.
func (dst *lexed) appendClause(src *lexed, from, to int) {
	n := len(dst.toks)
	dst.toks = append(dst.toks, src.toks[from:to]...)
	dst.at = append(dst.at, src.at[from:to]...)
	if to > from && src.toks[to-1].Kind != token.Punct {
		dst.toks = append(dst.toks, token.Token{Text: ".", Kind: token.Punct})
		dst.at = append(dst.at, tokenLex{})
	}
	dst.lookUpCut(src, n, from, to)
}

// appendWords adds what follows a brand chosen in a switch, src's tokens
// [from, to) without their emoji: the author's feeling there is about
// leaving the other brand ("Switching to Y 😩").
func (dst *lexed) appendWords(src *lexed, from, to int) {
	n, dropped := len(dst.toks), false
	for i := from; i < to; i++ {
		if k := src.toks[i].Kind; k == token.Emoji || k == token.Emoticon {
			dropped = true
			continue
		}
		dst.toks = append(dst.toks, src.toks[i])
		dst.at = append(dst.at, src.at[i])
	}
	if len(dst.toks) > n && dst.toks[len(dst.toks)-1].Kind != token.Punct {
		dst.toks = append(dst.toks, token.Token{Text: ".", Kind: token.Punct})
		dst.at = append(dst.at, tokenLex{})
	}
	if !dropped {
		dst.lookUpCut(src, n, from, to)
		return
	}
	// Words the emoji stood between are side by side now: a phrase may
	// span them.
	for i := n; i < len(dst.toks); i++ {
		dst.phrases.Match(dst.toks, i, &dst.at[i].hits)
	}
}

// appendText adds a text made of clauses of the same post.
func (dst *lexed) appendText(src *lexed) {
	dst.toks = append(dst.toks, src.toks...)
	dst.at = append(dst.at, src.at...)
}

// lookUpCut redoes the phrase lookups of dst's tokens from n on, copied
// from src's [from, to), whose phrase ran on past the cut at to. A text
// made of clauses ends every clause with a sentence mark, so no phrase
// runs from one clause into the next, and the phrases of the other tokens
// are src's: the same tokens follow them. Most clauses end at a sentence
// or clause mark already, where no phrase runs on.
func (dst *lexed) lookUpCut(src *lexed, n, from, to int) {
	if to == from || to == len(src.toks) || src.toks[to-1].Kind == token.Punct {
		return
	}
	if k := src.toks[to].Kind; k != token.Word && k != token.Hashtag && k != token.Number {
		return // a phrase's words are words, hashtags and numbers (lexicon.Match)
	}
	for i := n; i < n+to-from; i++ {
		for _, h := range dst.at[i].hits {
			if from+i-n+int(h.N) > to {
				dst.phrases.Match(dst.toks, i, &dst.at[i].hits)
				break
			}
		}
	}
}
