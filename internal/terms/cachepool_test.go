package terms

import (
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
