package learn_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ewom/ewom/internal/classify"
	"github.com/ewom/ewom/internal/learn"
	"github.com/ewom/ewom/internal/learn/learntest"
	"github.com/ewom/ewom/internal/mention"
	"github.com/ewom/ewom/internal/store/storetest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	storetest.StopShared()
	os.Exit(code)
}

func accuracy(c *classify.Classifier, posts []learntest.Post) float64 {
	right := 0
	for _, p := range posts {
		m := p.Mention
		if c.Classify(&m).Sentiment == p.Label {
			right++
		}
	}
	return float64(right) / float64(len(posts))
}

func TestLearnFromCorrectionsImprovesHeldBackPostsAndActivates(t *testing.T) {
	ctx := context.Background()
	s := storetest.Embedded(t)
	learntest.Store(t, s, learntest.Deployment(150, false, 1), true)
	shipped, err := classify.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	res, err := learn.Learn(ctx, s, shipped, learn.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	res.Write(&out)
	t.Logf("learned in %v:\n%s", time.Since(start).Round(time.Millisecond), out.String())
	if res.Counts.Corrections != 300 || res.Counts.NewCorrections != 300 || res.Counts.ByLang["fi"] != 150 {
		t.Errorf("counts %+v", res.Counts)
	}
	if !res.Better {
		t.Fatalf("not activated: %s", res.Reason)
	}
	if err := learn.Save(ctx, s, res, "test", time.Now()); err != nil {
		t.Fatal(err)
	}
	opts, err := learn.ClassifierOptions(ctx, s)
	if err != nil || len(opts) != 1 {
		t.Fatalf("options %v, %v", opts, err)
	}
	tuned, err := classify.New(nil, opts...)
	if err != nil {
		t.Fatal(err)
	}
	if tuned.Version() != res.Model.Version || !strings.HasPrefix(tuned.Version(), shipped.Version()+"+d") {
		t.Errorf("version %s, model %s", tuned.Version(), res.Model.Version)
	}
	held := learntest.Deployment(50, true, 2)
	before, after := accuracy(shipped, held), accuracy(tuned, held)
	t.Logf("held-back posts (%d, other sentence frames): accuracy shipped %.3f, learned %.3f", len(held), before, after)
	if after < before+0.2 {
		t.Errorf("held-back accuracy %.3f -> %.3f; want at least +0.2", before, after)
	}
	// Reversible: a rollback returns to the shipped classifier, and the
	// stored model can be activated again.
	off, now, err := learn.Rollback(ctx, s, "test", time.Now())
	if err != nil || off.Version != res.Model.Version || now != nil {
		t.Fatalf("rollback: %v -> %v, %v", off.Version, now, err)
	}
	if opts, err := learn.ClassifierOptions(ctx, s); err != nil || len(opts) != 0 {
		t.Fatalf("after rollback %d options, %v", len(opts), err)
	}
	if _, err := learn.Activate(ctx, s, res.Model.Version, "test", time.Now()); err != nil {
		t.Fatal(err)
	}
	if m, err := learn.Active(ctx, s); err != nil || m == nil || m.Version != res.Model.Version || m.Metrics.Learned.Accuracy == 0 {
		t.Fatalf("active after --activate: %+v, %v", m, err)
	}
}

func TestLearnRefusesNoisyCorrections(t *testing.T) {
	ctx := context.Background()
	s := storetest.Embedded(t)
	learntest.Store(t, s, learntest.Noise(learntest.Deployment(150, false, 1), 3), true)
	shipped, err := classify.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := learn.Learn(ctx, s, shipped, learn.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	res.Write(&out)
	t.Logf("\n%s", out.String())
	if res.Better {
		t.Errorf("a model learned from random labels would be activated: %s", res.Reason)
	}
	if err := learn.Save(ctx, s, res, "test", time.Now()); err == nil {
		t.Error("saved a model that is not better")
	}
	if ms, err := learn.Models(ctx, s); err != nil || len(ms) != 0 {
		t.Errorf("stored models %v, %v", ms, err)
	}
}

func TestLearnRefusesTooFewExamples(t *testing.T) {
	s := storetest.Embedded(t)
	learntest.Store(t, s, learntest.Deployment(15, false, 1), true)
	shipped, err := classify.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = learn.Learn(context.Background(), s, shipped, learn.Options{})
	if !errors.Is(err, learn.ErrTooFew) || !strings.Contains(err.Error(), "at least 50") {
		t.Fatalf("error %v; want ErrTooFew saying 50 are needed", err)
	}
}

var _ = mention.Positive

// stageAccuracy is the share of posts whose brand gets the post's stage.
func stageAccuracy(c *classify.Classifier, posts []learntest.Post) float64 {
	right := 0
	for _, p := range posts {
		m := p.Mention
		cl := c.Classify(&m)
		if len(cl.BrandLabels) == 1 && cl.BrandLabels[0].JourneyStage == p.Stage {
			right++
		}
	}
	return float64(right) / float64(len(posts))
}

func TestLearnStageFromCorrectionsImprovesHeldBackPostsAndActivates(t *testing.T) {
	ctx := context.Background()
	s := storetest.Embedded(t)
	learntest.Store(t, s, learntest.StageDeployment(80, false, 1), true)
	shipped, err := classify.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	res, err := learn.Learn(ctx, s, shipped, learn.Options{Brands: learntest.Brands})
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	res.Write(&out)
	t.Logf("learned in %v:\n%s", time.Since(start).Round(time.Millisecond), out.String())
	l := res.Labels
	if l.Counts.Corrections != 240 || l.Counts.ByLang["sv"] != 80 {
		t.Errorf("label counts %+v", l.Counts)
	}
	if !res.LabelsBetter || !res.Activates() {
		t.Fatalf("label models not activated: %s", res.LabelsReason)
	}
	// The stored mentions are the corrected ones: the model relabels the
	// stages the shipped classifier got wrong and no sentiment, which the
	// person did not correct.
	if r := res.Relabel; r == nil || r.Mentions != 240 || r.Stages < 200 || r.Sentiments > r.Labels/10 || !strings.Contains(out.String(), "history: on the 240 newest") {
		t.Errorf("relabel preview %+v\n%s", res.Relabel, out.String())
	}
	if !strings.Contains(res.Model.Text, classify.LabelsSection+"\n") {
		t.Fatalf("model text without %s:\n%.500s", classify.LabelsSection, res.Model.Text)
	}
	if err := learn.Save(ctx, s, res, "test", time.Now()); err != nil {
		t.Fatal(err)
	}
	opts, err := learn.ClassifierOptions(ctx, s)
	if err != nil || len(opts) != 1 {
		t.Fatalf("options %v, %v", opts, err)
	}
	before, err := classify.New(learntest.Brands)
	if err != nil {
		t.Fatal(err)
	}
	tuned, err := classify.New(learntest.Brands, opts...)
	if err != nil {
		t.Fatal(err)
	}
	held := learntest.StageDeployment(40, true, 2)
	a, b := stageAccuracy(before, held), stageAccuracy(tuned, held)
	t.Logf("held-back posts (%d, other sentence frames): stage accuracy shipped %.3f, learned %.3f; model text %d bytes",
		len(held), a, b, len(res.Model.Text))
	if b < a+0.3 {
		t.Errorf("held-back stage accuracy %.3f -> %.3f; want at least +0.3", a, b)
	}
}

func TestLearnRefusesRandomStages(t *testing.T) {
	ctx := context.Background()
	s := storetest.Embedded(t)
	learntest.Store(t, s, learntest.StageNoise(learntest.StageDeployment(80, false, 1), 3), true)
	shipped, err := classify.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := learn.Learn(ctx, s, shipped, learn.Options{Brands: learntest.Brands})
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	res.Write(&out)
	t.Logf("\n%s", out.String())
	if res.LabelsBetter {
		t.Errorf("label models learned from random stages would be activated: %s", res.LabelsReason)
	}
}
