package classify

import (
	"testing"

	"github.com/ewom/ewom/internal/config"
	"github.com/ewom/ewom/internal/mention"
)

// TestPerBrandLabels checks that brands named in different clauses get
// the labels of their own clauses, in Finnish, English and Swedish:
// switching, comparison and two brands in two sentences.
func TestPerBrandLabels(t *testing.T) {
	c, err := New([]config.Brand{{Name: "Rantakoto"}, {Name: "Sinilintu"}, {Name: "Kuutamo"}})
	if err != nil {
		t.Fatal(err)
	}
	type want struct{ sentiment, stage string }
	for _, tc := range []struct {
		text string
		want map[string]want
	}{
		{"Siirryin Rantakodosta Sinilintuun, koska Rantakodon asiakaspalvelu ei vastaa koskaan.",
			map[string]want{"Rantakoto": {"negative", "churn"}, "Sinilintu": {"neutral", "purchase"}}},
		{"Sinilintu oli paljon parempi kuin Rantakoto.",
			map[string]want{"Sinilintu": {"positive", ""}, "Rantakoto": {"negative", ""}}},
		{"Rantakoto toimitti sohvan ajallaan ja palvelu oli erinomaista, mutta Kuutamo ei ole vieläkään korjannut liittymää.",
			map[string]want{"Rantakoto": {"positive", ""}, "Kuutamo": {"negative", ""}}},
		{"Switched from Kuutamo to Sinilintu and everything just works.",
			map[string]want{"Kuutamo": {"negative", "churn"}, "Sinilintu": {"positive", ""}}},
		{"Sinilintu is so much better than Rantakoto.",
			map[string]want{"Sinilintu": {"positive", ""}, "Rantakoto": {"negative", ""}}},
		{"Rantakoto delivered on time and the staff were lovely. Kuutamo has not answered my emails in three weeks.",
			map[string]want{"Rantakoto": {"positive", "delivery"}, "Kuutamo": {"negative", ""}}},
		{"Jag bytte från Kuutamo till Sinilintu och allt fungerar.",
			map[string]want{"Kuutamo": {"negative", "churn"}, "Sinilintu": {"positive", ""}}},
		{"Sinilintu är mycket bättre än Rantakoto.",
			map[string]want{"Sinilintu": {"positive", ""}, "Rantakoto": {"negative", ""}}},
		{"Rantakoto levererade i tid och personalen var jättetrevlig. Kuutamo svarar inte på mina mejl.",
			map[string]want{"Rantakoto": {"positive", ""}, "Kuutamo": {"negative", ""}}},
	} {
		m := mention.Mention{Source: "mastodon", Text: tc.text}
		cl := c.Classify(&m)
		if len(cl.BrandLabels) != len(tc.want) {
			t.Errorf("%q: brand labels %+v, want %d", tc.text, cl.BrandLabels, len(tc.want))
			continue
		}
		for _, l := range cl.BrandLabels {
			w := tc.want[l.Brand]
			if l.Sentiment != w.sentiment || (w.stage != "" && l.JourneyStage != w.stage) {
				t.Errorf("%q: %s is %s/%s, want %s/%s", tc.text, l.Brand, l.Sentiment, l.JourneyStage, w.sentiment, w.stage)
			}
		}
	}
}

// TestOneBrandKeepsPostLabels checks that a post naming one brand gives it
// the post's own labels.
func TestOneBrandKeepsPostLabels(t *testing.T) {
	c, err := New([]config.Brand{{Name: "Rantakoto"}})
	if err != nil {
		t.Fatal(err)
	}
	m := mention.Mention{Source: "suomi24", Text: "Rantakodon palautus kesti kuukauden."}
	cl := c.Classify(&m)
	if len(cl.BrandLabels) != 1 || cl.BrandLabels[0].Sentiment != cl.Sentiment || cl.BrandLabels[0].JourneyStage != cl.JourneyStage {
		t.Fatalf("labels %+v, post %s/%s", cl.BrandLabels, cl.Sentiment, cl.JourneyStage)
	}
	if cl.Sentiment != mention.Negative {
		t.Errorf("a month-long return is %s, want negative", cl.Sentiment)
	}
}
