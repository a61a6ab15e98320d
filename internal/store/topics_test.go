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

// termRows are mentions rows with terms: two brands, two days, every
// sentiment, a row with fewer forms than terms and one with none.
func termRows() []store.Row {
	var rows []store.Row
	sentiments := []string{"positive", "negative", "neutral"}
	for i := range 30 {
		r := row(fmt.Sprintf("t%d", i), []string{"A", "B"}[i%2], t0.Add(time.Duration(i)*3*time.Hour), sentiments[i%3])
		r.SentimentScore = float32(i%7)/4 - 0.75
		r.AuthorFollowers = uint64(100 + i)
		r.Terms = []string{"toimitus", fmt.Sprintf("term%d", i%4), "läppäri"}
		r.TermForms = []string{"Toimitus", fmt.Sprintf("Term%d", i%4), "läppäri"}
		switch i % 5 {
		case 3:
			r.TermForms = r.TermForms[:1]
		case 4:
			r.TermForms = nil
		}
		rows = append(rows, r)
	}
	return rows
}

// termRollup returns term_days summed per day, brand and term, and the same
// sums computed from the mentions rows: equal when the rollup is exact.
func termRollup(t *testing.T, s store.Store) (rollup, rows string) {
	t.Helper()
	get := func(q string) string {
		t.Helper()
		res, err := s.Query(context.Background(), q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		var out string
		for _, r := range res {
			var v struct {
				Day, Brand, Term   string
				N, Pos, Neg, Reach int64
				Score              float64
			}
			if err := json.Unmarshal(r, &v); err != nil {
				t.Fatal(err)
			}
			out += fmt.Sprintf("%s %s %s n=%d +%d -%d score=%.3f reach=%d\n", v.Day, v.Brand, v.Term, v.N, v.Pos, v.Neg, v.Score, v.Reach)
		}
		return out
	}
	rollup = get("SELECT toString(day) AS day, brand, term, toInt64(sum(mentions)) AS n, toInt64(sum(positive)) AS pos," +
		" toInt64(sum(negative)) AS neg, sum(score_sum) AS score, toInt64(sum(reach)) AS reach FROM " + s.Table("term_days") +
		" GROUP BY day, brand, term HAVING n != 0 ORDER BY day, brand, term")
	rows = get("SELECT toString(toDate(published_at)) AS day, brand, term, toInt64(count()) AS n," +
		" toInt64(countIf(sentiment = 'positive')) AS pos, toInt64(countIf(sentiment = 'negative')) AS neg," +
		" sum(toFloat64(sentiment_score)) AS score, toInt64(sum(author_followers)) AS reach" +
		store.TermRows(s.Table("mentions")) + " GROUP BY day, brand, term ORDER BY day, brand, term")
	return rollup, rows
}

func TestTermRollupIsExact(t *testing.T) {
	ctx := context.Background()
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			s := e.Store
			rows := termRows()
			if err := s.Insert(ctx, rows[:20]); err != nil {
				t.Fatal(err)
			}
			if err := s.Insert(ctx, rows[20:]); err != nil {
				t.Fatal(err)
			}
			rollup, want := termRollup(t, s)
			if rollup != want || len(want) < 100 {
				t.Errorf("term rollup\n%s\nfrom the rows\n%s", rollup, want)
			}
			// A term's form is kept; a term without one has none.
			res, err := s.Query(ctx, "SELECT groupUniqArray(form) AS f FROM "+s.Table("term_days")+" WHERE term = 'toimitus'")
			if err != nil {
				t.Fatal(err)
			}
			var forms struct{ F []string }
			if err := json.Unmarshal(res[0], &forms); err != nil {
				t.Fatal(err)
			}
			if len(forms.F) == 0 || len(forms.F) > 2 || (forms.F[0] != "Toimitus" && forms.F[0] != "") {
				t.Errorf("forms of toimitus %q, want Toimitus (and none for rows without forms)", forms.F)
			}
			if _, err := s.Retract(ctx, []string{"t1", "t2", "t3", "t4"}, ^uint64(0)); err != nil {
				t.Fatal(err)
			}
			if rollup, want := termRollup(t, s); rollup != want {
				t.Errorf("after Retract, term rollup\n%s\nfrom the rows\n%s", rollup, want)
			}
		})
	}
}
