package terms

import (
	"testing"

	"github.com/ewom/ewom/internal/classify/token"
)

// BenchmarkAnalyse times the analysis of a word met for the first time
// (Extractor.analyse: brand, stop word, lemma), what a word cache miss
// costs, over the distinct words of the label models' training corpus in
// their posts' languages (ns/op: a word).
func BenchmarkAnalyse(b *testing.B) {
	items, brands := ReadSet(b, "../classify/testdata/train/corpus.jsonl", "../classify/testdata/train/brands.yaml")
	e, err := New(brands)
	if err != nil {
		b.Fatal(err)
	}
	type langWord struct{ lang, w string }
	seen := map[langWord]bool{}
	var words []langWord
	var tx token.Text
	for _, it := range items {
		tx.Read(it.Title, it.Text)
		for _, t := range tx.Tokens {
			lw := langWord{cacheLangs[langIndex(it.Lang)], t.Text}
			if t.Kind == token.Word && !seen[lw] {
				seen[lw] = true
				words = append(words, lw)
			}
		}
	}
	for i := 0; b.Loop(); i++ {
		lw := words[i%len(words)]
		e.analyse(lw.lang, lw.w, fnv64(lw.w))
	}
}
