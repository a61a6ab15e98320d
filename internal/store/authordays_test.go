package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ewom/ewom/internal/mention"
	"github.com/ewom/ewom/internal/store"
	"github.com/ewom/ewom/internal/store/storetest"
)

// figures are every column of the author table but the bookkeeping ones.
var figures = []string{"rows", "checksum", "negative_rows", "posts", "negative_posts", "first_key", "last_key", "stages", "reach", "reach_at"}

// authorRows builds rows over two days: authors posting several times a
// day about one or two brands, in many stages, some in the same second,
// some without a handle, and a post stored in two versions.
func authorRows(day time.Time) []store.Row {
	var rows []store.Row
	for i := range 120 {
		at := day.Add(time.Duration(i*23%(48*60)) * time.Minute)
		if i%7 == 0 {
			at = day.Add(time.Duration(i%3) * time.Hour) // several in one second
		}
		r := row(fmt.Sprint("m", i), []string{"A", "B", ""}[i%3], at, []string{"negative", "positive", "neutral"}[i%3])
		r.AuthorHandle = fmt.Sprintf("@u%d", i%9)
		if i%11 == 0 {
			r.AuthorHandle = ""
		}
		r.AuthorFollowers = uint64(100 + i%5*7)
		r.JourneyStage = mention.JourneyStages[i*5%len(mention.JourneyStages)]
		r.Version = uint64(1000 + i)
		rows = append(rows, r)
		if i%4 == 0 && r.Brand != "B" { // the same post names a second brand
			r.Brand = "B"
			r.Sentiment = "negative"
			r.JourneyStage = mention.JourneyStages[(i+3)%len(mention.JourneyStages)]
			rows = append(rows, r)
		}
	}
	old := rows[5]
	old.Version = 1
	old.JourneyStage = "churn"
	return append(rows, old) // not merged away yet
}

// TestAuthorTableHoldsTheRowsFigures: a built day's rows in the author
// table are what the same figures computed from the mentions rows are, in
// both scopes; a day is served only while its rows are unchanged since it
// was built, and Retract removes the retracted authors' rows.
func TestAuthorTableHoldsTheRowsFigures(t *testing.T) {
	ctx := context.Background()
	day := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			s := e.Store
			rows := authorRows(day)
			// As batches arrive: in several inserts.
			for part := range slices.Chunk(rows, 50) {
				if err := s.Insert(ctx, part); err != nil {
					t.Fatal(err)
				}
			}
			scopes := []store.AuthorScope{{All: true}, {Brand: "A"}, {Brand: "B"}, {Brand: ""}}
			days := func(scope store.AuthorScope) (map[time.Time]uint64, []time.Time) {
				t.Helper()
				b, stale, err := store.AuthorDays(ctx, s, scope, day, day.Add(3*24*time.Hour))
				if err != nil {
					t.Fatal(err)
				}
				return b, stale
			}
			if b, stale := days(store.AuthorScope{All: true}); len(stale) != 2 || b[day.Add(48*time.Hour)] != 0 || len(b) != 1 {
				t.Fatalf("before building: builds %v, stale %v; want both days stale and an empty third", b, stale)
			}
			if got, err := store.StaleAuthorDays(ctx, s, day.Add(72*time.Hour)); err != nil || !slices.Equal(got, []time.Time{day.Add(24 * time.Hour), day}) {
				t.Fatalf("stale days %v, %v", got, err)
			}
			build := func() {
				t.Helper()
				if n, err := store.BuildAuthorDays(ctx, s, []time.Time{day.Add(5 * time.Hour), day.Add(24 * time.Hour)}, time.Hour); err != nil || n != 2 {
					t.Fatalf("build: %d days, %v", n, err)
				}
			}
			// compare requires every scope's table rows to equal the figures
			// computed from the mentions rows.
			compare := func(when string) {
				t.Helper()
				for _, sc := range scopes {
					b, stale := days(sc)
					if len(stale) != 0 || len(b) != 3 {
						t.Fatalf("%s, %+v: builds %v, stale %v", when, sc, b, stale)
					}
					where := "published_at >= " + store.Time(day) + " AND published_at < " + store.Time(day.Add(72*time.Hour))
					if !sc.All {
						where += " AND brand = " + store.Quote(sc.Brand)
					}
					if got, want := tableAndRows(t, s, sc, b, where); got != want {
						t.Errorf("%s, %+v: author table\n%s\nwant\n%s", when, sc, got, want)
					} else if strings.Count(got, "},{") < 3 {
						t.Errorf("%s, %+v: too few rows to tell: %s", when, sc, got)
					}
				}
			}
			// The first build of a day has no older build to delete, so it
			// sends the engine no mutation (one holds the embedded engine
			// for seconds).
			db := strings.Trim(strings.TrimSuffix(s.Table("author_days"), ".author_days"), "`")
			mutations := "SELECT count() AS n FROM system.mutations WHERE database = " + store.Quote(db) + " AND table = 'author_days'"
			build()
			compare("built")
			if got := count(t, s, mutations); got != 0 {
				t.Errorf("a first build sent %d mutations of the author table, want none", got)
			}
			if got, err := store.StaleAuthorDays(ctx, s, day.Add(72*time.Hour)); err != nil || len(got) != 0 {
				t.Fatalf("stale days after building %v, %v", got, err)
			}

			// A mention stored later makes its day stale, in every scope.
			late := row("late", "A", day.Add(30*time.Hour), "negative")
			late.AuthorHandle = "@u1"
			if err := s.Insert(ctx, []store.Row{late}); err != nil {
				t.Fatal(err)
			}
			for _, sc := range scopes {
				if _, stale := days(sc); !slices.Equal(stale, []time.Time{day.Add(24 * time.Hour)}) {
					t.Errorf("after an insert, %+v: stale %v, want the second day", sc, stale)
				}
			}
			// So does a reclassification: new rows, the old retracted.
			re := rows[slices.IndexFunc(rows, func(r store.Row) bool { return r.MentionID == "m1" })]
			re.Version, re.JourneyStage, re.Sentiment = 5000, "purchase", "negative"
			if err := s.Insert(ctx, []store.Row{re}); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Retract(ctx, []string{re.MentionID}, 4999); err != nil {
				t.Fatal(err)
			}
			if _, stale := days(store.AuthorScope{Brand: re.Brand}); len(stale) != 2 {
				t.Errorf("after a reclassification: stale %v, want both days", stale)
			}
			before := count(t, s, mutations)
			build()
			compare("rebuilt")
			// A rebuild leaves the builds it superseded, unread, to
			// PruneAuthorDays, which deletes them.
			severalBuilds := "SELECT count() AS n FROM (SELECT day FROM " + s.Table("author_days") + " GROUP BY day HAVING uniqExact(build) > 1)"
			if got := count(t, s, severalBuilds); got != 2 {
				t.Errorf("after a rebuild, %d days hold more than one build, want both", got)
			}
			if got := count(t, s, mutations) - before; got != 0 {
				t.Errorf("a rebuild sent %d mutations of the author table, want none", got)
			}
			if n, err := store.PruneAuthorDays(ctx, s); err != nil || n != 2 {
				t.Fatalf("PruneAuthorDays = %d, %v; want both days pruned", n, err)
			}
			if got := count(t, s, severalBuilds); got != 0 {
				t.Errorf("after pruning, %d days hold more than one build", got)
			}
			compare("pruned")
			if n, err := store.PruneAuthorDays(ctx, s); err != nil || n != 0 {
				t.Errorf("PruneAuthorDays again = %d, %v; want nothing to prune", n, err)
			}

			// Erasing an author: the days are stale and no row of the
			// author is left in the author table, of any build.
			var ids []string
			for _, r := range rows {
				if r.AuthorHandle == "@u2" {
					ids = append(ids, r.MentionID)
				}
			}
			if _, err := s.Retract(ctx, ids, ^uint64(0)); err != nil {
				t.Fatal(err)
			}
			if got := count(t, s, "SELECT count() AS n FROM "+s.Table("author_days")+" WHERE author = cityHash64('@u2')"); got != 0 {
				t.Errorf("after erasing an author, %d of their rows are in the author table", got)
			}
			if _, stale := days(store.AuthorScope{All: true}); len(stale) != 2 {
				t.Errorf("after an erasure: stale %v, want both days", stale)
			}
			build()
			compare("after an erasure")
		})
	}
}

// tableAndRows returns every figure of the author table for scope and the
// days of builds, and the same figures computed from the mentions rows
// matching where, as JSON rows in order.
func tableAndRows(t *testing.T, s store.Store, scope store.AuthorScope, builds map[time.Time]uint64, where string) (table, rows string) {
	t.Helper()
	fromTable, err := store.AuthorTableRows(s, scope, builds, "", figures...)
	if err != nil {
		t.Fatal(err)
	}
	fromRows, err := store.AuthorDayRows(s, where, figures...)
	if err != nil {
		t.Fatal(err)
	}
	return sorted(t, s, fromTable), sorted(t, s, fromRows)
}

// sorted runs q and returns its rows as JSON, in order.
func sorted(t *testing.T, s store.Store, q string) string {
	t.Helper()
	rows, err := s.Query(context.Background(), "SELECT * FROM ("+q+") ORDER BY day, author")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(rows)
	return string(b)
}

func count(t *testing.T, s store.Store, q string) int {
	t.Helper()
	rows, err := s.Query(context.Background(), q)
	if err != nil || len(rows) != 1 {
		t.Fatalf("%s: %v, %v", q, rows, err)
	}
	var v struct{ N int }
	if err := json.Unmarshal(rows[0], &v); err != nil {
		t.Fatal(err)
	}
	return v.N
}

// TestAuthorDayTallyIsReconciledAfterAMerge: a duplicate row merged away
// leaves a day's tally above its rows; the day is then built but not read
// until two builds, settle apart, found the same rows and the same tally,
// and then served again.
func TestAuthorDayTallyIsReconciledAfterAMerge(t *testing.T) {
	ctx := context.Background()
	day := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			s := e.Store
			rows := authorRows(day)
			if err := s.Insert(ctx, rows); err != nil {
				t.Fatal(err)
			}
			// The same row again, then a merge that keeps one of the two.
			if err := s.Insert(ctx, rows[3:4]); err != nil {
				t.Fatal(err)
			}
			if err := s.Exec(ctx, "OPTIMIZE TABLE "+s.Table("mentions")+" FINAL"); err != nil {
				t.Fatal(err)
			}
			days := []time.Time{day, day.Add(24 * time.Hour)}
			served := func() int {
				t.Helper()
				b, _, err := store.AuthorDays(ctx, s, store.AuthorScope{All: true}, day, day.Add(48*time.Hour))
				if err != nil {
					t.Fatal(err)
				}
				return len(b)
			}
			for i, settle := range []time.Duration{0, time.Hour} {
				if n, err := store.BuildAuthorDays(ctx, s, days, settle); err != nil || n != 1 || served() != 1 {
					t.Fatalf("build %d: %d days built, %d served, %v; want the day without the duplicate", i+1, n, served(), err)
				}
			}
			// The previous build found the same disagreement: not an hour ago.
			if n, err := store.BuildAuthorDays(ctx, s, days, 0); err != nil || n != 2 || served() != 2 {
				t.Fatalf("third build: %d days built, %d served, %v; want both", n, served(), err)
			}
			b, _, err := store.AuthorDays(ctx, s, store.AuthorScope{All: true}, day, day.Add(48*time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			if got, want := tableAndRows(t, s, store.AuthorScope{All: true}, b,
				"published_at >= "+store.Time(day)+" AND published_at < "+store.Time(day.Add(48*time.Hour))); got != want {
				t.Errorf("reconciled days\n%s\nwant\n%s", got, want)
			}
			if _, err := store.PruneAuthorDays(ctx, s); err != nil {
				t.Fatal(err)
			}
			if got := count(t, s, "SELECT count() AS n FROM (SELECT DISTINCT day, build FROM "+s.Table("author_days")+")"); got != 2 {
				t.Errorf("%d builds in the author table after pruning, want only the newest of each day", got)
			}
		})
	}
}
