package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ewom/ewom/internal/store"
	"github.com/ewom/ewom/internal/store/storetest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	storetest.StopShared()
	os.Exit(code)
}

var t0 = time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)

func row(id, brand string, at time.Time, sentiment string) store.Row {
	return store.Row{MentionID: id, Brand: brand, Source: "test", Text: "Tilasin läppärin, toimitus myöhässä 😡 \"quoted\" back\\slash",
		PublishedAt: at, IngestedAt: time.Now(), Lang: "fi", Sentiment: sentiment, SentimentScore: -0.5,
		Touchpoint: "shared", JourneyStage: "delivery", Brands: []string{brand}, AuthorFollowers: 10, Likes: 2, Raw: `{"x":1}`}
}

func TestMigrationsAreIdempotent(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			applied, err := e.Store.Migrate(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(applied) != 0 {
				t.Fatalf("second migrate applied %v, want nothing", applied)
			}
			if pending, err := e.Store.PendingMigrations(ctx); err != nil || len(pending) != 0 {
				t.Fatalf("pending after migrate: %v, %v", pending, err)
			}
			fresh, err := store.InDatabase(e.Store, e.Store.Info().Database+"_fresh")
			if err != nil {
				t.Fatal(err)
			}
			if pending, err := fresh.PendingMigrations(ctx); err != nil || len(pending) < 3 {
				t.Fatalf("pending on a database never migrated: %v, %v", pending, err)
			}
			rows, err := e.Store.Query(ctx, "SELECT count() AS n, uniqExact(version) AS v FROM "+e.Store.Table("schema_migrations"))
			if err != nil {
				t.Fatal(err)
			}
			var got struct{ N, V int }
			if err := json.Unmarshal(rows[0], &got); err != nil {
				t.Fatal(err)
			}
			if got.N != got.V || got.N < 3 {
				t.Fatalf("schema_migrations has %d rows for %d versions: want one row per migration", got.N, got.V)
			}
		})
	}
}

func TestInsertCountAndExistingIDs(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			s := e.Store
			rows := []store.Row{row("a", "Koijarit", t0, "negative"), row("a", "Rival", t0, "negative"),
				row("b", "Koijarit", t0.Add(time.Hour), "positive"), row("c", "", t0.Add(2*time.Hour), "neutral"),
				row("d,e", "", t0, "neutral")}
			if err := s.Insert(ctx, rows); err != nil {
				t.Fatal(err)
			}
			n, err := s.CountMentions(ctx, t0, t0.Add(3*time.Hour), "")
			if err != nil || n != 4 {
				t.Fatalf("count all = %d, %v; want 4 distinct mentions", n, err)
			}
			n, err = s.CountMentions(ctx, t0, t0.Add(time.Hour), "Koijarit")
			if err != nil || n != 1 {
				t.Fatalf("count Koijarit in first hour = %d, %v; want 1 (end is exclusive)", n, err)
			}
			found, err := s.ExistingIDs(ctx, []string{"a", "b", "c", "zzz", "it's"}, t0, t0.Add(2*time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			if !found["a"] || !found["b"] || !found["c"] || found["zzz"] || len(found) != 3 {
				t.Fatalf("ExistingIDs = %v", found)
			}
			// An id with the engine-side separator in it takes the literal list.
			found, err = s.ExistingIDs(ctx, []string{"a", "d,e", "d"}, t0, t0.Add(2*time.Hour))
			if err != nil || !found["a"] || !found["d,e"] || len(found) != 2 {
				t.Fatalf("ExistingIDs with a comma = %v, %v", found, err)
			}
			got, err := s.Query(ctx, "SELECT text, brands, rating, published_at FROM "+s.Table("mentions")+" WHERE mention_id = 'b'")
			if err != nil || len(got) != 1 {
				t.Fatalf("select = %v, %v", got, err)
			}
			if outside, err := s.ExistingIDs(ctx, []string{"c"}, t0, t0.Add(time.Hour)); err != nil || len(outside) != 0 {
				t.Fatalf("lookup bounded before c's time found %v, %v", outside, err)
			}
			var r struct {
				Text        string
				Brands      []string
				Rating      *float64
				PublishedAt time.Time `json:"published_at"`
			}
			if err := json.Unmarshal(got[0], &r); err != nil {
				t.Fatalf("decode %s: %v", got[0], err)
			}
			if r.Text != rows[2].Text || len(r.Brands) != 1 || r.Brands[0] != "Koijarit" || r.Rating != nil || !r.PublishedAt.Equal(t0.Add(time.Hour)) {
				t.Fatalf("round trip = %+v from %s", r, got[0])
			}
		})
	}
}

// Ids come back exactly, whatever bytes they hold.
func TestExistingIDsAreExact(t *testing.T) {
	ids := []string{"tab\there", "new\nline", "back\\slash", "quote'\"", "ääkkönen 😡", "d,e", ""}
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			var rows []store.Row
			for _, id := range ids[:len(ids)-1] {
				rows = append(rows, row(id, "", t0, "neutral"))
			}
			if err := e.Store.Insert(ctx, rows); err != nil {
				t.Fatal(err)
			}
			found, err := e.Store.ExistingIDs(ctx, append(ids, "absent"), t0, t0)
			if err != nil || len(found) != len(ids)-1 {
				t.Fatalf("ExistingIDs = %v, %v", found, err)
			}
			for _, id := range ids[:len(ids)-1] {
				if !found[id] {
					t.Errorf("%q not found in %v", id, found)
				}
			}
		})
	}
}

// A batch's worth of ids is looked up at once, in one query: the ids travel
// as data (a session table on chDB, external data on a server), so no query
// size limit applies.
func TestExistingIDsOfALargeBatch(t *testing.T) {
	ids := make([]string, 23000)
	for i := range ids {
		ids[i] = fmt.Sprintf("%032x", i)
	}
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			s := e.Store
			if err := s.Insert(ctx, []store.Row{row(ids[0], "", t0, "neutral"), row(ids[22999], "", t0, "neutral")}); err != nil {
				t.Fatal(err)
			}
			found, err := s.ExistingIDs(ctx, ids, t0, t0)
			if err != nil || len(found) != 2 || !found[ids[0]] || !found[ids[22999]] {
				t.Fatalf("ExistingIDs of %d ids = %v, %v", len(ids), found, err)
			}
		})
	}
}

// A default-size batch (here 15 MB, past the engine's 10 MB default for
// wide parts) is written as a compact part on engines that have them
// (migration 5).
func TestInsertedBatchesAreCompactParts(t *testing.T) {
	s := storetest.Embedded(t)
	ctx := context.Background()
	rows := make([]store.Row, 15000)
	for i := range rows {
		rows[i] = row(fmt.Sprintf("%032x", i), "Koijarit", t0, "negative")
		rows[i].Raw = strings.Repeat("x", 1000)
	}
	if err := s.Insert(ctx, rows); err != nil {
		t.Fatal(err)
	}
	got, err := s.Query(ctx, "SELECT part_type, sum(rows) AS n FROM system.parts WHERE database = "+store.Quote(s.Info().Database)+
		" AND table = 'mentions' AND active GROUP BY part_type")
	if err != nil || len(got) != 1 || string(got[0]) != `{"part_type":"Compact","n":15000}` {
		t.Fatalf("parts = %s, %v", got, err)
	}
}

// Every column comes back as written, on both engines' insert encodings
// (the embedded engine takes Native blocks, the server row-wise batches):
// full rows and empty ones in one batch.
func TestEveryColumnRoundTrips(t *testing.T) {
	rating := float32(4.5)
	full := store.Row{MentionID: "full", Brand: "Koijarit", Source: "app-store", SourceID: "rev-1", URL: "https://example.com/r/1",
		Title: "Otsikko: \"lainaus\"", Text: "Rivi 1\nRivi 2\tsarkain ja 😡 sekä ääkköset, 'yksi' \\ kenoviiva",
		AuthorHandle: "@matti", AuthorName: "Matti Meikäläinen", AuthorURL: "https://example.com/@matti", AuthorFollowers: 1 << 40,
		PublishedAt: t0, IngestedAt: t0.Add(3 * time.Second), Lang: "fi", SourceLang: "sv", Rating: &rating,
		Likes: 7, Reposts: 8, Replies: 9, ParentURL: "https://example.com/p", Sentiment: "negative", SentimentScore: -0.25,
		SentimentUnscored: true, Touchpoint: "earned", TouchpointReason: "review site", UndisclosedCommercial: true,
		JourneyStage: "purchase", Brands: []string{"Koijarit", "Rival, Inc."}, ClassifierVersion: "r4-test",
		Explanation: `[{"label":"x"}]`, Raw: `{"id":"rev-1","text":"ä"}`, Version: 42}
	empty := store.Row{MentionID: "empty", PublishedAt: t0.Add(time.Minute), IngestedAt: t0.Add(time.Minute), Version: 1}
	want := map[string][]string{
		"full": {"full", "Koijarit", "app-store", "rev-1", "https://example.com/r/1", full.Title, full.Text, "@matti", "Matti Meikäläinen",
			"https://example.com/@matti", "1099511627776", "2026-11-20 08:00:00", "2026-11-20 08:00:03", "fi", "sv", "4.5", "7", "8", "9",
			"https://example.com/p", "negative", "-0.25", "1", "earned", "review site", "1", "purchase", "['Koijarit','Rival, Inc.']",
			"r4-test", `[{"label":"x"}]`, full.Raw, "42"},
		"empty": {"empty", "", "", "", "", "", "", "", "", "", "0", "2026-11-20 08:01:00", "2026-11-20 08:01:00", "", "", "", "0", "0", "0",
			"", "", "0", "0", "", "", "0", "", "[]", "", "", "", "1"},
	}
	cols := []string{"mention_id", "brand", "source", "source_id", "url", "title", "text", "author_handle", "author_name", "author_url",
		"author_followers", "published_at", "ingested_at", "lang", "source_lang", "rating", "likes", "reposts", "replies", "parent_url",
		"sentiment", "sentiment_score", "sentiment_unscored", "touchpoint", "touchpoint_reason", "undisclosed_commercial",
		"journey_stage", "brands", "classifier_version", "explanation", "raw", "version"}
	exprs := make([]string, len(cols))
	for i, c := range cols {
		exprs[i] = "ifNull(toString(" + c + "), '')"
	}
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			s := e.Store
			if err := s.Insert(ctx, []store.Row{full, empty}); err != nil {
				t.Fatal(err)
			}
			got, err := s.Query(ctx, "SELECT mention_id AS id, ["+strings.Join(exprs, ", ")+"] AS cells FROM "+s.Table("mentions")+" ORDER BY id")
			if err != nil || len(got) != 2 {
				t.Fatalf("select = %d rows, %v", len(got), err)
			}
			for _, raw := range got {
				var r struct {
					ID    string
					Cells []string
				}
				if err := json.Unmarshal(raw, &r); err != nil {
					t.Fatalf("decode %s: %v", raw, err)
				}
				for i, c := range cols {
					if r.Cells[i] != want[r.ID][i] {
						t.Errorf("%s.%s = %q, want %q", r.ID, c, r.Cells[i], want[r.ID][i])
					}
				}
			}
		})
	}
}

func TestRollupCountsOneRowPerMentionBrand(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			s := e.Store
			var rows []store.Row
			for i := range 30 {
				rows = append(rows, row(fmt.Sprint(i), "Koijarit", t0.Add(time.Duration(i)*time.Minute), []string{"negative", "positive", "neutral"}[i%3]))
			}
			if err := s.Insert(ctx, rows[:10]); err != nil {
				t.Fatal(err)
			}
			if err := s.Insert(ctx, rows[10:]); err != nil {
				t.Fatal(err)
			}
			got, err := s.Query(ctx, "SELECT sum(mentions) AS n, sumIf(mentions, sentiment = 'negative') AS neg, count() > 0 AS any FROM "+s.Table("mentions_5m")+" WHERE brand = 'Koijarit'")
			if err != nil {
				t.Fatal(err)
			}
			var v struct{ N, Neg int }
			if err := json.Unmarshal(got[0], &v); err != nil {
				t.Fatal(err)
			}
			if v.N != 30 || v.Neg != 10 {
				t.Fatalf("rollup sum = %d (negative %d), want 30 (10)", v.N, v.Neg)
			}
		})
	}
}

func TestQuoteResistsInjection(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			evil := "x' OR 1=1 --\\'; DROP TABLE mentions; \x00\n"
			if err := e.Store.Insert(ctx, []store.Row{row("evil", evil, t0, "neutral")}); err != nil {
				t.Fatal(err)
			}
			n, err := e.Store.CountMentions(ctx, t0, t0.Add(time.Minute), evil)
			if err != nil || n != 1 {
				t.Fatalf("count for the odd brand = %d, %v; want exactly its 1 mention", n, err)
			}
			n, err = e.Store.CountMentions(ctx, t0, t0.Add(time.Minute), "x")
			if err != nil || n != 0 {
				t.Fatalf("count = %d, %v; want 0", n, err)
			}
		})
	}
}

func TestRetractRemovesRowsAndRollupContributions(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			s := e.Store
			old := []store.Row{row("m1", "Koijarit", t0, "negative"), row("m1", "Rival", t0, "negative"), row("m2", "Koijarit", t0, "positive")}
			for i := range old {
				old[i].Version = 10
			}
			if err := s.Insert(ctx, old); err != nil {
				t.Fatal(err)
			}
			// A rewrite of m1 with a newer version, as reclassification does.
			newer := row("m1", "Koijarit", t0, "positive")
			newer.Version = 20
			if err := s.Insert(ctx, []store.Row{newer}); err != nil {
				t.Fatal(err)
			}
			n, err := s.Retract(ctx, []string{"m1"}, 10)
			if err != nil || n != 2 {
				t.Fatalf("retracted %d rows, %v; want the 2 old rows of m1", n, err)
			}
			got := func(q string) string {
				rows, err := s.Query(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				var out []string
				for _, r := range rows {
					out = append(out, string(r))
				}
				return fmt.Sprint(out)
			}
			if raw := got("SELECT mention_id, brand, sentiment FROM " + s.Table("mentions") + " ORDER BY mention_id, brand"); raw !=
				`[{"mention_id":"m1","brand":"Koijarit","sentiment":"positive"} {"mention_id":"m2","brand":"Koijarit","sentiment":"positive"}]` {
				t.Fatalf("raw rows after retraction: %s", raw)
			}
			if roll := got("SELECT brand, sentiment, sum(mentions) AS n FROM " + s.Table("mentions_5m") +
				" GROUP BY brand, sentiment HAVING n != 0 ORDER BY brand, sentiment"); roll != `[{"brand":"Koijarit","sentiment":"positive","n":2}]` {
				t.Fatalf("rollup after retraction: %s", roll)
			}
		})
	}
}

// A failed insert comes back as an error naming the table, on both
// engines' insert paths (the embedded one streams Native blocks), and the
// engine keeps working.
func TestInsertErrorIsReported(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			s := e.Store
			if err := s.Exec(ctx, "DROP TABLE "+s.Table("mentions")); err != nil {
				t.Fatal(err)
			}
			err := s.Insert(ctx, []store.Row{row("x", "Koijarit", t0, "negative")})
			if err == nil || !strings.Contains(err.Error(), "mentions") {
				t.Fatalf("insert into a dropped table: %v", err)
			}
			if err := s.Ping(ctx); err != nil {
				t.Fatalf("engine after a failed insert: %v", err)
			}
		})
	}
}
