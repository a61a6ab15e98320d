package web

import (
	"math/rand/v2"
	"net/url"
	"strings"
	"testing"

	"github.com/ewom/ewom/internal/store"
)

// searchTexts are the sentences the search benchmark's posts are made of:
// customer-experience talk in Finnish and English, inflected as posts
// write it, some about delivery and service, most not.
var searchTexts = strings.Split(`Tilasin uuden läppärin ja toimitus kesti kaksi viikkoa, ei kivaa.
Toimituksen seuranta ei päivity ollenkaan, paketti on jossain välillä.
Asiakaspalvelu ei vastaa puhelimeen eikä sähköpostiin.
Soitin asiakaspalveluun kolme kertaa ja vasta sitten sain apua.
Hinta oli hyvä ja kauppa sujui nopeasti, suosittelen.
Kannettava toimii hyvin, akku kestää koko päivän.
Myymälässä oli ystävällinen myyjä joka osasi neuvoa.
The delivery was late again and nobody told me why.
Customer service never answered my email about the refund.
Great price, fast checkout, the laptop works fine.
I returned the phone and the refund took three weeks.
Ordered on Monday, the parcel arrived on Wednesday, well packed.
Verkkokaupan sivut ovat sekavat ja maksaminen takkuaa.
Palautus onnistui helposti ja rahat tulivat takaisin.
Kuulokkeet hajosivat viikossa, takuu onneksi kattoi.
Their app keeps crashing when I try to track my order.`, "\n")

// BenchmarkSearch fills the embedded engine with EWOM_BENCH_MENTIONS
// mentions (default 1,000,000; the target is 10,000,000) of one to three
// of searchTexts each, and measures the p95 latency and median CPU time of
// searches over 30 days for one brand: the mention list and the summary
// (the aggregates read the rows alike), against the same requests without
// a search in the same run. EWOM_BENCH_DIR keeps the mentions (benchStore).
//
//	go test ./internal/web -run '^$' -bench Search -benchtime 1x -timeout 60m
func BenchmarkSearch(b *testing.B) {
	n := benchMentions(b)
	rng := rand.New(rand.NewPCG(3, 5))
	s := benchStore(b, n, "search", func(rows []store.Row) {
		for i := range rows {
			k := 1 + rng.IntN(3)
			parts := make([]string, k)
			for j := range parts {
				parts[j] = searchTexts[rng.IntN(len(searchTexts))]
			}
			rows[i].Text = rows[i].Brand + ": " + strings.Join(parts, " ")
		}
	})
	ts := newTestServer(b, s)
	settleMerges(b, s)
	b.ResetTimer()
	queries := []string{"", "toimitus OR delivery", `(toimitus OR delivery OR paketti) AND NOT "customer service" AND sentiment:negative`,
		"asiakaspalvelu NEAR/3 vastaa"}
	for range b.N {
		for _, path := range []string{"/api/v1/mentions?limit=25", "/api/v1/summary"} {
			var base float64
			for _, q := range queries {
				p95, cpu := apiP95(b, ts.URL+path+sep(path)+"range=30d&brand=TietokoneKoijarit&q="+url.QueryEscape(q), 20)
				if q == "" {
					base = p95
				}
				b.Logf("p95 %7.1f ms (%4.1f× no search)  CPU %7.1f ms  %s q=%s", p95, p95/base, cpu, path, q)
				if strings.HasPrefix(q, "(") {
					b.ReportMetric(p95, "boolean-p95-ms/"+strings.TrimPrefix(strings.SplitN(path, "?", 2)[0], "/api/v1/"))
				}
			}
		}
	}
	b.ReportMetric(float64(n), "mentions")
}
