package web

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ewom/ewom/internal/store"
	"github.com/ewom/ewom/internal/store/storetest"
)

// queryLog records the queries a store is asked.
type queryLog struct {
	store.Store
	mu      sync.Mutex
	queries []string
}

func (l *queryLog) Query(ctx context.Context, q string) ([]json.RawMessage, error) {
	l.mu.Lock()
	l.queries = append(l.queries, q)
	l.mu.Unlock()
	return l.Store.Query(ctx, q)
}

func (l *queryLog) reset() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	q := l.queries
	l.queries = nil
	return q
}

func bearerGet(t *testing.T, u string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", u, resp.StatusCode, b)
	}
	return string(b)
}

// TestDailyRollupAnswersAsTheFiveMinuteOne: aggregates read whole days from
// the daily rollup and the rest of the range from the five-minute one, and
// answer exactly as the five-minute rollup alone does: for ranges that
// start and end mid-day, that cross the summary's current/previous
// boundary mid-day, by day and by dimension, with a label correction
// overlaid.
func TestDailyRollupAnswersAsTheFiveMinuteOne(t *testing.T) {
	// Mid-day "now": relative ranges start and end inside days.
	now := weekEnd.Add(-7*time.Hour - 35*time.Minute)
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			seed(t, e.Store, 400)
			log := &queryLog{Store: e.Store}
			tiered := newTestServerWith(t, log, func(w *Server) { w.now = func() time.Time { return now } })
			fine := newTestServerWith(t, e.Store, func(w *Server) {
				w.now = func() time.Time { return now }
				w.tier.known, w.tier.ok = true, false // the five-minute rollup only
			})
			admin := login(t, tiered.URL, "admin", "admin-pass")
			if code, body := admin.post("/api/v1/mentions/m3/labels", `{"sentiment":"positive","note":"test"}`, true); code != http.StatusOK {
				t.Fatalf("correct labels: %d %s", code, body)
			}
			mid := url.QueryEscape(weekStart.Add(30*time.Hour + 10*time.Minute).Format(time.RFC3339))
			for _, q := range []string{"range=30d", "range=7d", "range=24h", "from=" + mid, "from=" + url.QueryEscape(weekStart.Format(time.RFC3339)) + "&to=" + url.QueryEscape(now.Format(time.RFC3339))} {
				for _, path := range []string{"/api/v1/summary", "/api/v1/breakdown?by=brand", "/api/v1/breakdown?by=sentiment&by2=journey_stage",
					"/api/v1/breakdown?by=source&by2=lang&sentiment=negative", "/api/v1/timeseries", "/api/v1/timeseries?brand=TietokoneKoijarit"} {
					p := path + sep(path) + q
					want, got := bearerGet(t, fine.URL+p), bearerGet(t, tiered.URL+p)
					if got != want {
						t.Errorf("%s:\n daily tier %s\n five-minute %s", p, got, want)
					}
				}
			}
			// The tiers are used: a month's summary reads days from the daily rollup.
			log.reset()
			bearerGet(t, tiered.URL+"/api/v1/summary?range=30d")
			if qs := strings.Join(log.reset(), "\n"); !strings.Contains(qs, e.Store.Table("mentions_1d")) {
				t.Errorf("a 30-day summary did not read the daily rollup:\n%s", qs)
			}
			bearerGet(t, tiered.URL+"/api/v1/timeseries?range=7d")
			if qs := strings.Join(log.reset(), "\n"); strings.Contains(qs, e.Store.Table("mentions_1d")) {
				t.Errorf("an hourly series read the daily rollup:\n%s", qs)
			}
		})
	}
}
