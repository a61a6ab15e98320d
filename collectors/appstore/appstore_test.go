package appstore

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ewom/ewom/internal/collector"
	"github.com/ewom/ewom/internal/collector/collectortest"
)

func TestParse(t *testing.T) {
	pg, err := Parse(collectortest.Fixture(t, "page1.json"), "1234567890", "fi", fetched)
	ms, last := pg.Reviews, pg.Last
	if err != nil || len(ms) != 2 || last != 2 || len(pg.Bad) != 0 || len(pg.Estimated) != 0 {
		t.Fatalf("%v %d %d %v %v", err, len(ms), last, pg.Bad, pg.Estimated)
	}
	m := ms[0]
	if m.ID != "11223344556" || *m.Rating != 1 || m.Title != "Toimitus myöhässä 😡" || m.Author.Name != "Matti M." ||
		m.Text != "Tilaus jumissa kolme viikkoa, eikä chat vastaa.\nEn suosittele." || m.Engagement.Likes != 3 ||
		!m.PublishedAt.Equal(time.Date(2026, 11, 20, 6, 12, 1, 0, time.UTC)) ||
		string(m.Extra["app_version"]) != `"4.2.1"` || string(m.Extra["country"]) != `"fi"` || string(m.Extra["app_id"]) != `"1234567890"` {
		t.Errorf("review %+v", m)
	}
	if ms[1].Text != "Быстрая доставка & хорошие цены" || *ms[1].Rating != 5 {
		t.Errorf("second %+v", ms[1])
	}
	pg, err = Parse(collectortest.Fixture(t, "page2-single.json"), "1234567890", "fi", fetched)
	one := pg.Reviews
	if err != nil || len(one) != 1 || pg.Last != 2 || one[0].ID != "11223344000" {
		t.Fatalf("single-entry page: %v %d %d", err, len(one), pg.Last)
	}
	pg, err = Parse(collectortest.Fixture(t, "empty.json"), "999", "us", fetched)
	if err != nil || len(pg.Reviews) != 0 || pg.Last != 1 {
		t.Fatalf("empty page: %v %d %d", err, len(pg.Reviews), pg.Last)
	}
	for _, m := range append(ms, one...) {
		if err := m.Validate(); err != nil {
			t.Error(err)
		}
	}
	for _, bad := range []string{`{}`, `{"feed":`, `[]`} {
		if _, err := Parse([]byte(bad), "1", "us", fetched); err == nil {
			t.Errorf("%s parsed", bad)
		}
	}
}

var fetched = time.Date(2026, 12, 6, 18, 0, 0, 0, time.UTC)

// One review with a bad field costs that review, not the page; one without
// a usable date is stored with the feed's time, flagged.
func TestParseKeepsThePageAroundBadEntries(t *testing.T) {
	body := `{"feed":{"updated":{"label":"2026-12-05T10:00:00-07:00"},"entry":[
{"id":{"label":"1"},"im:rating":{"label":"9"},"updated":{"label":"2026-12-01T10:00:00Z"}},
{"id":{"label":"2"},"im:rating":{"label":"2"},"content":{"label":"Sovellus kaatuu kassalla."}},
{"id":{"label":"3"},"im:rating":{"label":"4"},"updated":{"label":"yesterday"},"content":{"label":"Toimii nyt."}},
{"im:rating":{"label":"3"}},
{"id":{"label":"5"},"im:rating":{"label":"5"},"updated":{"label":"2026-12-02T08:00:00Z"},"content":{"label":"Nopea toimitus."}}]}}`
	pg, err := Parse([]byte(body), "1", "fi", fetched)
	if err != nil {
		t.Fatal(err)
	}
	if len(pg.Reviews) != 3 || pg.Reviews[0].ID != "2" || pg.Reviews[1].ID != "3" || pg.Reviews[2].ID != "5" {
		t.Fatalf("reviews %+v", pg.Reviews)
	}
	if len(pg.Bad) != 2 || !strings.Contains(pg.Bad[0].Error(), "entry 0") || !strings.Contains(pg.Bad[1].Error(), "entry 3") {
		t.Errorf("bad %v", pg.Bad)
	}
	feedTime := time.Date(2026, 12, 5, 17, 0, 0, 0, time.UTC)
	for _, m := range pg.Reviews[:2] {
		if !m.PublishedAt.Equal(feedTime) || string(m.Extra[collector.ExtraTimeEstimated]) != "true" {
			t.Errorf("review %s: time %v, extra %s", m.ID, m.PublishedAt, m.Extra)
		}
	}
	if len(pg.Estimated) != 2 || pg.Estimated[1].ID != "3" {
		t.Errorf("estimated %v", pg.Estimated)
	}
	if _, ok := pg.Reviews[2].Extra[collector.ExtraTimeEstimated]; ok || !pg.Reviews[2].PublishedAt.Equal(time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)) {
		t.Errorf("dated review %+v", pg.Reviews[2])
	}
	// Without the feed's own time, the fetch time.
	pg, _ = Parse([]byte(`{"feed":{"entry":[{"id":{"label":"7"},"im:rating":{"label":"1"},"content":{"label":"Ei toimi."}}]}}`), "1", "fi", fetched)
	if len(pg.Reviews) != 1 || !pg.Reviews[0].PublishedAt.Equal(fetched) {
		t.Errorf("fetch-time fallback %+v", pg.Reviews)
	}
	for _, m := range pg.Reviews {
		if err := m.Validate(); err != nil {
			t.Error(err)
		}
	}
}

func TestCollectAllPagesOnce(t *testing.T) {
	var mu sync.Mutex
	var paths []string
	pages := map[string][]byte{"page=1": collectortest.Fixture(t, "page1.json"), "page=2": collectortest.Fixture(t, "page2-single.json")}
	empty := collectortest.Fixture(t, "empty.json")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths = append(paths, r.URL.Path)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if strings.HasPrefix(r.URL.Path, "/us/") {
			w.Write(empty)
			return
		}
		for p, body := range pages {
			if strings.Contains(r.URL.Path, "/"+p+"/") {
				w.Write(body)
				return
			}
		}
		http.NotFound(w, r)
	}))
	defer srv.Close()
	h := collectortest.New(t, "{type: appstore, name: app, apps: [id1234567890], countries: [fi, US], base_url: '"+srv.URL+"', allow_networks: [127.0.0.1]}")
	ctx := context.Background()
	ms, st := h.Pass(ctx)
	if st.Err != nil || len(ms) != 3 || ms[0].ID != "11223344000" || ms[2].ID != "11223344556" {
		t.Fatalf("first pass: %d %+v", len(ms), st)
	}
	if paths[0] != "/fi/rss/customerreviews/page=1/id=1234567890/sortby=mostrecent/json" {
		t.Errorf("path %s", paths[0])
	}
	ms, st = h.Pass(ctx)
	if st.Err != nil || len(ms) != 0 {
		t.Fatalf("second pass: %d %+v", len(ms), st)
	}
}

func TestCollectStoresThePageAroundABadEntry(t *testing.T) {
	// page1.json with its first review stripped of its date and its second
	// given a rating out of range.
	body := strings.Replace(string(collectortest.Fixture(t, "page1.json")), `"updated":{"label":"2026-11-19T23:12:01-07:00"},`, "", 1)
	body = strings.Replace(body, `"im:rating":{"label":"5"}`, `"im:rating":{"label":"50"}`, 1)
	baseURL := collectortest.ServeJSON(t, []byte(body))
	h := collectortest.New(t, "{type: appstore, name: app, apps: [id1234567890], countries: [fi], max_pages: 1, base_url: '"+baseURL+"', allow_networks: [127.0.0.1]}")
	ms, st := h.Pass(context.Background())
	if st.Err != nil || len(ms) != 1 || ms[0].ID != "11223344556" || st.Skipped != 1 || st.Errors != 2 {
		t.Fatalf("pass: %d mentions %+v", len(ms), st)
	}
	if string(ms[0].Extra[collector.ExtraTimeEstimated]) != "true" || !ms[0].PublishedAt.Equal(time.Date(2026, 11, 20, 7, 0, 0, 0, time.UTC)) {
		t.Errorf("estimated review: %v %s", ms[0].PublishedAt, ms[0].Extra)
	}
}

func TestNewValidates(t *testing.T) {
	for yaml, want := range map[string]string{
		"{type: appstore}":                                "apps:",
		"{type: appstore, apps: [com.example.app]}":       "apps[0]",
		"{type: appstore, apps: ['1'], countries: [fin]}": "countries[0]",
	} {
		src := collectortest.Source(t, yaml)
		var o Options
		if err := src.Decode(&o); err != nil {
			t.Fatal(err)
		}
		if _, err := New(envForTest(), o); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", yaml, err, want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, n := range []string{"page1.json", "page2-single.json", "empty.json"} {
		f.Add(collectortest.Fixture(f, n))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		pg, err := Parse(body, "1", "us", fetched)
		if err != nil {
			return
		}
		if pg.Last < 0 {
			t.Fatalf("last page %d", pg.Last)
		}
		for _, m := range pg.Reviews {
			if m.ID == "" || m.Rating == nil || *m.Rating < 1 || *m.Rating > 5 {
				t.Fatalf("bad review %+v", m)
			}
		}
	})
}

func envForTest() *collector.Env { return &collector.Env{Name: "appstore-test"} }
