package store_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/ewom/ewom/internal/store"
	"github.com/ewom/ewom/internal/store/storetest"
)

func TestRetentionDropsOldMentionsKeepsRollup(t *testing.T) {
	ctx := context.Background()
	now := time.Now().UTC()
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			s := e.Store
			old, recent := now.AddDate(0, -6, 0), now.Add(-time.Hour)
			if err := s.Insert(ctx, []store.Row{row("old", "B", old, "negative"), row("new", "B", recent, "negative")}); err != nil {
				t.Fatal(err)
			}
			done, err := store.ApplyRetention(ctx, s, store.Retention{Mentions: 90 * 24 * time.Hour, Rollup: 800 * 24 * time.Hour}, now)
			if err != nil {
				t.Fatal(err)
			}
			t.Log(done)
			// TTL engines expire at merges; force one.
			if err := s.Exec(ctx, "OPTIMIZE TABLE "+s.Table("mentions")+" FINAL"); err != nil {
				t.Fatal(err)
			}
			count := func(q string) int {
				rows, err := s.Query(ctx, q)
				if err != nil || len(rows) != 1 {
					t.Fatalf("%s: %v", q, err)
				}
				var v struct{ N int }
				if err := json.Unmarshal(rows[0], &v); err != nil {
					t.Fatal(err)
				}
				return v.N
			}
			if n := count("SELECT count() AS n FROM " + s.Table("mentions") + " WHERE mention_id = 'old'"); n != 0 {
				t.Errorf("old mention still stored (%d rows)", n)
			}
			if n := count("SELECT count() AS n FROM " + s.Table("mentions") + " WHERE mention_id = 'new'"); n != 1 {
				t.Errorf("recent mention: %d rows, want 1", n)
			}
			if n := count("SELECT toInt64(sum(mentions)) AS n FROM " + s.Table("mentions_5m")); n != 2 {
				t.Errorf("rollup counts %d mentions, want both (kept longer)", n)
			}
			// Applying it again (as the daily job does) changes nothing: no TTL
			// re-set (that would rewrite the table), nothing left to drop.
			again, err := store.ApplyRetention(ctx, s, store.Retention{Mentions: 90 * 24 * time.Hour}, now)
			if err != nil || len(again) != 0 {
				t.Fatalf("second application did %v, %v; want nothing", again, err)
			}
		})
	}
}
