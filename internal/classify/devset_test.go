package classify

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ewom/ewom/internal/classify/eval"
	"github.com/ewom/ewom/internal/config"
)

// TestDevSetTestSplit measures the classifier on the development set's
// test split (testdata/dev/test.jsonl, never tuned on) and guards the
// figures reached so far against regressions. The targets (brands
// 0.97, sentiment 0.88, stage 0.82) are not reached yet: the report is in
// the test log and in docs/classifier.md.
func TestDevSetTestSplit(t *testing.T) {
	cfg, err := config.Load("testdata/dev/brands.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(cfg.Brands)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open("testdata/dev/test.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	items, err := eval.ReadDev(f)
	if err != nil {
		t.Fatal(err)
	}
	published := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	rep := eval.RunDev(items, func(it eval.DevItem) eval.Prediction {
		m := it.Mention(published)
		cl := c.Classify(&m)
		p := eval.Prediction{Lang: cl.Lang, Touchpoint: cl.Touchpoint, Brands: cl.Brands, Sentiment: cl.Sentiment,
			Stage: cl.JourneyStage, PerBrand: map[string][2]string{}}
		for _, l := range cl.BrandLabels {
			p.PerBrand[l.Brand] = [2]string{l.Sentiment, l.JourneyStage}
		}
		return p
	})
	var out strings.Builder
	rep.Write(&out, false)
	t.Log("\n" + out.String())
	for _, floor := range []struct {
		name string
		got  float64
		min  float64
	}{
		{"brands exact", rep.All.Brands.Accuracy(), 0.93},
		{"sentiment", rep.All.Sentiment.Accuracy(), 0.63},
		{"journey stage", rep.All.Stage.Accuracy(), 0.41},
		{"touchpoint", rep.All.Touchpoint.Accuracy(), 0.95},
	} {
		if floor.got < floor.min {
			t.Errorf("%s on the test split: %.3f, below the %.2f reached before", floor.name, floor.got, floor.min)
		}
	}
}
