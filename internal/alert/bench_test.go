package alert_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/ewom/ewom/internal/alert"
	"github.com/ewom/ewom/internal/config"
	"github.com/ewom/ewom/internal/store/storetest"
)

// BenchmarkEvaluationCycle runs one evaluation cycle (3 windows, the brand
// and 3 segment kinds, 1,000 brands) over a rollup holding 10 million
// mentions spread over five weeks, on the embedded engine.
func BenchmarkEvaluationCycle(b *testing.B) {
	const brands, days = 1000, 35
	st := storetest.Embedded(b)
	ctx := context.Background()
	end := time.Date(2026, 3, 30, 12, 0, 0, 0, time.UTC)
	start := end.Add(-days * 24 * time.Hour)
	// 5M rollup rows of 1-3 mentions each: 10M mentions.
	q := fmt.Sprintf("INSERT INTO %s (bucket, brand, source, lang, touchpoint, journey_stage, sentiment, mentions, score_sum, reach, engagement)"+
		" SELECT toDateTime(%d + (intHash32(number) %% %d) * 300, 'UTC'), concat('brand', toString(number %% %d)),"+
		" ['mastodon','reddit','rss','appstore','bluesky'][1 + intHash32(number + 1) %% 5], 'fi',"+
		" ['earned','shared','owned','paid'][1 + intHash32(number + 2) %% 4],"+
		" ['usage','none','purchase','delivery','service','consideration','awareness','loyalty','churn'][1 + intHash32(number + 3) %% 9],"+
		" ['negative','positive','neutral','neutral','positive'][1 + intHash32(number + 4) %% 5],"+
		" 1 + number %% 3, 0, 0, 0 FROM numbers(5000000)",
		st.Table("mentions_5m"), start.Unix(), days*288, brands)
	if err := st.Exec(ctx, q); err != nil {
		b.Fatal(err)
	}
	rows, err := st.Query(ctx, "SELECT sum(mentions) AS m, count() AS r FROM "+st.Table("mentions_5m"))
	if err != nil {
		b.Fatal(err)
	}
	var total struct{ M, R json.Number }
	json.Unmarshal(rows[0], &total)
	cfg := config.Default().Alerts
	var bs []config.Brand
	for i := range brands {
		bs = append(bs, config.Brand{Name: fmt.Sprintf("brand%d", i)})
	}
	s, err := alert.New(alert.Deps{Store: st, Config: cfg, Brands: bs})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := s.Evaluate(ctx, end); err != nil { // restores state, fills the coverage cache
		b.Fatal(err)
	}
	b.Logf("rollup: %s mentions in %s rows; %d brands × %d segment kinds × %d windows",
		total.M, total.R, brands, 1+len(cfg.NegativeSpike.Segments), len(cfg.NegativeSpike.Windows))
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := s.Evaluate(ctx, end.Add(time.Duration(i%3)*alert.Bucket)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAlertList answers GET /api/v1/alerts?state=all&limit=500 (what
// the Alerts page and the Overview's alert windows read) over 2,000 alerts,
// each acknowledged and one in ten also assigned, commented and snoozed, on
// each engine; beside it, in the same run, the list's read alone (the
// answer's store work before the workflow existed) and with the workflows'
// read:
//
//	go test ./internal/alert -run '^$' -bench AlertList -benchtime 50x
func BenchmarkAlertList(b *testing.B) {
	for _, e := range storetest.Engines(b) {
		b.Run(e.Name, func(b *testing.B) {
			ctx := context.Background()
			repo := alert.NewRepo(e.Store)
			at := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
			var alerts []alert.Alert
			for i := range 2000 {
				fired := at.Add(time.Duration(i) * 17 * time.Minute)
				alerts = append(alerts, alert.Alert{ID: fmt.Sprintf("a%d", i), Fingerprint: "f", Kind: alert.KindNegativeSpike,
					Brand: fmt.Sprintf("brand%d", i%20), SegmentKind: "all", State: alert.StateFiring, Severity: "major",
					StartedAt: fired, FiredAt: fired, UpdatedAt: fired, Window: "15m0s", Observed: 12, Expected: 1,
					Explanation: &alert.Explanation{Summary: "x", TopTerms: []alert.NameCount{{Name: "toimitus", Count: 4}}}})
			}
			if err := repo.Save(ctx, alerts...); err != nil {
				b.Fatal(err)
			}
			until := at.Add(24 * time.Hour)
			for i, a := range alerts {
				acts := []alert.Action{{Action: alert.ActAcknowledge, Actor: "anna", At: a.FiredAt}}
				if i%10 == 0 {
					acts = append(acts, alert.Action{Action: alert.ActAssign, Actor: "anna", At: a.FiredAt, Assignee: "anna"},
						alert.Action{Action: alert.ActComment, Actor: "anna", At: a.FiredAt, Comment: "soitettu"},
						alert.Action{Action: alert.ActSnooze, Actor: "anna", At: a.FiredAt, Until: &until})
				}
				for _, act := range acts {
					if err := repo.SaveAction(ctx, a.ID, act); err != nil {
						b.Fatal(err)
					}
				}
			}
			s, err := alert.New(alert.Deps{Store: e.Store, Config: config.Default().Alerts, Users: []string{"anna"}})
			if err != nil {
				b.Fatal(err)
			}
			srv := httptest.NewServer(mux(s))
			defer srv.Close()
			list := func(b *testing.B) []alert.Alert {
				l, err := repo.List(ctx, alert.Filter{Limit: 501})
				if err != nil || len(l) != 501 {
					b.Fatal(len(l), err)
				}
				return l
			}
			b.Run("list", func(b *testing.B) {
				for b.Loop() {
					list(b)
				}
			})
			b.Run("list+workflows", func(b *testing.B) {
				for b.Loop() {
					l := list(b)
					ids := make([]string, len(l))
					for i, a := range l {
						ids[i] = a.ID
					}
					if ws, err := repo.Workflows(ctx, ids); err != nil || ws[ids[0]].AcknowledgedBy != "anna" {
						b.Fatal(err)
					}
				}
			})
			b.Run("api", func(b *testing.B) {
				for b.Loop() {
					var got struct{ Alerts []alert.Alert }
					getJSON(b, srv.URL+"/api/v1/alerts?state=all&limit=500", &got)
					if len(got.Alerts) != 500 || got.Alerts[0].Workflow.AcknowledgedBy != "anna" {
						b.Fatal(len(got.Alerts))
					}
				}
			})
		})
	}
}
