package web

import (
	"context"
	"fmt"
	"net/url"
	"testing"

	"github.com/ewom/ewom/internal/store"
	"github.com/ewom/ewom/internal/store/storetest"
)

// BenchmarkSeriesOptions measures, on the benchmark's synthetic data
// (EWOM_BENCH_MENTIONS, 1,000,000 by default), what the date picker's
// options and the journey flow's drill-down cost against the calls without
// them, in the same run: the series with a comparison period, by week and
// smoothed against the plain series; the summary compared with a year
// before against the previous period; the list of a Sankey link's and
// node's mentions against the unfiltered list. Run it alone:
//
//	CHDB_LIB_PATH=/opt/chdb/package/libchdb.so go test ./internal/web -run '^$' -bench SeriesOptions -benchtime 1x -timeout 30m -v
func BenchmarkSeriesOptions(b *testing.B) {
	n := benchMentions(b)
	s := storetest.Embedded(b)
	if err := benchRows(n, 100_000, func(rows []store.Row) error { return s.Insert(context.Background(), rows) }); err != nil {
		b.Fatal(err)
	}
	var srv *Server
	ts := newTestServerWith(b, s, func(w *Server) { srv = w })
	if err := srv.buildAuthorDays(context.Background()); err != nil {
		b.Fatal(err)
	}
	settleMerges(b, s)
	// A Sankey link and node of the 30 days, for the drill-down lists.
	c := login(b, ts.URL, "viewer", "viewer-pass")
	var tr Transitions
	c.getJSON("/api/v1/journey/transitions?range=30d&brand=TietokoneKoijarit", &tr)
	if len(tr.Links) == 0 {
		b.Fatal("no journey flow")
	}
	l := tr.Links[0]
	link := url.Values{"transition": {fmt.Sprintf("%d:%s:%s", l.Step, l.From, l.To)}}.Encode()
	node := url.Values{"node": {fmt.Sprintf("%d:%s", l.Step+1, l.To)}}.Encode()
	b.ResetTimer()
	for range b.N {
		for _, rng := range []string{"7d", "30d"} {
			for _, pair := range [][2]string{
				{"/api/v1/timeseries?", "/api/v1/timeseries?compare=previous&"},
				{"/api/v1/timeseries?", "/api/v1/timeseries?interval=1w&smooth=3&"},
				{"/api/v1/summary?", "/api/v1/summary?compare=year&"},
				{"/api/v1/mentions?limit=25&", "/api/v1/mentions?limit=25&" + link + "&"},
				{"/api/v1/mentions?limit=25&", "/api/v1/mentions?limit=25&" + node + "&"},
			} {
				q := "range=" + rng + "&brand=TietokoneKoijarit"
				p0, c0 := apiP95(b, ts.URL+pair[0]+q, 20)
				p1, c1 := apiP95(b, ts.URL+pair[1]+q, 20)
				b.Logf("range %-3s %-60s p95 %6.1f ms CPU %6.1f ms; baseline %s p95 %6.1f ms CPU %6.1f ms: CPU ×%.2f",
					rng, pair[1], p1, c1, pair[0], p0, c0, c1/c0)
			}
		}
	}
	b.ReportMetric(float64(n), "mentions")
}
