package alert_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ewom/ewom/internal/alert"
	"github.com/ewom/ewom/internal/alert/synth"
	"github.com/ewom/ewom/internal/config"
	"github.com/ewom/ewom/internal/store"
	"github.com/ewom/ewom/internal/store/storetest"
)

// Texts of the scope test: the first two match the watched query
// "toimitus OR delivery" (toimituksen is a form of toimitus); the others,
// one of them negative about service, do not.
var scopeTexts = []string{
	"Koijarit toimituksen seuranta toimii",
	"Koijarit delivery tracking works",
	"Koijarit kannettava ok, hinta kohdallaan",
	"Koijarit asiakaspalvelu ei vastaa",
	"Koijarit toimitusaika kerrottiin etukäteen", // a compound: not toimitus
}

// TestQueryScopeAlert watches "toimitus OR delivery" for a brand: a wave of
// negative delivery complaints fires the scope's alert, counted from the
// matching mentions only (its observed count is theirs, exactly), while a
// wave of other negative mentions at another time does not.
func TestQueryScopeAlert(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			var rows []store.Row
			add := func(at time.Time, sentiment, text string) {
				n := len(rows)
				rows = append(rows, store.Row{MentionID: fmt.Sprintf("m%d", n), Brand: "Koijarit", Source: "mastodon", SourceID: fmt.Sprint(n),
					Text: text, AuthorHandle: fmt.Sprintf("@user%d", n%97), PublishedAt: at, IngestedAt: at, Lang: "fi",
					Sentiment: sentiment, Touchpoint: "earned", JourneyStage: "none", Brands: []string{"Koijarit"}})
			}
			i := 0
			synth.Generate(synth.Config{From: histFrom, To: spikeStart.Add(30 * time.Minute), Seed: 5,
				Brands: []synth.Brand{{Name: "Koijarit", PerDay: 400, NegShare: 0.2}}}, func(r alert.RollupRow) {
				for range r.Mentions {
					i++
					add(r.Bucket.Add(time.Duration(i%300)*time.Second), r.Sentiment, scopeTexts[i%len(scopeTexts)])
				}
			})
			// Two hours before the delivery wave, a wave of other complaints.
			other := spikeStart.Add(-2 * time.Hour)
			for b := other; b.Before(other.Add(30 * time.Minute)); b = b.Add(alert.Bucket) {
				for j := range 8 {
					add(b.Add(time.Duration(j)*time.Second), "negative", "Koijarit asiakaspalvelu ei vastaa, huono kokemus")
				}
			}
			for b := spikeStart; b.Before(spikeStart.Add(30 * time.Minute)); b = b.Add(alert.Bucket) {
				for j := range 8 {
					add(b.Add(time.Duration(j)*time.Second), "negative", []string{"Koijarit toimitus myöhässä taas", "Koijarit: delivery late again"}[j%2])
				}
			}
			for c := range slices.Chunk(rows, 5000) {
				if err := e.Store.Insert(ctx, c); err != nil {
					t.Fatal(err)
				}
			}
			cfg := config.Default().Alerts
			cfg.NegativeSpike.Segments = nil
			cfg.NegativeSpike.Queries = []config.AlertQuery{{Name: "delivery", Query: "toimitus OR delivery"}}
			s, err := alert.New(alert.Deps{Store: e.Store, Config: cfg, Brands: []config.Brand{{Name: "Koijarit"}}})
			if err != nil {
				t.Fatal(err)
			}
			var fired []alert.Alert
			for at := other.Add(-10 * time.Minute); at.Before(spikeStart.Add(30 * time.Minute)); at = at.Add(alert.Bucket) {
				evs, err := s.Evaluate(ctx, at)
				if err != nil {
					t.Fatalf("evaluate %s: %v", at, err)
				}
				for _, ev := range evs {
					if ev.Type == alert.EventFiring && ev.Alert.SegmentKind == alert.KindQuery {
						fired = append(fired, ev.Alert)
					}
				}
			}
			if len(fired) != 1 {
				t.Fatalf("query alerts fired: %+v, want one, for the delivery wave", fired)
			}
			a := fired[0]
			if a.SegmentValue != "delivery" || a.FiredAt.Before(spikeStart) || a.FiredAt.Sub(spikeStart) > 15*time.Minute {
				t.Errorf("query alert %s/%s fired at %s", a.SegmentKind, a.SegmentValue, a.FiredAt)
			}
			// Observed: the negative mentions in the window that match.
			w, _ := time.ParseDuration(a.Window)
			want := 0
			for _, r := range rows {
				if r.Sentiment == "negative" && !r.PublishedAt.Before(a.FiredAt.Add(-w)) && r.PublishedAt.Before(a.FiredAt) &&
					(strings.Contains(r.Text, "toimitu") && !strings.Contains(r.Text, "toimitusaika") || strings.Contains(r.Text, "delivery")) {
					want++
				}
			}
			if a.Observed != float64(want) {
				t.Errorf("observed %v negative mentions in the %s window, %d match the query", a.Observed, a.Window, want)
			}
			if a.Explanation == nil || len(a.Explanation.Mentions) == 0 {
				t.Fatalf("query alert without an explanation: %+v", a.Explanation)
			}
			for _, m := range a.Explanation.Mentions {
				if !strings.Contains(m.Text, "toimitus myöhässä") && !strings.Contains(m.Text, "delivery late") {
					t.Errorf("the explanation shows a mention outside the query: %q", m.Text)
				}
			}
		})
	}
}

func TestQueryScopeConfig(t *testing.T) {
	st := storetest.Embedded(t)
	for _, c := range []struct {
		q    config.AlertQuery
		want string
	}{
		{config.AlertQuery{Name: "x", Query: "toimitus AND"}, "alerts.negative_spike.queries[0].query: at character 10: AND needs"},
		{config.AlertQuery{Name: "x", Query: "stage:shipping"}, `alerts.negative_spike.queries[0].query: at character 7: stage: "shipping" is not one of`},
		{config.AlertQuery{Name: "x", Query: "toimitus", Brands: []string{"Rival"}}, `alerts.negative_spike.queries[0].brands[0]: "Rival" is not a configured brand`},
	} {
		q, want := c.q, c.want
		cfg := config.Default().Alerts
		cfg.NegativeSpike.Queries = []config.AlertQuery{q}
		_, err := alert.New(alert.Deps{Store: st, Config: cfg, Brands: []config.Brand{{Name: "Koijarit"}}})
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%+v: %v, want %s…", q, err, want)
		}
	}
}
