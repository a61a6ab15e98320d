package alert

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ewom/ewom/internal/config"
	"github.com/ewom/ewom/internal/store/storetest"
)

// TestQueryCountsMatchSeries checks the cycle's rollup sums against the
// backtest's in-memory series over every span of a plan, with unmerged
// rollup rows and retractions (negative rows) in the data.
func TestQueryCountsMatchSeries(t *testing.T) {
	cfg := config.Default().Alerts.NegativeSpike
	at := time.Date(2026, 3, 30, 12, 25, 0, 0, time.UTC)
	from := at.Add(-HistoryNeeded(cfg))
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			st := e.Store
			insert := func(n int, sign string) {
				t.Helper()
				q := fmt.Sprintf("INSERT INTO %s (bucket, brand, source, lang, touchpoint, journey_stage, sentiment, mentions, score_sum, reach, engagement)"+
					" SELECT toDateTime(%d + (intHash32(number) %% %d) * 300, 'UTC'), concat('b', toString(number %% 3)),"+
					" ['reddit','rss','bluesky'][1 + intHash32(number + 1) %% 3], 'fi', ['earned','owned'][1 + intHash32(number + 2) %% 2],"+
					" ['usage','delivery','service'][1 + intHash32(number + 3) %% 3], ['negative','positive','neutral'][1 + intHash32(number + 4) %% 3],"+
					" %s toInt64(1 + number %% 4), 0, 0, 0 FROM numbers(%d)",
					st.Table("mentions_5m"), from.Unix(), int(at.Sub(from)/Bucket), sign, n)
				if err := st.Exec(ctx, q); err != nil {
					t.Fatal(err)
				}
			}
			insert(60000, "")
			insert(60000, "")  // a second, unmerged copy of every row
			insert(20000, "-") // retract part of one copy
			brands := []string{"b0", "b1"}
			series, err := LoadSeries(ctx, st, brands, cfg.Segments, from, at)
			if err != nil {
				t.Fatal(err)
			}
			plan := NewDetector(cfg).Plan(at, series)
			if len(series.Keys()) == 0 || len(plan.Spans()) == 0 {
				t.Fatalf("nothing to compare: %d keys, %d spans", len(series.Keys()), len(plan.Spans()))
			}
			counts, err := queryCounts(ctx, st, brands, cfg.Segments, nil, plan)
			if err != nil {
				t.Fatal(err)
			}
			if len(counts.sums) != len(series.Keys()) {
				t.Errorf("%d keys, the series has %d", len(counts.sums), len(series.Keys()))
			}
			for _, k := range series.Keys() {
				for _, s := range plan.Spans() {
					if got, want := counts.Sum(k, s), series.Sum(k, s); got != want {
						t.Fatalf("%s %v: %+v, the series has %+v", k, s, got, want)
					}
				}
			}
		})
	}
}
