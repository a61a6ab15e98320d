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
// small enough that words push each other out; the memo's analyses of the
// words must be the analyser's.
func TestWordMemoKeepsFreshLookups(t *testing.T) {
	tb, texts := lexedTestTexts(t)
	memos := map[string]*wordMemo{}
	var memoized, fresh lexed
	var analyses []token.Analysis
	compared, analysed := 0, 0
	for round := range 2 { // the second round reads what the first kept
		for _, s := range texts {
			toks := token.Append(nil, s, token.Lower(s))
			det := tb.lang.Detect(toks, "")
			code := lexiconCode(det.Lang, det.Guess)
			if memos[code] == nil {
				memos[code] = strtab.NewCache[memoEntry](8)
			}
			analyses = slices.Grow(analyses[:0], len(toks))[:len(toks)]
			tb.lexTokens(&memoized, toks, code, memos[code], analyses, testAnalyser{})
			tb.lexTokens(&fresh, toks, code, nil, nil, nil)
			for i, tok := range toks {
				if memoized.at[i] != fresh.at[i] {
					t.Fatalf("round %d, %q: token %d (%q) from the memo %+v, looked up afresh %+v", round, s, i, toks[i].Text, memoized.at[i], fresh.at[i])
				}
				var want token.Analysis
				if (tok.Kind == token.Word || tok.Kind == token.Hashtag) && len(tok.Text) <= maxMemoWord {
					want = testAnalyser{}.analysis(code, tok.Text)
					analysed++
				}
				if analyses[i] != want {
					t.Fatalf("round %d, %q: token %d (%q) has analysis %+v, want %+v", round, s, i, tok.Text, analyses[i], want)
				}
				compared++
			}
		}
	}
	t.Logf("%d texts, %d tokens compared, %d with analyses", len(texts), compared, analysed)
}

// testAnalyser's analysis of a word names the language and the word.
type testAnalyser struct{}

func (testAnalyser) analysis(lang, w string) token.Analysis {
	return token.Analysis{Key: lang + ":" + w, Hash: uint64(len(w)), Set: true}
}

func (n testAnalyser) AnalyseWords(lang string, toks []token.Token, which []int32, analyses []token.Analysis) {
	for _, i := range which {
		analyses[i] = n.analysis(lang, toks[i].Text)
	}
}

// A classifier that makes analyses labels as one that does not, and leaves
// the analyses of the post's language in the text.
func TestAnalysesLeaveLabelsAlone(t *testing.T) {
	plain, analysing := devClassifier(t), devClassifier(t)
	analysing.analyser = testAnalyser{}
	var tx token.Text
	for round := range 2 {
		for _, it := range readDevItems(t, "testdata/dev/dev.jsonl") {
			m := it.Mention(time.Time{})
			want, got := plain.Classify(&m), analysing.ClassifyText(&m, &tx)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("round %d, %s: with analyses %+v, without %+v", round, it.ID, got, want)
			}
			det := analysing.t.lang.Detect(tx.Tokens, m.Lang)
			code := lexiconCode(det.Lang, det.Guess)
			if tx.AnalysesOf(testAnalyser{}, code) == nil {
				t.Fatalf("%s: no analyses of language %q (%q, %d for %d tokens)", it.ID, code, tx.AnalysesLang, len(tx.Analyses), len(tx.Tokens))
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
