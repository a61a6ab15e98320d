package classify

import (
	"math"
	"testing"

	"github.com/ewom/ewom/internal/classify/token"
	"github.com/ewom/ewom/internal/mention"
)

// The stage model is trained on StageFeatures' keys and predicts from
// stageEvidence and predict, which look the same keys up without building
// them: both must score a post alike.
func TestStageFeaturesMatchPrediction(t *testing.T) {
	tb, err := sharedTables()
	if err != nil {
		t.Fatal(err)
	}
	sm := tb.stages
	if sm == nil {
		t.Fatal("no stage model in data/stages_learned.tsv")
	}
	for _, text := range []string{
		"Tilasin läppärin Rantakodosta ja se on vieläkin myöhässä, asiakaspalvelu ei vastaa.",
		"The app crashes every time I open my orders",
	} {
		toks := token.Append(nil, text, token.Lower(text))
		for _, rule := range mention.JourneyStages {
			feats := StageFeatures(nil, toks, "fi", "shared", "mastodon", rule)
			var want [stageCount]float64
			for _, f := range feats {
				if row, ok := sm.words.Get(f); ok {
					for s, w := range sm.rows[row] {
						want[s] += float64(w)
					}
				}
			}
			bestWant, bestZ := 0, math.Inf(-1)
			for s := range want {
				if z := float64(sm.bias[s]) + want[s]/math.Sqrt(float64(len(feats))); z > bestZ {
					bestWant, bestZ = s, z
				}
			}
			var lx lexed
			tb.lexTokens(&lx, toks, "fi")
			got, z := sm.predict(lx.stageEvidence("shared", "mastodon"), rule)
			if got != mention.JourneyStages[bestWant] || math.Abs(z-bestZ) > 1e-9 {
				t.Errorf("%q with rule %s: predict %s (%.6f), features say %s (%.6f)", text, rule, got, z, mention.JourneyStages[bestWant], bestZ)
			}
		}
	}
}
