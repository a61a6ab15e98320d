package terms

import (
	"fmt"
	"github.com/ewom/ewom/internal/config"
	"github.com/ewom/ewom/internal/mention"
	"github.com/ewom/ewom/internal/store"
	"slices"
	"sync"
	"testing"
)

// TestCachePool checks that caches put back are taken again, the slots
// first, then those that waited behind them, and that none is dropped.
func TestCachePool(t *testing.T) {
	var p cachePool
	a := p.get()
	p.put(a)
	if b := p.get(); b != a {
		t.Fatal("caches put back were not taken again")
	}
	var held []*wordCaches
	for range cachePoolSlots + 3 {
		held = append(held, p.get())
	}
	for _, c := range held {
		p.put(c)
	}
	for i := range cachePoolSlots {
		if c := p.get(); c != held[i] {
			t.Fatalf("slot %d: other caches", i)
		}
	}
	for i := len(held) - 1; i >= cachePoolSlots; i-- {
		if c := p.get(); c != held[i] {
			t.Fatalf("caches %d, put back past the slots: other caches", i)
		}
	}
	if c := p.get(); slices.Contains(held, c) {
		t.Error("caches taken twice")
	}
}

// TestConcurrentExtract extracts texts from several goroutines at once
// (the race detector watches cachePool; more than its slots) and checks their terms against
// one goroutine's.
func TestConcurrentExtract(t *testing.T) {
	e, err := New(nil)
	if err != nil {
		t.Fatal(err)
	}
	texts := []string{
		"Asiakaspalvelu ei vastaa, toimitus on myöhässä ja paketti hukassa.",
		"The delivery was delayed again and customer service did not answer.",
		"Leveransen var försenad och kundtjänsten svarade inte.",
		"Toimitusajoista ei ole tietoa, eikä asiakaspalvelu vastaa viesteihin.",
	}
	langs := []string{"fi", "en", "sv", "fi"}
	want := make([]Terms, len(texts))
	for i := range texts {
		want[i] = e.Extract(texts[i], langs[i])
	}
	var wg sync.WaitGroup
	for g := range 2 * cachePoolSlots { // more than the pool's slots
		wg.Go(func() {
			for n := range 100 {
				i := (g + n) % len(texts)
				got := e.Extract(texts[i], langs[i])
				if !slices.Equal(got.Keys, want[i].Keys) || !slices.Equal(got.Forms, want[i].Forms) {
					t.Errorf("goroutine %d, text %d: %q, want %q", g, i, got.Keys, want[i].Keys)
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestConcurrentAnnotate annotates posts from several goroutines with one
// annotator, as a process's workers share it, its story index small enough
// to turn its generations over while others prefetch from it (the race
// detector watches Stories), and checks every row's terms against the
// extractor's.
func TestConcurrentAnnotate(t *testing.T) {
	brands := []config.Brand{{Name: "Rantakoto"}, {Name: "Sinilintu"}}
	e, err := New(brands)
	if err != nil {
		t.Fatal(err)
	}
	a, err := NewAnnotator(e, nil)
	if err != nil {
		t.Fatal(err)
	}
	a.Stories = newStories(200)
	texts := []string{
		"Rantakodon toimitus on myöhässä jo viikon, eikä asiakaspalvelu vastaa viesteihin mitään.",
		"Sinilintu toimitti heti ja paketti tuli kunnossa, kiitos nopeasta toimituksesta taas kerran!",
		"Rantakoto vs Sinilintu: toinen vastaa heti, toinen ei koskaan, ja silti hinnat ovat samat.",
		"Ordered from Sinilintu last week and the delivery was delayed twice without any word at all.",
	}
	rowsOf := func(i int) []store.Row {
		if i%2 == 0 {
			return []store.Row{{Brand: brands[i/2%2].Name, Lang: "fi"}}
		}
		return []store.Row{{Lang: "fi"}, {Brand: "Rantakoto", Lang: "fi"}, {Brand: "Sinilintu", Lang: "fi"}}
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for n := range 200 {
				i := (g + n) % len(texts)
				// Words of its own: every post adds bands, and the index's
				// generations turn over every 20 posts.
				text := fmt.Sprintf("%s Tilaus %d, rivi %d.", texts[i], g, n)
				rows := rowsOf(i)
				a.Annotate(&mention.Mention{Text: text}, fmt.Sprintf("%d/%d", g, n), rows)
				for _, r := range rows {
					want, _ := e.Extract(text, "fi").For(slices.Index(e.Brands(), r.Brand))
					if !slices.Equal(r.Terms, want) {
						t.Errorf("goroutine %d, text %d, brand %q: %q, want %q", g, i, r.Brand, r.Terms, want)
						return
					}
				}
			}
		})
	}
	wg.Wait()
}
