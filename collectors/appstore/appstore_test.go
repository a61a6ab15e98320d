package appstore

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ewom/ewom/internal/collector"
	"github.com/ewom/ewom/internal/collector/collectortest"
)

func read(t testing.TB, name string) []byte {
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParse(t *testing.T) {
	ms, last, err := Parse(read(t, "page1.json"), "1234567890", "fi")
	if err != nil || len(ms) != 2 || last != 2 {
		t.Fatalf("%v %d %d", err, len(ms), last)
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
	one, last, err := Parse(read(t, "page2-single.json"), "1234567890", "fi")
	if err != nil || len(one) != 1 || last != 2 || one[0].ID != "11223344000" {
		t.Fatalf("single-entry page: %v %d %d", err, len(one), last)
	}
	none, last, err := Parse(read(t, "empty.json"), "999", "us")
	if err != nil || len(none) != 0 || last != 1 {
		t.Fatalf("empty page: %v %d %d", err, len(none), last)
	}
	for _, m := range append(ms, one...) {
		if err := m.Validate(); err != nil {
			t.Error(err)
		}
	}
	for _, bad := range []string{`{}`, `{"feed":{"entry":{"id":{"label":"1"},"im:rating":{"label":"9"}}}}`, `{"feed":{"entry":[{"id":{"label":"1"},"im:rating":{"label":"2"},"updated":{"label":"yesterday"}}]}}`, `{"feed":`} {
		if _, _, err := Parse([]byte(bad), "1", "us"); err == nil {
			t.Errorf("%s parsed", bad)
		}
	}
}

func TestCollectAllPagesOnce(t *testing.T) {
	var mu sync.Mutex
	var paths []string
	pages := map[string]string{"page=1": "page1.json", "page=2": "page2-single.json"}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths = append(paths, r.URL.Path)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if strings.HasPrefix(r.URL.Path, "/us/") {
			w.Write(read(t, "empty.json"))
			return
		}
		for p, f := range pages {
			if strings.Contains(r.URL.Path, "/"+p+"/") {
				w.Write(read(t, f))
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
		f.Add(read(f, n))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		ms, last, err := Parse(body, "1", "us")
		if err != nil {
			return
		}
		if last < 0 {
			t.Fatalf("last page %d", last)
		}
		for _, m := range ms {
			if m.ID == "" || m.Rating == nil || *m.Rating < 1 || *m.Rating > 5 {
				t.Fatalf("bad review %+v", m)
			}
		}
	})
}

func envForTest() *collector.Env { return &collector.Env{Name: "appstore-test"} }
