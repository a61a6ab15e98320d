package alert_test

import (
	"context"
	"encoding/json"
	"fmt"
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
