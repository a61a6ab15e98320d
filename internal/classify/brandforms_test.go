package classify

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/ewom/ewom/internal/config"
)

// The declension table (testdata/brandforms): each form names its brand
// and no other, each ordinary word or phrase names no brand.
func TestBrandForms(t *testing.T) {
	cfg, err := config.Load("testdata/brandforms/brands.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(cfg.Brands)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile("testdata/brandforms/forms.tsv")
	if err != nil {
		t.Fatal(err)
	}
	forms, words, named := 0, 0, map[string]bool{}
	for i, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if line == "#" || strings.HasPrefix(line, "# ") { // hashtags have no space after #
			continue
		}
		text, brand, ok := strings.Cut(line, "\t")
		if !ok {
			t.Fatalf("forms.tsv:%d: want text<TAB>brand, got %q", i+1, line)
		}
		var want []string
		if brand == "-" {
			words++
		} else {
			forms++
			named[brand] = true
			want = []string{brand}
		}
		if got := c.Classify(post("mastodon", text)).Brands; !slices.Equal(got, want) && len(got)+len(want) > 0 {
			t.Errorf("forms.tsv:%d: %q names %v, want %v", i+1, text, got, want)
		}
	}
	// The table is the evidence for docs/classifier.md; keep it that large.
	if forms < 400 || len(named) < 40 || words < 100 {
		t.Errorf("%d forms of %d brands and %d ordinary words; want at least 400, 40 and 100", forms, len(named), words)
	}
}
