package web

import (
	"context"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ewom/ewom/internal/config"
	"github.com/ewom/ewom/internal/store"
	"github.com/ewom/ewom/internal/store/storetest"
)

// tally counts stored rows of brand in [from, to) by sentiment, as the
// competitor view should from the rollups.
func tally(rows []store.Row, brand string, from, to time.Time) (mentions, positive, negative int64) {
	for _, r := range rows {
		if r.Brand != brand || r.PublishedAt.Before(from) || !r.PublishedAt.Before(to) {
			continue
		}
		mentions++
		switch r.Sentiment {
		case "positive":
			positive++
		case "negative":
			negative++
		}
	}
	return
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

// GET /api/v1/competitors on both engines: each brand's figures over the
// period, the comparison period (the one before, or a year earlier) and
// per hour equal counts of the stored rows; shares add up to 100; a label
// correction moves a mention; bad parameters are refused with a reason.
func TestCompetitors(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			rows := seedMentions(t, 300)
			// A year before the second half of the week: two posts.
			yearAgo := weekStart.Add(4*24*time.Hour).AddDate(-1, 0, 0)
			rows = append(rows, postRows("y1", "@y@x.example", yearAgo.Add(time.Hour), 5, brandLabel{"Rival", "negative", -0.5, "service"})...)
			rows = append(rows, postRows("y2", "@y@x.example", yearAgo.Add(2*time.Hour), 5,
				brandLabel{"Rival", "positive", 0.5, "purchase"}, brandLabel{"TietokoneKoijarit", "negative", -0.6, "delivery"})...)
			if err := e.Store.Insert(context.Background(), rows); err != nil {
				t.Fatal(err)
			}
			ts := newTestServer(t, e.Store, ownFirstBrand)
			admin := login(t, ts.URL, "admin", "admin-pass")
			from, to := weekStart.Add(3*24*time.Hour), weekEnd
			period := "from=" + from.Format(time.RFC3339) + "&to=" + to.Format(time.RFC3339)

			check := func(compare string, cmpFrom, cmpTo time.Time) Competitors {
				t.Helper()
				var c Competitors
				admin.getJSON("/api/v1/competitors?"+period+"&compare="+compare, &c)
				if c.Compare != compare || !c.CompareFrom.Equal(cmpFrom) || !c.CompareTo.Equal(cmpTo) || c.Interval != "1d" || len(c.Brands) != 2 {
					t.Fatalf("compare=%s: %+v", compare, c)
				}
				var sov, prevSov float64
				for _, b := range c.Brands {
					sov += b.Current.ShareOfVoice
					prevSov += b.Comparison.ShareOfVoice
				}
				if !near(sov, 100) || (prevSov != 0 && !near(prevSov, 100)) {
					t.Errorf("compare=%s: shares of voice add up to %v and %v", compare, sov, prevSov)
				}
				for _, b := range c.Brands {
					m, p, n := tally(rows, b.Brand, from, to)
					pm, pp, pn := tally(rows, b.Brand, cmpFrom, cmpTo)
					if b.Current.Mentions != m || b.Current.Positive != p || b.Current.Negative != n || b.Comparison.Mentions != pm ||
						b.Comparison.Positive != pp || b.Comparison.Negative != pn {
						t.Errorf("compare=%s %s: current %+v comparison %+v, want %d/%d/%d and %d/%d/%d", compare, b.Brand, b.Current,
							b.Comparison, m, p, n, pm, pp, pn)
					}
					if m == 0 || !near(b.Current.NetSentiment, float64(p-n)/float64(m)*100) || !near(b.Current.NegativeShare, float64(n)/float64(m)*100) {
						t.Errorf("%s: net %v negative share %v from %d/%d/%d", b.Brand, b.Current.NetSentiment, b.Current.NegativeShare, m, p, n)
					}
					if b.Change.Mentions != m-pm || !near(b.Change.NetSentiment, b.Current.NetSentiment-b.Comparison.NetSentiment) ||
						!near(b.Change.ShareOfVoice, b.Current.ShareOfVoice-b.Comparison.ShareOfVoice) ||
						!near(b.Change.NegativeShare, b.Current.NegativeShare-b.Comparison.NegativeShare) ||
						(pm > 0) != (b.Change.MentionsPercent != nil) || (pm > 0 && !near(*b.Change.MentionsPercent, float64(m-pm)/float64(pm)*100)) {
						t.Errorf("compare=%s %s: change %+v", compare, b.Brand, b.Change)
					}
					if b.Own != (b.Brand == "TietokoneKoijarit") || b.Competitor != (b.Brand == "Rival") {
						t.Errorf("%s: own %v competitor %v", b.Brand, b.Own, b.Competitor)
					}
					if len(b.Points) != 4 {
						t.Fatalf("%s: %d points, want 4 days", b.Brand, len(b.Points))
					}
					var sum int64
					for _, pt := range b.Points {
						hm, _, hn := tally(rows, b.Brand, *pt.T, pt.T.Add(24*time.Hour))
						if pt.Mentions != hm || pt.Negative != hn {
							t.Fatalf("%s at %s: %d mentions %d negative, want %d and %d", b.Brand, pt.T, pt.Mentions, pt.Negative, hm, hn)
						}
						sum += pt.Mentions
					}
					if sum != m {
						t.Errorf("%s: points sum to %d, want %d", b.Brand, sum, m)
					}
				}
				return c
			}
			check("previous", weekStart.Add(-24*time.Hour), from)
			year := check("year", from.AddDate(-1, 0, 0), to.AddDate(-1, 0, 0))
			if r := year.Brands[1]; r.Comparison.Mentions != 2 || r.Comparison.Negative != 1 || !near(r.Comparison.ShareOfVoice, 200.0/3) {
				t.Errorf("Rival a year ago: %+v", r.Comparison)
			}

			// A day is read by the hour.
			var day Competitors
			admin.getJSON("/api/v1/competitors?from="+from.Format(time.RFC3339)+"&to="+from.Add(24*time.Hour).Format(time.RFC3339), &day)
			for _, b := range day.Brands {
				if day.Interval != "1h" || len(b.Points) != 24 {
					t.Fatalf("a day: interval %s, %d points", day.Interval, len(b.Points))
				}
				for _, pt := range b.Points {
					if hm, _, _ := tally(rows, b.Brand, *pt.T, pt.T.Add(time.Hour)); pt.Mentions != hm {
						t.Fatalf("%s at %s: %d mentions, want %d", b.Brand, pt.T, pt.Mentions, hm)
					}
				}
			}

			// A correction moves a mention to its corrected sentiment.
			var before Competitors
			admin.getJSON("/api/v1/competitors?"+period+"&brand=Rival", &before)
			var target string
			for _, r := range rows {
				if r.Brand == "Rival" && r.Sentiment == "positive" && !r.PublishedAt.Before(from) && r.PublishedAt.Before(to) {
					target = r.MentionID
					break
				}
			}
			if code, body := admin.post("/api/v1/mentions/"+target+"/labels", `{"brand":"Rival","sentiment":"negative"}`, true); code != http.StatusOK {
				t.Fatalf("correct %s: %d %s", target, code, body)
			}
			var after Competitors
			admin.getJSON("/api/v1/competitors?"+period+"&brand=Rival", &after)
			if len(after.Brands) != 1 || !near(after.Brands[0].Current.ShareOfVoice, 100) ||
				after.Brands[0].Current.Negative != before.Brands[0].Current.Negative+1 ||
				after.Brands[0].Current.Positive != before.Brands[0].Current.Positive-1 ||
				after.Brands[0].Current.Mentions != before.Brands[0].Current.Mentions {
				t.Errorf("after correcting %s: %+v, before %+v", target, after.Brands[0].Current, before.Brands[0].Current)
			}

			for q, want := range map[string]string{"compare=lastweek": "compare:", "brand=Nobody": `Nobody\" is not a configured brand`,
				"range=2w": "range:"} {
				if body := admin.text("GET", "/api/v1/competitors?"+q, nil, http.StatusBadRequest); !strings.Contains(body, want) {
					t.Errorf("%s: %s, want %q", q, body, want)
				}
			}
		})
	}
}

// BenchmarkCompetitors measures GET /api/v1/competitors over 7, 30 and 90
// days against the previous period and a year earlier on
// EWOM_BENCH_MENTIONS mentions (1,000,000 by default, 90 days), beside the
// Overview's time series of every brand over the same range in the same
// run as the baseline: the p95 time and median CPU per request of each,
// and the CPU ratio. Run it alone:
//
//	go test ./internal/web -run '^$' -bench Competitors -benchtime 1x -timeout 30m
func BenchmarkCompetitors(b *testing.B) {
	n := benchMentions(b)
	s := storetest.Embedded(b)
	if err := benchRows(n, 100_000, func(rows []store.Row) error { return s.Insert(context.Background(), rows) }); err != nil {
		b.Fatal(err)
	}
	ts := newTestServer(b, s)
	settleMerges(b, s)
	b.ResetTimer()
	for range b.N {
		for _, rng := range []string{"7d", "30d", "90d"} {
			base95, baseCPU := apiP95(b, ts.URL+"/api/v1/timeseries?range="+rng, 20)
			b.Logf("range %-4s timeseries (baseline)   p95 %6.1f ms  CPU %6.1f ms", rng, base95, baseCPU)
			for _, cmp := range []string{"previous", "year"} {
				p95, cpu := apiP95(b, ts.URL+"/api/v1/competitors?compare="+cmp+"&range="+rng, 20)
				b.Logf("range %-4s competitors %-8s  p95 %6.1f ms  CPU %6.1f ms  CPU × baseline %.2f", rng, cmp, p95, cpu, cpu/baseCPU)
				b.ReportMetric(cpu/baseCPU, "cpu-ratio/"+rng+"-"+cmp)
				b.ReportMetric(p95, "p95-ms/"+rng+"-"+cmp)
			}
		}
	}
}

// ownFirstBrand configures the first brand as the own one (own: true).
func ownFirstBrand(c *config.Config) {
	c.Brands = append([]config.Brand(nil), c.Brands...)
	c.Brands[0].Own = true
}
