package token

import "slices"

// Analysis is what a reader of the tokens after the classifier (the term
// annotator, internal/terms) makes of a word: the classifier keeps it in
// its word memo beside its own look-ups of the word and hands it on in
// Text.Analyses, so that a word of a post is looked up once for both.
type Analysis struct {
	Key     string // the word's lemma
	KeyHash uint64 // the reader's hash of Key
	Hash    uint64 // the reader's hash of the word
	Brand   int16  // the brand the word names, or -1
	Kind    uint8  // the reader's kind of word
	Multi   bool   // the word begins a brand name of several words
	Set     bool   // false: no analysis (the zero Analysis)
}

// An Analyser makes analyses: the same language and word always get the
// same analysis. It is safe for concurrent use.
type Analyser interface {
	// AnalyseWords sets analyses[i] to the analysis of the word
	// toks[i].Text of language lang, for each i of which: the words of a
	// text the classifier's memo had no analyses of, all at once, so that
	// the analyser's own look-ups of them overlap.
	AnalyseWords(lang string, toks []Token, which []int32, analyses []Analysis)
}

// StartAnalyses sets t's analyses up for the analyses of by in language
// lang, one per token, and returns them for the caller to fill (their
// contents are left as they were).
func (t *Text) StartAnalyses(by Analyser, lang string) []Analysis {
	t.Analyses = slices.Grow(t.Analyses[:0], len(t.Tokens))[:len(t.Tokens)]
	t.AnalysedBy, t.AnalysesLang = by, lang
	return t.Analyses
}

// AnalysesOf returns t's analyses if by made them in language lang, else nil.
func (t *Text) AnalysesOf(by Analyser, lang string) []Analysis {
	if t.AnalysedBy != by || t.AnalysesLang != lang || len(t.Analyses) != len(t.Tokens) {
		return nil
	}
	return t.Analyses
}
