package classify

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/ewom/ewom/internal/classify/strtab"
	"github.com/ewom/ewom/internal/classify/token"
)

// A brand's text is made of clauses of its post and copies the post's
// lookups (lexed.go): they must be what looking the text up afresh finds,
// in clauses cut before a contrast word (where a phrase may run on past
// the cut), alone, in another order and without their emoji.
func TestClauseTextsKeepFreshLookups(t *testing.T) {
	tb, texts := lexedTestTexts(t)
	var post, text, fresh lexed
	compared := 0
	check := func(what, src string) {
		t.Helper()
		tb.lexTokens(&fresh, slices.Clone(text.toks), text.code, nil, nil, nil)
		for i := range text.toks {
			if text.at[i] != fresh.at[i] {
				t.Fatalf("%s of %q: token %d (%q) copied %+v, looked up afresh %+v", what, src, i, text.toks[i].Text, text.at[i], fresh.at[i])
			}
			compared++
		}
	}
	for _, s := range texts {
		toks := token.Append(nil, s, token.Lower(s))
		det := tb.lang.Detect(toks, "")
		tb.lexTokens(&post, toks, lexiconCode(det.Lang, det.Guess), nil, nil, nil)
		clauses := splitClauses(nil, toks)
		for _, cs := range clauses {
			text.startText(&post)
			text.appendClause(&post, cs.from, cs.to)
			check("a clause", s)
			text.startText(&post)
			text.appendWords(&post, cs.from, cs.to)
			check("a clause's words", s)
		}
		text.startText(&post)
		for k := len(clauses) - 1; k >= 0; k-- {
			text.appendClause(&post, clauses[k].from, clauses[k].to)
		}
		check("the clauses backwards", s)
	}
	t.Logf("%d texts, %d tokens compared", len(texts), compared)
}

// A word's lookups read from a word memo must be those made afresh, for
// words followed by another that continues a phrase or not, and in a memo
// small enough that words push each other out; the memo's notes of the
// words must be the noter's.
func TestWordMemoKeepsFreshLookups(t *testing.T) {
	tb, texts := lexedTestTexts(t)
	memos := map[string]*wordMemo{}
	var memoized, fresh lexed
	var notes []token.Note
	compared, noted := 0, 0
	for round := range 2 { // the second round reads what the first kept
		for _, s := range texts {
			toks := token.Append(nil, s, token.Lower(s))
			det := tb.lang.Detect(toks, "")
			code := lexiconCode(det.Lang, det.Guess)
			if memos[code] == nil {
				memos[code] = strtab.NewCache[memoEntry](8)
			}
			notes = slices.Grow(notes[:0], len(toks))[:len(toks)]
			tb.lexTokens(&memoized, toks, code, memos[code], notes, testNoter{})
			tb.lexTokens(&fresh, toks, code, nil, nil, nil)
			for i, tok := range toks {
				if memoized.at[i] != fresh.at[i] {
					t.Fatalf("round %d, %q: token %d (%q) from the memo %+v, looked up afresh %+v", round, s, i, toks[i].Text, memoized.at[i], fresh.at[i])
				}
				var want token.Note
				if (tok.Kind == token.Word || tok.Kind == token.Hashtag) && len(tok.Text) <= maxMemoWord {
					want = testNoter{}.note(code, tok.Text)
					noted++
				}
				if notes[i] != want {
					t.Fatalf("round %d, %q: token %d (%q) has note %+v, want %+v", round, s, i, tok.Text, notes[i], want)
				}
				compared++
			}
		}
	}
	t.Logf("%d texts, %d tokens compared, %d with notes", len(texts), compared, noted)
}

// testNoter's note of a word names the language and the word.
type testNoter struct{}

func (testNoter) note(lang, w string) token.Note {
	return token.Note{Key: lang + ":" + w, Hash: uint64(len(w)), Set: true}
}

func (n testNoter) Note(lang string, toks []token.Token, which []int32, notes []token.Note) {
	for _, i := range which {
		notes[i] = n.note(lang, toks[i].Text)
	}
}

// A classifier that makes notes labels as one that does not, and leaves
// the notes of the post's language in the text.
func TestNotesLeaveLabelsAlone(t *testing.T) {
	plain, noting := devClassifier(t), devClassifier(t)
	noting.noter = testNoter{}
	var tx token.Text
	for round := range 2 {
		for _, it := range readDevItems(t, "testdata/dev/dev.jsonl") {
			m := it.Mention(time.Time{})
			want, got := plain.Classify(&m), noting.ClassifyText(&m, &tx)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("round %d, %s: with notes %+v, without %+v", round, it.ID, got, want)
			}
			det := noting.t.lang.Detect(tx.Tokens, m.Lang)
			code := lexiconCode(det.Lang, det.Guess)
			if tx.NotesOf(testNoter{}, code) == nil {
				t.Fatalf("%s: no notes of language %q (%q, %d for %d tokens)", it.ID, code, tx.NotesLang, len(tx.Notes), len(tx.Tokens))
			}
		}
	}
}

// lexedTestTexts returns the tables and the texts of the bench corpus and
// of the development set's titles and texts.
func lexedTestTexts(t *testing.T) (*tables, []string) {
	t.Helper()
	tb, err := sharedTables()
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, m := range BenchCorpus(300) {
		texts = append(texts, m.Text)
	}
	for _, it := range readDevItems(t, "testdata/dev/dev.jsonl") {
		if it.Title != "" {
			texts = append(texts, it.Title)
		}
		texts = append(texts, it.Text)
	}
	return tb, texts
}
