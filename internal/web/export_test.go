package web

import (
	"context"
	"encoding/csv"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ewom/ewom/internal/memstat"
	"github.com/ewom/ewom/internal/store"
	"github.com/ewom/ewom/internal/store/storetest"
)

// readExport requests a CSV export with the API token and returns its
// records after the header, failing on any other answer.
func readExport(t testing.TB, base, query string) [][]string {
	t.Helper()
	c := &client{t: t, base: base, http: http.DefaultClient}
	resp := c.do("GET", "/api/v1/mentions/export?"+query, nil, map[string]string{"Authorization": "Bearer " + testToken})
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("export %s: %d %s", query, resp.StatusCode, b)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(body), bom))).ReadAll()
	if err != nil {
		t.Fatalf("export %s: %v", query, err)
	}
	if len(recs) == 0 || recs[0][0] != "mention_id" {
		t.Fatalf("export %s: no header", query)
	}
	return recs[1:]
}

// Exports of the UI's default 10,000 rows and of the documented 50,000 work
// on both engines, newest first, each mention × brand once. (They used to
// send every id back to the engine in one IN list, over its query size limit
// from about 7,300 rows.)
func TestExportOf50000Rows(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			seed(t, e.Store, 50_000)
			ts := newTestServer(t, e.Store)
			for _, c := range []struct {
				query string
				rows  int
			}{{week, 10_000}, {week + "&limit=50000", 50_000}} {
				start := time.Now()
				recs := readExport(t, ts.URL, c.query)
				t.Logf("%s: %d rows in %s", c.query, len(recs), time.Since(start).Round(time.Millisecond))
				if len(recs) != c.rows {
					t.Fatalf("%s: %d rows, want %d", c.query, len(recs), c.rows)
				}
				seen := map[string]bool{}
				for i, r := range recs {
					if key := r[0] + "|" + r[1]; seen[key] {
						t.Fatalf("row %d: %s twice", i, key)
					} else {
						seen[key] = true
					}
					if i > 0 && r[2] > recs[i-1][2] {
						t.Fatalf("row %d published %s after row %d's %s: not newest first", i, r[2], i-1, recs[i-1][2])
					}
					if r[6] == "" || r[11] == "" {
						t.Fatalf("row %d has no text or sentiment: %q", i, strings.Join(r, ","))
					}
				}
			}
		})
	}
}

// BenchmarkExport50000 exports 50,000 mention rows as CSV on each engine
// through the real server (the client reading them in the same process),
// reporting the time, how far the process's resident set rose above where
// it stood before the export, and its peak (the embedded engine's memory is
// the process's; the ClickHouse server's is its own).
//
//	go test ./internal/web -run '^$' -bench Export50000 -benchtime 3x
func BenchmarkExport50000(b *testing.B) {
	for _, e := range storetest.Engines(b) {
		b.Run(e.Name, func(b *testing.B) {
			seed(b, e.Store, 50_000)
			ts := newTestServer(b, e.Store)
			var rise, peak int64
			for b.Loop() {
				memstat.RestartPeak()
				start := memstat.Current()
				if n := len(readExport(b, ts.URL, week+"&limit=50000")); n != 50_000 {
					b.Fatalf("%d rows", n)
				}
				peak = max(peak, memstat.Peak())
				rise = max(rise, memstat.Peak()-start)
			}
			b.ReportMetric(float64(rise)/1e6, "rss-rise-MB")
			b.ReportMetric(float64(peak)/1e6, "peak-rss-MB")
		})
	}
}

// Cells that a spreadsheet would run as a formula — also after leading
// spaces or line breaks — are defused in every export: the mention CSV and
// the corrections' CSV and TSV. Plain numbers stay numbers.
func TestExportsDefuseFormulas(t *testing.T) {
	s := storetest.Embedded(t)
	payloads := []string{" =1+1", "\n=HYPERLINK(\"http://evil.example\")", "\r\n+SUM(A1)", "  @cmd", "\t-2+3", "=x"}
	var rows []store.Row
	for i, p := range payloads {
		at := weekStart.Add(time.Duration(i) * time.Hour)
		id := "f" + strconv.Itoa(i)
		rows = append(rows, store.Row{MentionID: id, Brand: "Rival", Source: "rss", SourceID: id, Title: p, Text: p + " Rival",
			AuthorHandle: p, PublishedAt: at, IngestedAt: at, Lang: "en", Sentiment: "neutral", SentimentScore: -0.5,
			Touchpoint: "earned", JourneyStage: "none", Brands: []string{"Rival"}, ClassifierVersion: "t",
			Raw: `{"source":"rss","text":"x","published_at":"2026-11-20T00:00:00Z"}`})
	}
	if err := s.Insert(context.Background(), rows); err != nil {
		t.Fatal(err)
	}
	ts := newTestServer(t, s)
	admin := login(t, ts.URL, "admin", "admin-pass")
	for i := range payloads {
		if code, b := admin.post("/api/v1/mentions/f"+strconv.Itoa(i)+"/labels", `{"sentiment":"negative"}`, true); code != http.StatusOK {
			t.Fatalf("correct f%d: %d %s", i, code, b)
		}
	}
	dangerous := func(cell string) bool {
		c := strings.TrimLeft(cell, " \t\r\n")
		return c != "" && strings.ContainsRune("=+-@", rune(c[0])) && strings.Trim(c, "-0123456789.") != ""
	}
	check := func(what string, recs [][]string) {
		t.Helper()
		n := 0
		for _, r := range recs {
			for _, cell := range r {
				if dangerous(cell) {
					t.Errorf("%s: cell %q is not defused", what, cell)
				}
				if strings.HasPrefix(cell, "'") {
					n++
				}
			}
		}
		if n < len(payloads) {
			t.Errorf("%s: %d defused cells, want at least %d", what, n, len(payloads))
		}
	}
	check("mentions CSV", readExport(t, ts.URL, week))
	for _, r := range readExport(t, ts.URL, week) {
		if r[12] != "-0.500" {
			t.Errorf("sentiment_score %q: a number must stay a number", r[12])
		}
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(admin.text("GET", "/api/v1/corrections?format=csv", nil, http.StatusOK), bom))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	check("corrections CSV", recs[1:])
	var tsv [][]string
	for line := range strings.Lines(admin.text("GET", "/api/v1/corrections?format=tsv", nil, http.StatusOK)) {
		tsv = append(tsv, strings.Split(strings.TrimSuffix(line, "\n"), "\t"))
	}
	check("corrections TSV", tsv)
}
