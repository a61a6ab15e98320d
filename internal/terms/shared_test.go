package terms_test

import (
	"slices"
	"testing"

	"github.com/ewom/ewom/internal/classify"
	"github.com/ewom/ewom/internal/classify/token"
	"github.com/ewom/ewom/internal/pipeline"
	"github.com/ewom/ewom/internal/store"
)

// TestSharedTokensAnnotateAlike annotates the development and test sets'
// 840 posts (twice) from the tokens the classifier left (as a worker does),
// from those tokens with the classifier's analyses of the words
// (classify.WithAnalyser), and on their own (Annotate), and checks all three
// against the terms and story of the title and text tokenized as one
// string, as the annotator read them before it shared the classifier's
// tokens.
func TestSharedTokensAnnotateAlike(t *testing.T) {
	ms, brands := benchMentions(t)
	cls, err := classify.New(brands)
	if err != nil {
		t.Fatal(err)
	}
	shared, alone, ref := newAnnotator(t, brands), newAnnotator(t, brands), newAnnotator(t, brands)
	analysing, informed := newWorker(t, brands)
	brandIndex := map[string]int{}
	for i, b := range ref.Extractor.Brands() {
		brandIndex[b] = i
	}
	var tx, analysedTx token.Text
	withTerms, withAnalyses, stories := 0, 0, map[uint64]bool{}
	// Twice, under other ids the second time: copies join the stories.
	for n, m := range slices.Concat(ms, ms) {
		id := m.Key()
		if n >= len(ms) {
			id += "/copy"
		}
		rows := pipeline.Rows(&m, id, m.Lang, cls.ClassifyText(&m, &tx), "", m.PublishedAt)
		shared.AnnotateText(id, rows, &tx)
		rows2 := slices.Clone(rows)
		alone.Annotate(&m, id, rows2)
		rows3 := pipeline.Rows(&m, id, m.Lang, analysing.ClassifyText(&m, &analysedTx), "", m.PublishedAt)
		informed.AnnotateText(id, rows3, &analysedTx)
		for _, n := range analysedTx.Analyses {
			if n.Set {
				withAnalyses++
			}
		}

		text := m.Text
		if m.Title != "" {
			text = m.Title + "\n" + m.Text
		}
		want := ref.Extractor.Extract(text, rows[0].Lang)
		story := ref.Stories.Assign(id, text)
		for i, r := range rows {
			b, ok := brandIndex[r.Brand]
			if !ok {
				b = -1
			}
			keys, forms := want.For(b)
			for name, got := range map[string]store.Row{"shared tokens": r, "standalone": rows2[i], "analysed tokens": rows3[i]} {
				if !slices.Equal(got.Terms, keys) || !slices.Equal(got.TermForms, forms) || got.Story != story {
					t.Errorf("%s, %s (brand %q): terms %q forms %q story %x; want %q %q %x",
						name, id, r.Brand, got.Terms, got.TermForms, got.Story, keys, forms, story)
				}
			}
		}
		if len(rows[0].Terms) > 0 {
			withTerms++
		}
		stories[rows[0].Story] = true
	}
	// The comparison is of something: most posts have terms, copies of
	// posts long enough for MinHash joined their stories, and the posts'
	// words came with analyses (some 20 a post).
	if withTerms < 2*len(ms)*9/10 || len(stories) > len(ms)*3/2 || withAnalyses < 2*len(ms)*10 {
		t.Errorf("%d of %d posts have terms, %d stories, %d analyses", withTerms, len(ms), len(stories), withAnalyses)
	}
}

// TestRowsKeepTheirTerms annotates the development and test sets' posts,
// keeping every post's rows, and checks them all once the last post is
// annotated: a row's terms are taken from buffers that later posts' terms
// are written to after them (termSet.take), shared with the other rows of
// the post, copied for a row whose brand a term names, or made in place
// for the last such row. Every third post has a row for no brand and one
// for each configured brand (shared terms and copies), the others the
// classifier's rows (mostly one brand named: the terms made in place).
func TestRowsKeepTheirTerms(t *testing.T) {
	ms, brands := benchMentions(t)
	cls, ann := newWorker(t, brands)
	ref := newAnnotator(t, brands)
	brandIndex := map[string]int{}
	for i, b := range ref.Extractor.Brands() {
		brandIndex[b] = i
	}
	var tx token.Text
	kept := make([][]store.Row, len(ms))
	for n, m := range ms {
		id := m.Key()
		rows := pipeline.Rows(&m, id, m.Lang, cls.ClassifyText(&m, &tx), "", m.PublishedAt)
		if n%3 == 0 {
			rows = []store.Row{{Lang: rows[0].Lang}}
			for _, b := range brands {
				rows = append(rows, store.Row{Brand: b.Name, Lang: rows[0].Lang})
			}
		}
		ann.AnnotateText(id, rows, &tx)
		kept[n] = rows
	}
	inPlace := 0
	for n, m := range ms {
		text := m.Text
		if m.Title != "" {
			text = m.Title + "\n" + m.Text
		}
		want := ref.Extractor.Extract(text, kept[n][0].Lang)
		named := 0
		for _, r := range kept[n] {
			b, ok := brandIndex[r.Brand]
			if !ok {
				b = -1
			}
			keys, forms := want.For(b)
			if !slices.Equal(r.Terms, keys) || !slices.Equal(r.TermForms, forms) {
				t.Fatalf("post %d (%s), brand %q: terms %q forms %q, want %q %q", n, m.ID, r.Brand, r.Terms, r.TermForms, keys, forms)
			}
			if len(keys) < len(want.Keys) {
				named++
			}
		}
		if len(kept[n]) == 1 && named == 1 {
			inPlace++
		}
	}
	if inPlace < len(ms)/4 {
		t.Errorf("%d of %d posts had one row whose brand a term names", inPlace, len(ms))
	}
}
