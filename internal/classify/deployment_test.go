package classify

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ewom/ewom/internal/config"
	"github.com/ewom/ewom/internal/mention"
)

func TestDeploymentModelOverridesShippedRows(t *testing.T) {
	shipped, err := New(nil)
	if err != nil {
		t.Fatal(err)
	}
	m := mention.Mention{Source: "test", Text: "The headset is janky.", Lang: "en"}
	if got := shipped.Classify(&m).Sentiment; got == mention.Negative {
		t.Skipf("the shipped model already reads the text as negative")
	}
	bias, lexicon, words := shipped.LearnedWeights("en")
	if len(words) < 1000 {
		t.Fatalf("shipped English model has %d weights", len(words))
	}
	model := "# test\n@lang\ten\n@bias\t" + ftoa(bias) + "\n@lexicon\t" + ftoa(lexicon) + "\n@neutral\t0.3\njanky\t-9\n"
	c, err := New(nil, WithDeploymentModel(model))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Classify(&m).Sentiment; got != mention.Negative {
		t.Errorf("with the deployment model: %s, want negative", got)
	}
	if v := c.Version(); v != shipped.Version()+DeploymentVersion(model) || !strings.Contains(v, "+d") {
		t.Errorf("version %q", v)
	}
	if n, _ := c.Gates("en"); n != 0.3 {
		t.Errorf("neutral band %v, want 0.3", n)
	}
	if n, a := c.Gates("fi"); n != learnedSettings["fi"].neutral || a != learnedSettings["fi"].aloneMin {
		t.Errorf("Finnish gates changed: %v %v", n, a)
	}
	_, _, after := c.LearnedWeights("en")
	if after["janky"] != -9 || len(after) != len(words)+1 {
		t.Errorf("weights: janky %v, %d words (shipped %d)", after["janky"], len(after), len(words))
	}
	// The shipped classifier is untouched, and an empty model changes nothing.
	if got := shipped.Classify(&m).Sentiment; got == mention.Negative {
		t.Errorf("the shipped classifier changed")
	}
	same, err := New(nil, WithDeploymentModel(""))
	if err != nil || same.Version() != shipped.Version() {
		t.Errorf("empty model: %v %v", same.Version(), err)
	}
	for _, bad := range []string{"word\t1\n", "@lang\tde\nx\t1\n", "@lang\ten\n@neutral\t-1\n", "@lang\ten\n@lang\ten\n"} {
		if _, err := New(nil, WithDeploymentModel(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestTrainingExampleMatchesSentimentFeatures(t *testing.T) {
	c, err := New(nil)
	if err != nil {
		t.Fatal(err)
	}
	m := mention.Mention{Source: "test", Text: "Toimitus oli myöhässä eikä kukaan vastannut.", Lang: "fi"}
	code, feats, lex, scale := c.TrainingExample(&m)
	want, wantLex := c.SentimentFeatures(nil, m.Text, "fi")
	if code != "fi" || strings.Join(feats, " ") != strings.Join(want, " ") || lex != wantLex || scale != 1 {
		t.Errorf("got %s %q %v %v; want fi %q %v 1", code, feats, lex, scale, want, wantLex)
	}
	if code, _, _, _ := c.TrainingExample(&mention.Mention{Text: "Leveransen var sen och ingen svarade.", Lang: "sv"}); code != "" {
		t.Errorf("Swedish has no learned model, got %q", code)
	}
}

func ftoa(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

func TestDeploymentModelLabelsSectionChangesStage(t *testing.T) {
	brands := []config.Brand{{Name: "Novira"}}
	shipped, err := New(brands)
	if err != nil {
		t.Fatal(err)
	}
	m := mention.Mention{Source: "reddit", Text: "Novira lockerbox and the headset, again today.", Lang: "en"}
	before := shipped.Classify(&m)
	if len(before.BrandLabels) != 1 || before.BrandLabels[0].JourneyStage == "delivery" {
		t.Fatalf("shipped labels %+v; want one brand, not yet delivery", before.BrandLabels)
	}
	bias, _ := shipped.LabelWeights()
	row := func(name string, w []float64) string {
		var sb strings.Builder
		sb.WriteString(name)
		for _, v := range w {
			sb.WriteString("\t" + strconv.FormatFloat(v, 'g', -1, 32))
		}
		return sb.String() + "\n"
	}
	delivery := make([]float64, len(LabelClasses()))
	delivery[slices.Index(LabelClasses(), "delivery")] = 30
	text := LabelsSection + "\n" + row("@bias", bias) + row("lockerbox", delivery)
	tuned, err := New(brands, WithDeploymentModel(text))
	if err != nil {
		t.Fatal(err)
	}
	after := tuned.Classify(&m)
	if after.BrandLabels[0].JourneyStage != "delivery" || after.JourneyStage != "delivery" {
		t.Errorf("stage %s (brand %s); want delivery", after.JourneyStage, after.BrandLabels[0].JourneyStage)
	}
	if after.BrandLabels[0].Sentiment != before.BrandLabels[0].Sentiment {
		t.Errorf("sentiment %s -> %s: a stage weight changed it", before.BrandLabels[0].Sentiment, after.BrandLabels[0].Sentiment)
	}
	if tuned.Version() == shipped.Version() || !strings.HasPrefix(tuned.Version(), shipped.Version()+DeploymentSuffix) {
		t.Errorf("version %s", tuned.Version())
	}
	if again := shipped.Classify(&m); again.BrandLabels[0].JourneyStage != before.BrandLabels[0].JourneyStage {
		t.Error("the deployment model changed the shipped classifier")
	}
	for _, bad := range []string{LabelsSection + "\nlockerbox\t1\n", LabelsSection + "\n" + row("lockerbox", delivery),
		text + LabelsSection + "\n" + row("@bias", bias)} {
		if _, err := New(brands, WithDeploymentModel(bad)); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}
