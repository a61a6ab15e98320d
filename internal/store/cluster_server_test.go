package store_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/ewom/ewom/internal/store"
	"github.com/ewom/ewom/internal/store/storetest"
)

// TestOneNodeCluster runs the cluster-mode migrations on a real one-node
// cluster (ZooKeeper and one ClickHouse server that is the cluster's only
// shard and replica) and the store's reads and writes through the
// Distributed tables.
func TestOneNodeCluster(t *testing.T) {
	ctx := context.Background()
	srv := storetest.RunCluster(t, "prod")
	s, err := store.OpenCluster(ctx, srv.DSN("ewom"), "prod")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if applied, err := s.Migrate(ctx); err != nil || len(applied) != 0 {
		t.Fatalf("second migrate applied %v, %v; want nothing", applied, err)
	}
	query := func(q string, v any) {
		t.Helper()
		rows, err := s.Query(ctx, q)
		if err != nil || len(rows) != 1 {
			t.Fatalf("%s: %d rows, %v", q, len(rows), err)
		}
		if err := json.Unmarshal(rows[0], v); err != nil {
			t.Fatal(err)
		}
	}
	var engines struct{ E []string }
	query("SELECT groupArray(concat(name, ' ', engine)) AS e FROM (SELECT name, engine FROM system.tables"+
		" WHERE database = 'ewom' AND name IN ('mentions', 'mentions_local', 'schema_migrations') ORDER BY name)", &engines)
	if want := []string{"mentions Distributed", "mentions_local ReplicatedReplacingMergeTree", "schema_migrations ReplicatedReplacingMergeTree"}; !slices.Equal(engines.E, want) {
		t.Errorf("engines %q, want %q", engines.E, want)
	}

	now := time.Now().UTC().Truncate(time.Second)
	if err := s.Insert(ctx, []store.Row{row("m1", "A", now, "negative"), row("m1", "B", now, "negative"), row("m2", "A", now, "positive")}); err != nil {
		t.Fatal(err)
	}
	// Inserts are synchronous: the rows are readable as soon as Insert returns.
	if n, err := s.CountMentions(ctx, now.Add(-time.Hour), now.Add(time.Hour), ""); err != nil || n != 2 {
		t.Errorf("CountMentions = %d, %v; want 2", n, err)
	}
	ids, err := s.ExistingIDs(ctx, []string{"m1", "m2", "m3"}, now.Add(-time.Hour), now.Add(time.Hour))
	if err != nil || !ids["m1"] || !ids["m2"] || ids["m3"] {
		t.Errorf("ExistingIDs = %v, %v; want m1 and m2", ids, err)
	}
	var sum struct{ N int }
	query("SELECT toInt64(sum(mentions)) AS n FROM "+s.Table("mentions_5m"), &sum)
	if sum.N != 3 {
		t.Errorf("rollup counts %d mention rows, want 3", sum.N)
	}

	// Retract deletes from the local table ON CLUSTER (polling the cluster's
	// mutations on 18.16) and subtracts through the Distributed rollup.
	if n, err := s.Retract(ctx, []string{"m1"}, ^uint64(0)); err != nil || n != 2 {
		t.Fatalf("Retract = %d, %v; want 2", n, err)
	}
	if n, err := s.CountMentions(ctx, now.Add(-time.Hour), now.Add(time.Hour), ""); err != nil || n != 1 {
		t.Errorf("after Retract, CountMentions = %d, %v; want 1", n, err)
	}
	query("SELECT toInt64(sum(mentions)) AS n FROM "+s.Table("mentions_5m"), &sum)
	if sum.N != 1 {
		t.Errorf("after Retract, rollup counts %d mention rows, want 1", sum.N)
	}
	// The term rollup, fed on each shard through term_rows_mv on 18.16.
	if err := s.Insert(ctx, termRows()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Retract(ctx, []string{"t1", "t2"}, ^uint64(0)); err != nil {
		t.Fatal(err)
	}
	if rollup, want := termRollup(t, s); rollup != want || len(want) < 100 {
		t.Errorf("term rollup on a cluster\n%s\nfrom the rows\n%s", rollup, want)
	}
	// The author table: a day built through the Distributed tables is
	// served, and holds what the mentions rows give.
	day := now.Truncate(24 * time.Hour)
	authored := authorRows(day)
	if err := s.Insert(ctx, authored); err != nil {
		t.Fatal(err)
	}
	if n, err := store.BuildAuthorDays(ctx, s, []time.Time{day}, time.Hour); err != nil || n != 1 {
		t.Fatalf("BuildAuthorDays = %d, %v", n, err)
	}
	builds, stale, err := store.AuthorDays(ctx, s, store.AuthorScope{Brand: "A"}, day, day.Add(24*time.Hour))
	if err != nil || len(builds) != 1 || len(stale) != 0 {
		t.Fatalf("AuthorDays = %v, %v, %v; want the day built", builds, stale, err)
	}
	if got, want := tableAndRows(t, s, store.AuthorScope{Brand: "A"}, builds,
		"brand = 'A' AND published_at >= "+store.Time(day)+" AND published_at < "+store.Time(day.Add(24*time.Hour))); got != want || len(got) < 100 {
		t.Errorf("author table on a cluster\n%s\nwant\n%s", got, want)
	}
	if err := s.Exec(ctx, "INSERT INTO "+s.Table("alerts")+" (id, explanation, version) SELECT 'a1', 'secret', 1"); err != nil {
		t.Fatal(err)
	}
	if err := store.Mutate(ctx, s, "ALTER TABLE "+s.Table("alerts")+" UPDATE explanation = '' WHERE id = 'a1'"); err != nil {
		t.Fatal(err)
	}
	var expl struct{ E string }
	query("SELECT any(explanation) AS e FROM "+s.Table("alerts"), &expl)
	if expl.E != "" {
		t.Errorf("after Mutate, explanation %q", expl.E)
	}
}
