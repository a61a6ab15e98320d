package classify

import (
	"time"

	"github.com/ewom/ewom/internal/classify/eval"
)

// devPublished is the time development-set items are published at: labels
// do not depend on it.
var devPublished = time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)

// DevPrediction labels a development-set item as eval.RunDev counts it: the
// post's labels and each brand's.
func (c *Classifier) DevPrediction(it eval.DevItem) eval.Prediction {
	m := it.Mention(devPublished)
	cl := c.Classify(&m)
	p := eval.Prediction{Lang: cl.Lang, Touchpoint: cl.Touchpoint, Brands: cl.Brands, Sentiment: cl.Sentiment,
		Stage: cl.JourneyStage, PerBrand: make(map[string][2]string, len(cl.BrandLabels))}
	for _, l := range cl.BrandLabels {
		p.PerBrand[l.Brand] = [2]string{l.Sentiment, l.JourneyStage}
	}
	return p
}
