package web

import (
	"encoding/csv"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ewom/ewom/internal/memstat"
	"github.com/ewom/ewom/internal/store/storetest"
)

// readExport requests a CSV export with the API token and returns its
// records after the header, failing on any other answer.
func readExport(t testing.TB, base, query string) [][]string {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/api/v1/mentions/export?"+query, nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("export %s: %d %s", query, resp.StatusCode, b)
	}
	recs, err := csv.NewReader(resp.Body).ReadAll()
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
// through the real server, reporting the time and how far the process's
// resident set rose above where it stood before the export (the embedded
// engine's memory is the process's; the ClickHouse server's is its own).
//
//	go test ./internal/web -run '^$' -bench Export50000 -benchtime 3x
func BenchmarkExport50000(b *testing.B) {
	for _, e := range storetest.Engines(b) {
		b.Run(e.Name, func(b *testing.B) {
			seed(b, e.Store, 50_000)
			ts := newTestServer(b, e.Store)
			var rise int64
			for b.Loop() {
				memstat.RestartPeak()
				start := memstat.Current()
				if n := len(readExport(b, ts.URL, week+"&limit=50000")); n != 50_000 {
					b.Fatalf("%d rows", n)
				}
				rise = max(rise, memstat.Peak()-start)
			}
			b.ReportMetric(float64(rise)/1e6, "rss-rise-MB")
		})
	}
}
