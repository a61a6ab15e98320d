package learn

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/ewom/ewom/internal/classify"
	"github.com/ewom/ewom/internal/learn/learntest"
	"github.com/ewom/ewom/internal/mention"
	"github.com/ewom/ewom/internal/store/storetest"
)

// The queries behind learning and the model table's history, on both
// engines (ClickHouse 18.16 lacks much of today's SQL).
func TestExamplesAndModelHistoryOnEveryEngine(t *testing.T) {
	shipped, err := classify.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			ctx, s := context.Background(), e.Store
			posts := learntest.Deployment(10, false, 1)
			// Rated reviews: one agreeing with its stars, one whose text
			// contradicts them, one corrected (counted once, as corrected),
			// one 3-star (no label).
			stars := func(r float64) *float64 { return &r }
			at := time.Date(2026, 11, 5, 9, 0, 0, 0, time.UTC)
			reviews := []learntest.Post{
				{Mention: mention.Mention{Source: "googleplay", ID: "r1", Text: "Great app, fast and easy to use.", Rating: stars(5), PublishedAt: at}},
				{Mention: mention.Mention{Source: "googleplay", ID: "r2", Text: "Terrible, awful, broken app.", Rating: stars(5), PublishedAt: at}},
				{Mention: mention.Mention{Source: "googleplay", ID: "r3", Text: "The app crashes at checkout.", Rating: stars(1), PublishedAt: at}},
				{Mention: mention.Mention{Source: "googleplay", ID: "r4", Text: "It does what it says.", Rating: stars(3), PublishedAt: at}},
			}
			learntest.Store(t, s, append(posts, reviews...), false)
			for i, p := range posts {
				learntest.Correct(t, s, p.Mention.Key(), p.Label, at.Add(time.Duration(i)*time.Second))
			}
			learntest.Correct(t, s, reviews[2].Mention.Key(), mention.Neutral, at)
			exs, c, err := Load(ctx, s, shipped, time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			if c.Corrections != 21 || c.NewCorrections != 21 || c.Reviews != 1 || c.Contradicted != 1 || len(exs) != 22 {
				t.Fatalf("counts %+v, %d examples", c, len(exs))
			}
			for _, ex := range exs {
				if ex.From == FromReview && (ex.Label != mention.Positive || ex.Mention.Rating != nil) {
					t.Errorf("review example %+v", ex)
				}
			}
			branded, err := classify.New(learntest.Brands)
			if err != nil {
				t.Fatal(err)
			}
			stagePost := learntest.StageDeployment(1, false, 1)[0]
			learntest.Store(t, s, []learntest.Post{stagePost}, false)
			learntest.CorrectLabels(t, s, stagePost.Mention.Key(), stagePost.Stage, "", at)
			labelExs, lc, err := LoadLabels(ctx, s, branded)
			if err != nil {
				t.Fatal(err)
			}
			// 22 corrected mentions: 9 of the posts and the stage post name
			// Novira; the other posts and the review name no brand.
			if lc.NoBrand != 12 || lc.Corrections != 10 || len(labelExs) != 10 || lc.ByStage[stagePost.Stage] == 0 {
				t.Fatalf("label counts %+v, %d examples", lc, len(labelExs))
			}
			// The newest correction counts.
			learntest.CorrectLabels(t, s, stagePost.Mention.Key(), "loyalty", mention.Negative, at.Add(time.Second))
			if labelExs, _, err = LoadLabels(ctx, s, branded); err != nil || !slices.ContainsFunc(labelExs, func(ex LabelExample) bool {
				return ex.MentionID == stagePost.Mention.Key() && ex.GoldSentiment == mention.Negative && ex.GoldStage == "loyalty"
			}) {
				t.Fatalf("after a newer correction: %v", err)
			}
			// The relabel preview reads the 25 stored mentions; the same
			// classifier twice changes nothing.
			if r, err := preview(ctx, s, branded, branded); err != nil || r.Mentions != 25 || r.Labels < 25 || r.Stages != 0 || r.Sentiments != 0 {
				t.Fatalf("preview %+v, %v", r, err)
			}
			st, err := CorrectionStatus(ctx, s)
			if err != nil || st.Corrections != 22 || st.NewCorrections != 22 || st.ActiveModel != Shipped {
				t.Fatalf("status %+v, %v", st, err)
			}

			now := time.Now()
			a := Model{Version: shipped.Version() + "+da", BaseVersion: shipped.Version(), Text: "@lang\ten\n@bias\t0\n", Examples: 60,
				Metrics: Metrics{Learned: Scores{Accuracy: 0.9}}}
			b := a
			b.Version = shipped.Version() + "+db"
			for i, m := range []Model{a, b} {
				if err := save(ctx, s, m, "test", now.Add(time.Duration(i)*time.Second)); err != nil {
					t.Fatal(err)
				}
			}
			active := func() string {
				m, err := Active(ctx, s)
				if err != nil {
					t.Fatal(err)
				}
				if m == nil {
					return Shipped
				}
				return m.Version
			}
			if got := active(); got != b.Version {
				t.Fatalf("active %s, want the newest %s", got, b.Version)
			}
			if st, _ := CorrectionStatus(ctx, s); st.ActiveModel != b.Version || st.NewCorrections != 0 || st.Corrections != 22 {
				t.Errorf("status with a model: %+v", st)
			}
			if off, on, err := Rollback(ctx, s, "test", now); err != nil || off.Version != b.Version || on == nil || on.Version != a.Version {
				t.Fatalf("rollback: %v %v %v", off.Version, on, err)
			}
			if _, err := Activate(ctx, s, Shipped, "test", now); err != nil || active() != Shipped {
				t.Fatalf("activate shipped: %v, active %s", err, active())
			}
			if _, _, err := Rollback(ctx, s, "test", now); err != nil || active() != a.Version {
				t.Fatalf("rollback from shipped: %v, active %s", err, active())
			}
			if _, err := Activate(ctx, s, b.Version, "test", now); err != nil || active() != b.Version {
				t.Fatalf("activate b: %v, active %s", err, active())
			}
			ms, err := Models(ctx, s)
			if err != nil || len(ms) != 3 || ms[0].Version != b.Version || !ms[0].Active || ms[0].Metrics.Learned.Accuracy != 0.9 ||
				ms[0].Text != a.Text || ms[0].Examples != 60 || ms[0].ChangedBy != "test" || ms[0].CreatedAt.IsZero() {
				t.Fatalf("models %+v, %v", ms, err)
			}
		})
	}
}
