package terms

import (
	"testing"

	"github.com/ewom/ewom/internal/classify/eval"
	"github.com/ewom/ewom/internal/config"
)

// ReadSet reads a labelled set of internal/classify/testdata and the
// brands of its config, for the benchmarks here and in terms_test.
func ReadSet(tb testing.TB, set, brands string) ([]eval.DevItem, []config.Brand) {
	tb.Helper()
	items, err := eval.ReadDevFile(set)
	if err != nil {
		tb.Fatal(err)
	}
	cfg, err := config.Load(brands)
	if err != nil {
		tb.Fatal(err)
	}
	return items, cfg.Brands
}
