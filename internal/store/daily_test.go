package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/ewom/ewom/internal/store"
	"github.com/ewom/ewom/internal/store/storetest"
)

// TestDailyRollupFollowsTheFiveMinuteOne: the daily rollup is the
// five-minute one summed per UTC day, through inserts and retractions, and
// a new install may read it from the start.
func TestDailyRollupFollowsTheFiveMinuteOne(t *testing.T) {
	ctx := context.Background()
	day := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			s := e.Store
			since, ok, err := store.DailyRollupSince(ctx, s)
			if err != nil || !ok || !since.Equal(time.Unix(0, 0)) {
				t.Fatalf("a new install: since %s, %v, %v; want the epoch", since, ok, err)
			}
			var rows []store.Row
			for i := range 60 {
				r := row(fmt.Sprint("m", i), []string{"A", "B"}[i%2], day.Add(time.Duration(i)*47*time.Minute), []string{"negative", "positive", "neutral"}[i%3])
				r.Source = []string{"rss", "mastodon"}[i%2]
				r.AuthorFollowers = uint64(i)
				rows = append(rows, r)
			}
			// In two inserts, as batches arrive.
			if err := s.Insert(ctx, rows[:25]); err != nil {
				t.Fatal(err)
			}
			if err := s.Insert(ctx, rows[25:]); err != nil {
				t.Fatal(err)
			}
			sums := func(table, bucket string) string {
				got, err := s.Query(ctx, "SELECT "+bucket+" AS d, brand, source, sentiment, sum(mentions) AS n, sum(reach) AS r, sum(engagement) AS g,"+
					" round(sum(score_sum), 3) AS ss FROM "+s.Table(table)+" GROUP BY d, brand, source, sentiment HAVING n != 0 ORDER BY d, brand, source, sentiment")
				if err != nil {
					t.Fatal(err)
				}
				b, _ := json.Marshal(got)
				return string(b)
			}
			check := func(when string) {
				t.Helper()
				fine, daily := sums("mentions_5m", "toStartOfDay(bucket)"), sums("mentions_1d", "bucket")
				if fine != daily {
					t.Errorf("%s: daily rollup\n%s\nwant the five-minute one summed by day\n%s", when, daily, fine)
				}
				if fine == "null" || fine == "[]" {
					t.Errorf("%s: no rollup rows", when)
				}
			}
			check("after inserts")
			if n, err := s.Retract(ctx, []string{"m3", "m4", "m40"}, ^uint64(0)); err != nil || n != 3 {
				t.Fatalf("retract: %d, %v", n, err)
			}
			check("after a retraction")
		})
	}
}

// TestDailyRollupOfAnExistingInstallStartsTomorrow: rows stored before the
// daily rollup existed are not in it, so it is read only from the day after
// its migration.
func TestDailyRollupOfAnExistingInstallStartsTomorrow(t *testing.T) {
	ctx := context.Background()
	s := storetest.Embedded(t)
	if err := s.Insert(ctx, []store.Row{row("old", "A", time.Now().Add(-48*time.Hour), "negative")}); err != nil {
		t.Fatal(err)
	}
	// As if migration 6 had not run yet: forget it and its record.
	for _, stmt := range []string{"ALTER TABLE " + s.Table("rollup_tiers") + " DELETE WHERE 1",
		"ALTER TABLE " + s.Table("schema_migrations") + " DELETE WHERE version = 6"} {
		if err := store.Mutate(ctx, s, stmt); err != nil {
			t.Fatal(err)
		}
	}
	tomorrow := func() time.Time { return time.Now().UTC().Truncate(24 * time.Hour).Add(24 * time.Hour) }
	before := tomorrow()
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	since, ok, err := store.DailyRollupSince(ctx, s)
	if after := tomorrow(); err != nil || !ok || (!since.Equal(before) && !since.Equal(after)) {
		t.Fatalf("since %s, %v, %v; want %s", since, ok, err, after)
	}
}
