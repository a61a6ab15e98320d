package terms

import (
	"slices"
	"sync"
	"testing"
)

// TestCachePool checks that caches put back are taken again, the last
// put first free slot first, and that more than the pool holds are made
// and dropped.
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
	if c := p.get(); slices.Contains(held, c) {
		t.Error("a pool of cachePoolSlots kept more")
	}
}

// TestConcurrentExtract extracts texts from several goroutines at once
// (the race detector watches cachePool) and checks their terms against
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
	for g := range 8 {
		wg.Go(func() {
			for n := range 200 {
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
