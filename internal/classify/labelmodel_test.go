package classify

import (
	"math"
	"slices"
	"testing"

	"github.com/ewom/ewom/internal/mention"
)

// The label models are trained on LabelExamples' features and predict
// from wordEvidence and withRules, which look the same keys up without
// building them: both must score a mention alike.
func TestLabelFeaturesMatchPrediction(t *testing.T) {
	c := newTestClassifier(t)
	lm := c.t.labels
	if lm == nil {
		t.Fatal("no label model in data/labels_learned.tsv")
	}
	rating := 2.0
	multi := false // a brand of several was read from its own clauses
	for _, m := range []*mention.Mention{
		post("mastodon", "Tilasin läppärin Gigantista ja se on vieläkin myöhässä, asiakaspalvelu ei vastaa."),
		post("trustpilot", "The app crashes every time I open my orders"),
		{Source: "googleplay", Text: "Finnairin sovellus on ihan ok, mutta Gigantin on parempi. Siirryin Gigantista Finnairille.", Rating: &rating},
	} {
		ex := &labelExamples{brands: map[string]LabelExample{}, evidence: map[string]labelEvidence{}}
		c.classify(m, nil, nil, ex)
		all := map[string]LabelExample{"": ex.post}
		for brand, e := range ex.brands {
			all[brand] = e
		}
		for brand, e := range all {
			multi = multi || slices.Contains(e.Features, multiKey)
			var want [labelCount]float64
			for _, f := range e.Features {
				if row, ok := lm.words.Get(f); ok {
					for s, w := range lm.rows[row] {
						want[s] += float64(w)
					}
				}
			}
			got := lm.logOdds(ex.evidence[brand])
			for s := range want {
				if z := float64(lm.bias[s]) + want[s]/math.Sqrt(float64(len(e.Features))); math.Abs(z-got[s]) > 1e-9 {
					t.Errorf("%q brand %q class %d: predicted log-odds %.6f, features say %.6f", m.Text, brand, s, got[s], z)
				}
			}
		}
	}
	if !multi {
		t.Error("no brand read from its own clauses: the post's rule features went untested")
	}
}
