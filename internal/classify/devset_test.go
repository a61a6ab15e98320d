package classify

import (
	"strings"
	"testing"

	"github.com/ewom/ewom/internal/classify/eval"
	"github.com/ewom/ewom/internal/config"
)

// TestDevSetTestSplit measures the classifier on the development set's
// test split (testdata/dev/test.jsonl, never tuned on) and guards the
// figures reached so far against regressions. The targets (brands
// 0.97, sentiment 0.88, stage 0.82) are not reached yet: the report is in
// the test log and in docs/classifier.md.
func TestDevSetTestSplit(t *testing.T) {
	c := devClassifier(t)
	rep := eval.RunDev(readDevItems(t, "testdata/dev/test.jsonl"), c.DevPrediction)
	var out strings.Builder
	rep.Write(&out, false)
	t.Log("\n" + out.String())
	for _, floor := range []struct {
		name string
		got  float64
		min  float64
	}{
		{"brands exact", rep.All.Brands.Accuracy(), 0.95},
		{"sentiment", rep.All.Sentiment.Accuracy(), 0.78},
		{"journey stage", rep.All.Stage.Accuracy(), 0.67},
		{"touchpoint", rep.All.Touchpoint.Accuracy(), 0.95},
	} {
		if floor.got < floor.min {
			t.Errorf("%s on the test split: %.3f, below the %.2f reached before", floor.name, floor.got, floor.min)
		}
	}
}

// devClassifier is a classifier of the development set's brands.
func devClassifier(t *testing.T) *Classifier {
	t.Helper()
	cfg, err := config.Load("testdata/dev/brands.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(cfg.Brands)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// readDevItems reads a split of the development set.
func readDevItems(t *testing.T, path string) []eval.DevItem {
	t.Helper()
	items, err := eval.ReadDevFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return items
}
