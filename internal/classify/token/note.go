package token

import "slices"

// Note is what a reader of the tokens after the classifier (the term
// annotator, internal/terms) makes of a word: the classifier keeps it in
// its word memo beside its own look-ups of the word and hands it on in
// Text.Notes, so that a word of a post is looked up once for both.
type Note struct {
	Key     string // the word's lemma
	KeyHash uint64 // the reader's hash of Key
	Hash    uint64 // the reader's hash of the word
	Brand   int16  // the brand the word names, or -1
	Kind    uint8  // the reader's kind of word
	Multi   bool   // the word begins a brand name of several words
	Set     bool   // false: no note (the zero Note)
}

// A Noter makes notes: the same language and word always get the same
// note. It is safe for concurrent use.
type Noter interface {
	// Note sets notes[i] to the note of the word toks[i].Text of
	// language lang, for each i of which: the words of a text the
	// classifier's memo had no notes of, all at once, so that the
	// noter's own look-ups of them overlap.
	Note(lang string, toks []Token, which []int32, notes []Note)
}

// StartNotes sets t's notes up for the notes of by in language lang, one
// per token, and returns them for the caller to fill (their contents are
// left as they were).
func (t *Text) StartNotes(by Noter, lang string) []Note {
	t.Notes = slices.Grow(t.Notes[:0], len(t.Tokens))[:len(t.Tokens)]
	t.NotedBy, t.NotesLang = by, lang
	return t.Notes
}

// NotesOf returns t's notes if by made them in language lang, else nil.
func (t *Text) NotesOf(by Noter, lang string) []Note {
	if t.NotedBy != by || t.NotesLang != lang || len(t.Notes) != len(t.Tokens) {
		return nil
	}
	return t.Notes
}
