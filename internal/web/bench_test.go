package web

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/ewom/ewom/internal/memstat"
	"github.com/ewom/ewom/internal/store"
	"github.com/ewom/ewom/internal/store/storetest"
)

// benchRows synthesises n mention rows in the 90 days before the test
// server's "now" (weekEnd), with skewed, realistic label mixes
// (no classifier: 10M would take minutes), in batches for fn.
func benchRows(n, batch int, fn func([]store.Row) error) error {
	rng := rand.New(rand.NewPCG(7, 11))
	pick := func(vs []string, weights []float64) string {
		x := rng.Float64()
		for i, w := range weights {
			if x < w {
				return vs[i]
			}
			x -= w
		}
		return vs[len(vs)-1]
	}
	brandsB := []string{"TietokoneKoijarit", "Rival", "Kilpailija", "Jättimarket", ""}
	sources := []string{"mastodon", "bluesky", "rss", "reddit", "hn", "appstore", "discourse", "webhook"}
	langs := []string{"fi", "en", "sv"}
	sent := []string{"positive", "neutral", "negative"}
	tps := []string{"owned", "earned", "paid", "shared"}
	zipf := rand.NewZipf(rng, 1.1, 2, 400_000)
	span := int64(90 * 24 * time.Hour / time.Second)
	rows := make([]store.Row, 0, batch)
	for i := range n {
		brand := pick(brandsB, []float64{.35, .25, .15, .1})
		author := zipf.Uint64()
		published := weekEnd.Add(-time.Duration(rng.Int64N(span)) * time.Second)
		id := "b" + strconv.Itoa(i)
		text := fmt.Sprintf("%s mention %d about delivery and service", brand, i)
		rows = append(rows, store.Row{MentionID: id, Brand: brand, Source: sources[rng.IntN(len(sources))], SourceID: id,
			URL: "https://social.example/p/" + id, Text: text, AuthorHandle: "@a" + strconv.FormatUint(author, 10) + "@social.example",
			AuthorName: "Author " + strconv.FormatUint(author, 10), AuthorFollowers: uint64(rng.ExpFloat64() * 500),
			PublishedAt: published, IngestedAt: published.Add(time.Minute), Lang: pick(langs, []float64{.5, .4}),
			Likes: uint64(rng.IntN(20)), Sentiment: pick(sent, []float64{.35, .4}), SentimentScore: float32(rng.Float64()*2 - 1),
			Touchpoint: pick(tps, []float64{.1, .35, .05}), JourneyStage: mentionStages[rng.IntN(len(mentionStages))],
			Brands: []string{brand}, ClassifierVersion: "bench", Raw: `{"source":"bench","text":"` + text + `"}`})
		if len(rows) == batch || i == n-1 {
			if err := fn(rows); err != nil {
				return err
			}
			rows = rows[:0]
		}
	}
	return nil
}

var mentionStages = []string{"awareness", "consideration", "purchase", "delivery", "usage", "service", "loyalty", "churn", "none"}

// BenchmarkDashboards fills the embedded engine with EWOM_BENCH_MENTIONS
// mentions (default 1,000,000; the target is 10,000,000) and builds the
// author table, then measures the p95 latency and the CPU time of every API
// call behind the Overview and Journey pages (range 7d, 30d, and 30 days
// with part days at the edges) and the time headless Chromium takes to draw
// the Overview page completely. Run it alone:
//
//	go test ./internal/web -run '^$' -bench Dashboards -benchtime 1x -timeout 60m
func BenchmarkDashboards(b *testing.B) {
	n := benchMentions(b)
	s := benchStore(b, n, "dashboards", nil)
	var srv *Server
	ts := newTestServerWith(b, s, func(w *Server) { srv = w })
	// The author table is built, as a live system keeps it.
	start, cpu0 := time.Now(), memstat.CPU()
	if err := srv.buildAuthorDays(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.Logf("built the author table in %s (CPU %s)", time.Since(start).Round(time.Second), (memstat.CPU() - cpu0).Round(time.Second))
	// Let background merges of the fresh parts settle, as on a live system:
	// the CPU time measured is the process's, merges included.
	settleMerges(b, s)
	b.ResetTimer()
	// The server's day ends at midnight: 7d and 30d are whole days. The last
	// range is 30 days from 13:00 to 13:00, as a dashboard opened in the
	// afternoon asks: the part days at its edges come from the rows.
	afternoon := weekEnd.Add(-11 * time.Hour)
	ranges := map[string]string{"7d": "range=7d", "30d": "range=30d",
		"30d13h": "from=" + afternoon.Add(-30*24*time.Hour).Format(time.RFC3339) + "&to=" + afternoon.Format(time.RFC3339)}
	for range b.N {
		for _, rng := range []string{"7d", "30d", "30d13h"} {
			worst := 0.0
			for _, path := range []string{"/api/v1/meta", "/api/v1/summary", "/api/v1/timeseries", "/api/v1/breakdown?by=brand",
				"/api/v1/breakdown?by=touchpoint&by2=sentiment", "/api/v1/breakdown?by=source&by2=sentiment",
				"/api/v1/breakdown?by=lang&by2=sentiment", "/api/v1/mentions?sentiment=negative&sort=reach&limit=8",
				"/api/v1/authors/top?limit=10", "/api/v1/breakdown?by=journey_stage&by2=sentiment",
				"/api/v1/breakdown?by=journey_stage&by2=touchpoint", "/api/v1/journey/transitions", "/api/v1/journey/authors"} {
				p95, cpu := apiP95(b, ts.URL+path+sep(path)+ranges[rng]+"&brand=TietokoneKoijarit", 20)
				worst = math.Max(worst, p95)
				b.Logf("range %-6s p95 %6.1f ms  CPU %6.1f ms  %s", rng, p95, cpu, path)
			}
			b.ReportMetric(worst, "worst-p95-ms/"+rng)
		}
		br := newBrowser(b, 1366, 900)
		br.signIn(b, ts.URL, "viewer", "viewer-pass")
		var draws []float64
		for range 5 {
			br.open(b, ts.URL+"/?range=7d&brand=TietokoneKoijarit")
			ms, _ := strconv.ParseFloat(eval[string](b, br, `document.body.dataset.readyMs`), 64)
			draws = append(draws, ms)
		}
		slices.Sort(draws)
		b.Logf("overview drawn in %v ms (5 loads)", draws)
		b.ReportMetric(draws[len(draws)-1], "overview-draw-max-ms")
	}
	b.ReportMetric(float64(n), "mentions")
}

// benchStore returns the embedded engine holding the n synthetic mentions
// of benchRows, each batch passed through annotate first unless it is nil.
// With EWOM_BENCH_DIR set, the engine's data lives there and is kept: a
// later run of the same benchmark (kind) with the same n measures the rows
// stored before instead of inserting them again (10M take minutes). The
// directory's file ewom-bench names the benchmark whose rows it holds.
func benchStore(b *testing.B, n int, kind string, annotate func([]store.Row)) store.Store {
	b.Helper()
	dir := os.Getenv("EWOM_BENCH_DIR")
	if dir == "" {
		s := storetest.Embedded(b)
		insertBenchRows(b, s, n, annotate)
		return s
	}
	s := storetest.EmbeddedKept(b, dir)
	rows, err := s.Query(context.Background(), "SELECT toString(count()) AS n FROM "+s.Table("mentions"))
	if err != nil {
		b.Fatal(err)
	}
	marker := filepath.Join(dir, "ewom-bench")
	switch have := string(rows[0]); have {
	case `{"n":"` + strconv.Itoa(n) + `"}`:
		if held, err := os.ReadFile(marker); err != nil || string(held) != kind {
			b.Fatalf("%s holds another benchmark's mentions (%s: %q, %v), not %s's: give an empty directory", dir, marker, held, err, kind)
		}
		b.Logf("%d mentions of %s kept in %s", n, kind, dir)
	case `{"n":"0"}`:
		insertBenchRows(b, s, n, annotate)
		if err := os.WriteFile(marker, []byte(kind), 0o644); err != nil {
			b.Fatal(err)
		}
	default:
		b.Fatalf("%s holds other mentions (%s): give an empty directory", dir, have)
	}
	return s
}

func insertBenchRows(b *testing.B, s store.Store, n int, annotate func([]store.Row)) {
	b.Helper()
	start := time.Now()
	if err := benchRows(n, 100_000, func(rows []store.Row) error {
		if annotate != nil {
			annotate(rows)
		}
		return s.Insert(context.Background(), rows)
	}); err != nil {
		b.Fatal(err)
	}
	b.Logf("inserted %d mentions in %s (%.0f rows/s)", n, time.Since(start).Round(time.Second), float64(n)/time.Since(start).Seconds())
}

// benchMentions is how many mentions a benchmark stores:
// EWOM_BENCH_MENTIONS, by default 1,000,000.
func benchMentions(b *testing.B) int {
	b.Helper()
	v := os.Getenv("EWOM_BENCH_MENTIONS")
	if v == "" {
		return 1_000_000
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		b.Fatalf("EWOM_BENCH_MENTIONS: %v", err)
	}
	return n
}

// apiP95 requests url k times with the API token and returns the p95 of
// the time to answer and the median CPU time of the process (the engine's
// threads included) per request, in ms. On a shared machine the times
// swing with others' load; the CPU time does not.
func apiP95(b *testing.B, url string, k int) (p95, cpu float64) {
	b.Helper()
	var ms, cpus []float64
	for range k {
		req, _ := http.NewRequest("GET", url, nil)
		req.Header.Set("Authorization", "Bearer "+testToken)
		t0, c0 := time.Now(), memstat.CPU()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("%s: %d %s", url, resp.StatusCode, body)
		}
		ms = append(ms, float64(time.Since(t0).Microseconds())/1000)
		cpus = append(cpus, float64((memstat.CPU()-c0).Microseconds())/1000)
	}
	slices.Sort(ms)
	slices.Sort(cpus)
	return ms[int(math.Ceil(0.95*float64(len(ms))))-1], cpus[len(cpus)/2]
}

// settleMerges waits until the engine has run no merge for ten seconds
// (at most ten minutes).
func settleMerges(b *testing.B, s store.Store) {
	b.Helper()
	start, quiet := time.Now(), 0
	for quiet < 10 && time.Since(start) < 10*time.Minute {
		time.Sleep(time.Second)
		rows, err := s.Query(context.Background(), "SELECT count() AS n FROM system.merges")
		if err != nil {
			b.Fatal(err)
		}
		quiet++
		if string(rows[0]) != `{"n":0}` {
			quiet = 0
		}
	}
	b.Logf("merges settled in %s", time.Since(start).Round(time.Second))
}
