package classify

import (
	"slices"

	"github.com/ewom/ewom/internal/classify/lexicon"
	"github.com/ewom/ewom/internal/classify/strtab"
	"github.com/ewom/ewom/internal/classify/token"
)

// A post's words are looked up once. One matcher per language holds its
// sentiment words, its sentiment rules and the cues, so one walk over a
// word finds all three; the learned sentiment model's weight and the stage
// model's row of the word are read beside them, with one hash of its
// feature key. The post's sentiment walk, its cue scan, its stage
// evidence and the walks over each brand's clauses read the lookups
// instead of making them again.

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
// group starting at it, its word's weight in the learned model and its
// row in the stage model.
type tokenLex struct {
	hits     [phraseGroups]lexicon.Hit
	learned  learnedWeight
	inModel  bool   // learned is the model's (the word is in it)
	stageRow uint32 // 1 + the word's row in the stage model; 0: none
}

// lexed is tokens with their lookups: a post (tables.lexTokens), or a text
// made of its clauses (appendClause), whose lookups are copied from it.
type lexed struct {
	toks    []token.Token
	at      []tokenLex // at[i] is toks[i]'s
	phrases *lexicon.Matcher[lexItem]
	scored  bool          // the language has sentiment lexicons
	model   *learnedModel // whose weights tokenLex.learned holds; nil: none looked up
	stages  *stageModel   // whose rows tokenLex.stageRow holds; nil: none looked up
	code    string
}

// lexTokens looks up every token of toks in the phrases of the language
// (the cues alone for one without lexicons) and, with a model, its word's
// learned weight.
func (t *tables) lexTokens(lx *lexed, toks []token.Token, code string, model *learnedModel) {
	lx.toks, lx.code, lx.model, lx.stages = toks, code, model, t.stages
	lx.phrases, lx.scored = t.phrases[code]
	if !lx.scored {
		lx.phrases = t.cuePhrases
	}
	lx.at = slices.Grow(lx.at[:0], len(toks))[:len(toks)]
	for i := range toks {
		lx.lookUp(i)
	}
}

// lookUp makes token i's lookups.
func (lx *lexed) lookUp(i int) {
	at := &lx.at[i]
	lx.phrases.Match(lx.toks, i, at.hits[:])
	at.learned, at.inModel, at.stageRow = learnedWeight{}, false, 0
	tok := &lx.toks[i]
	if (tok.Kind != token.Word && tok.Kind != token.Hashtag) || len(tok.Text) <= 1 {
		return
	}
	key := strtab.NewKey(Feature(lx.code, tok.Text))
	if lx.model != nil {
		at.learned, at.inModel = lx.model.words.GetKey(key)
	}
	if lx.stages != nil && tok.Kind == token.Word {
		if row, ok := lx.stages.words.GetKey(key); ok {
			at.stageRow = row + 1
		}
	}
}

// startText empties dst for a text made of src's clauses.
func (dst *lexed) startText(src *lexed) {
	dst.toks, dst.at = dst.toks[:0], dst.at[:0]
	dst.phrases, dst.scored, dst.model, dst.stages, dst.code = src.phrases, src.scored, src.model, src.stages, src.code
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
	dst.lookUpCut(n, from, to)
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
		dst.lookUpCut(n, from, to)
		return
	}
	// Words the emoji stood between are side by side now: a phrase may
	// span them.
	for i := n; i < len(dst.toks); i++ {
		dst.phrases.Match(dst.toks, i, dst.at[i].hits[:])
	}
}

// appendText adds a text made of clauses of the same post.
func (dst *lexed) appendText(src *lexed) {
	dst.toks = append(dst.toks, src.toks...)
	dst.at = append(dst.at, src.at...)
}

// lookUpCut redoes the phrase lookups of dst's tokens from n on, copied
// from the post's [from, to), whose phrase ran on past the cut at to. A
// text made of clauses ends every clause with a sentence mark, so no
// phrase runs from one clause into the next, and the phrases of the
// other tokens are the post's: the same tokens follow them.
func (dst *lexed) lookUpCut(n, from, to int) {
	for i := n; i < n+to-from; i++ {
		for _, h := range dst.at[i].hits {
			if from+i-n+int(h.N) > to {
				dst.phrases.Match(dst.toks, i, dst.at[i].hits[:])
				break
			}
		}
	}
}
