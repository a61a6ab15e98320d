package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ewom/ewom/internal/store"
	"github.com/ewom/ewom/internal/store/storetest"
)

// BenchmarkInsertTermRollup measures what the daily term rollup's view adds
// to an insert: batches of 10,000 mentions rows shaped like the classifiers'
// (text, raw, ~43 terms, one in ten with a form of its own as in the
// classifiers' rows, five brands, one day) inserted
// into the migrated schema ("with-term-view") and into one whose
// term_days_mv is dropped ("without-term-view", the baseline of the same
// run), and the same rows without terms ("without-terms": what storing
// the terms costs in all). engine-cpu-ms/op is the engine's CPU: the whole process on the
// embedded engine (the rows' encoding included), the server process on a
// server (its merges included). Run it with
// go test ./internal/store/ -run '^$' -bench InsertTermRollup.
func BenchmarkInsertTermRollup(b *testing.B) {
	const batch, terms = 10000, 43
	day := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	words := strings.Fields("toimitus myöhässä asiakaspalvelu ei vastaa läppäri akku näyttö hinta tilaus paketti kuljetus" +
		" palautus takuu laatu nopea hidas hyvä huono kauppa verkkokauppa sovellus maksu kortti lasku kuitti myymälä")
	rows := make([]store.Row, batch)
	for i := range rows {
		r := row(fmt.Sprintf("m%d", i), fmt.Sprintf("brand%d", i%5), day.Add(time.Duration(i)*8*time.Second),
			[]string{"positive", "negative", "neutral"}[i%3])
		var text []string
		for j := range 45 {
			text = append(text, words[(i*7+j*3)%len(words)])
		}
		r.Text = strings.Join(text, " ")
		r.Raw = `{"source":"test","text":` + fmt.Sprintf("%q", r.Text) + `,"author":{"handle":"someone","followers":123}}`
		for j := range terms {
			// Lemmas and phrases: a vocabulary of a few thousand terms.
			t := fmt.Sprintf("%s %d", words[(i+j)%len(words)], (i*31+j*17)%97)
			r.Terms = append(r.Terms, t)
			form := "" // as most are: the term as written
			if j%10 == 0 {
				form = strings.ToUpper(t[:1]) + t[1:]
			}
			r.TermForms = append(r.TermForms, form)
		}
		rows[i] = r
	}
	bare := make([]store.Row, batch)
	for i, r := range rows {
		r.Terms, r.TermForms = nil, nil
		bare[i] = r
	}
	ctx := context.Background()
	with, without := storetest.Engines(b), storetest.Engines(b)
	for i := range with {
		s := without[i].Store
		if err := s.Exec(ctx, "DROP TABLE "+s.Table("term_days_mv")); err != nil {
			b.Fatal(err)
		}
	}
	for i, e := range with {
		for _, v := range []struct {
			name string
			s    store.Store
			rows []store.Row
		}{{"with-term-view", e.Store, rows}, {"without-term-view", without[i].Store, rows}, {"without-terms", without[i].Store, bare}} {
			b.Run(e.Name+"/"+v.name, func(b *testing.B) {
				cpu := e.CPU()
				for b.Loop() {
					if err := v.s.Insert(ctx, v.rows); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(e.CPU()-cpu)/float64(b.N)/1e6, "engine-cpu-ms/op")
			})
		}
	}
}
