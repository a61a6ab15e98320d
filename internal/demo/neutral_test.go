package demo

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/ewom/ewom/internal/classify"
	"github.com/ewom/ewom/internal/mention"
)

// The classifier keeps the demo's neutral Finnish posts (questions before a
// purchase, news of a shop) mostly neutral: subtitle-learned weights once
// made three in four of them negative or positive.
func TestNeutralFinnishDemoPostsStayMostlyNeutral(t *testing.T) {
	c, err := classify.New(Brands())
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	keys := make([]string, 0, len(consumer))
	for k := range consumer {
		if strings.HasSuffix(k, "/neu/fi") {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	total, neutral := 0, 0
	for _, k := range keys {
		for _, tmpl := range consumer[k] {
			for range 5 {
				v := vars{brand: pick(rng, brandForms[Retailer]), rival: pick(rng, brandForms[RivalA]), product: pick(rng, laptops),
					days: "5", order: "#4100000", mood: "neu"}
				text := roughen(rng, fill(rng, tmpl, v))
				total++
				if got := c.Classify(&mention.Mention{Source: "mastodon", Text: text, Lang: "fi"}); got.Sentiment == mention.Neutral {
					neutral++
				} else {
					t.Logf("%s: %q", got.Sentiment, text)
				}
			}
		}
	}
	t.Logf("%d of %d neutral", neutral, total)
	if neutral*2 < total {
		t.Errorf("%d of %d neutral Finnish demo posts kept neutral, want at least half", neutral, total)
	}
}
