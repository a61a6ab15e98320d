package web

import (
	"context"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/ewom/ewom/internal/store"
)

// benchTerms gives synthetic rows terms as a vocabulary has them: per row
// eight words of 20,000 and four phrases of 60,000, each Zipf-distributed,
// and in the last two days a complaint on a fifth of the retailer's rows;
// every third row retells the story of the row before.
type benchTerms struct {
	rng          *rand.Rand
	words, pairs *rand.Zipf
	i            int
}

func newBenchTerms() *benchTerms {
	rng := rand.New(rand.NewPCG(5, 9))
	return &benchTerms{rng: rng, words: rand.NewZipf(rng, 1.1, 2, 19_999), pairs: rand.NewZipf(rng, 1.1, 2, 59_999)}
}

func (t *benchTerms) annotate(rows []store.Row) {
	for i := range rows {
		r := &rows[i]
		var keys []string
		add := func(k string) {
			for _, x := range keys {
				if x == k {
					return
				}
			}
			keys = append(keys, k)
		}
		for range 8 {
			add("sana" + strconv.FormatUint(t.words.Uint64(), 10))
		}
		for range 4 {
			p := t.pairs.Uint64()
			add("sana" + strconv.FormatUint(p%20_000, 10) + " sana" + strconv.FormatUint(p/3+7, 10))
		}
		if r.Brand == "TietokoneKoijarit" && weekEnd.Sub(r.PublishedAt) < 48*time.Hour && t.rng.IntN(5) == 0 {
			add("toimitus myöhässä")
			add("asiakaspalvelu ei vastata")
		}
		r.Terms, r.TermForms, r.TermsVersion = keys, make([]string, len(keys)), "bench"
		t.i++
		r.Story = uint64(t.i - t.i%3)
	}
}

// BenchmarkTopics fills the embedded engine with EWOM_BENCH_MENTIONS
// synthetic mentions over 90 days (default 1,000,000; the target is
// 10,000,000), each with terms (benchTerms), kept in EWOM_BENCH_DIR if set
// (benchStore), and measures the p95 latency
// and CPU time of the Topics page's calls for one brand over 7 and 30 days.
// Run it alone:
//
//	go test ./internal/web -run '^$' -bench Topics -benchtime 1x -timeout 90m
func BenchmarkTopics(b *testing.B) {
	n := benchMentions(b)
	s := benchStore(b, n, "topics", newBenchTerms().annotate)
	settleMerges(b, s)
	for _, q := range []string{"SELECT toInt64(count()) AS n FROM " + s.Table("term_days"),
		"SELECT toInt64(count()) AS n FROM " + s.Table("term_days") + " WHERE brand = 'TietokoneKoijarit' AND day >= toDate(" +
			store.Time(weekEnd.AddDate(0, 0, -35)) + ")"} {
		rows, err := s.Query(context.Background(), q)
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("%s: %s", q, rows[0])
	}
	ts := newTestServer(b, s)
	b.ResetTimer()
	for range b.N {
		for _, rng := range []string{"7d", "30d"} {
			worst := 0.0
			for _, path := range []string{"/api/v1/topics", "/api/v1/topics/compare", "/api/v1/stories", "/api/v1/topics?source=reddit"} {
				url := ts.URL + path + sep(path) + "range=" + rng
				if path != "/api/v1/topics/compare" {
					url += "&brand=TietokoneKoijarit"
				}
				p95, cpu := apiP95(b, url, 20)
				if path == "/api/v1/topics" {
					worst = math.Max(worst, p95)
				}
				b.Logf("range %-3s p95 %7.1f ms  CPU %7.1f ms  %s", rng, p95, cpu, path)
			}
			b.ReportMetric(worst, "topics-p95-ms/"+rng)
		}
	}
	b.ReportMetric(float64(n), "mentions")
}
