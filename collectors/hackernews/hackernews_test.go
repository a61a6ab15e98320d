package hackernews

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ewom/ewom/internal/collector/collectortest"
)

func fixture(t testing.TB) Response {
	b, err := os.ReadFile("testdata/search_by_date.json")
	if err != nil {
		t.Fatal(err)
	}
	var r Response
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestHitMention(t *testing.T) {
	r := fixture(t)
	c, err := r.Hits[0].Mention()
	if err != nil {
		t.Fatal(err)
	}
	if c.ID != "42000017" || c.URL != "https://news.ycombinator.com/item?id=42000017" || c.ParentURL != "https://news.ycombinator.com/item?id=42000009" ||
		c.Title != "Ask HN: Which Nordic electronics retailers are reliable?" ||
		c.Text != "I ordered from TietokoneKoijarit in Helsinki & the laptop took 3 weeks.\n\nSupport never replied. /rant" ||
		c.Author.Handle != "kaisa" || c.Author.URL != "https://news.ycombinator.com/user?id=kaisa" ||
		!c.PublishedAt.Equal(time.Date(2026, 11, 20, 8, 20, 11, 0, time.UTC)) {
		t.Errorf("comment %+v", c)
	}
	s, _ := r.Hits[1].Mention()
	if s.Engagement.Likes != 31 || s.Engagement.Replies != 12 || s.Text != "Looking at TietokoneKoijarit vs others." {
		t.Errorf("story %+v", s)
	}
	l, _ := r.Hits[2].Mention()
	if l.Text != "" || l.Title != "TietokoneKoijarit expands to Sweden (2026)" || string(l.Extra["link"]) != `"https://news.example.com/tk-sweden"` {
		t.Errorf("link story %+v", l)
	}
	for _, h := range r.Hits {
		m, _ := h.Mention()
		if err := m.Validate(); err != nil {
			t.Error(err)
		}
	}
	if _, err := (Hit{}).Mention(); err == nil {
		t.Error("hit without objectID accepted")
	}
	if _, err := (Hit{ObjectID: "1", CreatedAt: "yesterday"}).Mention(); err == nil {
		t.Error("hit without a time accepted")
	}
}

// fakeAlgolia serves search_by_date over a growing list of hits, newest
// first, honouring created_at_i>=N, page and hitsPerPage.
type fakeAlgolia struct {
	mu   sync.Mutex
	hits []Hit
	qs   []string
}

func (f *fakeAlgolia) add(at int64, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for range n {
		id := strconv.Itoa(1000 + len(f.hits))
		title := "story " + id
		f.hits = append(f.hits, Hit{ObjectID: id, CreatedAtI: at, Title: &title, Author: "a"})
	}
}

func (f *fakeAlgolia) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	q := r.URL.Query()
	f.qs = append(f.qs, r.URL.RawQuery)
	var since int64
	fmt.Sscanf(q.Get("numericFilters"), "created_at_i>=%d", &since)
	var match []Hit
	for _, h := range f.hits {
		if h.CreatedAtI >= since {
			match = append(match, h)
		}
	}
	sort.SliceStable(match, func(i, j int) bool { return match[i].CreatedAtI > match[j].CreatedAtI })
	per, _ := strconv.Atoi(q.Get("hitsPerPage"))
	page, _ := strconv.Atoi(q.Get("page"))
	lo, hi := min(page*per, len(match)), min((page+1)*per, len(match))
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(Response{Hits: match[lo:hi], NbPages: (len(match) + per - 1) / per})
}

func TestCollectSinceLastSeenSecond(t *testing.T) {
	fa := &fakeAlgolia{}
	fa.add(1795150000, 3)
	srv := httptest.NewServer(fa)
	defer srv.Close()
	h := collectortest.New(t, "{type: hackernews, name: hn, base_url: '"+srv.URL+"', queries: [TietokoneKoijarit], allow_networks: [127.0.0.1]}")
	ctx := context.Background()
	ms, st := h.Pass(ctx)
	if st.Err != nil || len(ms) != 3 {
		t.Fatalf("first: %d %+v", len(ms), st)
	}
	// Two more in the same second as the last seen, and 150 later ones (two pages).
	fa.add(1795150000, 2)
	fa.add(1795150100, 150)
	ms, st = h.Pass(ctx)
	if st.Err != nil || len(ms) != 152 {
		t.Fatalf("second: %d %+v", len(ms), st)
	}
	if ms[0].ID != "1003" || ms[1].ID != "1004" {
		t.Errorf("order: %s %s", ms[0].ID, ms[1].ID)
	}
	ms, st = h.Pass(ctx)
	if st.Err != nil || len(ms) != 0 {
		t.Fatalf("third: %d %+v", len(ms), st)
	}
	last := fa.qs[len(fa.qs)-1]
	if !strings.Contains(last, "numericFilters=created_at_i%3E%3D1795150100") || !strings.Contains(last, "tags=%28story%2Ccomment%29") {
		t.Errorf("query %s", last)
	}
}

func TestCollectMalformed(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"hits": [{"objectID": "1", "created_at_i": 17951`))
	}))
	defer srv.Close()
	h := collectortest.New(t, "{type: hackernews, name: hn, base_url: '"+srv.URL+"', queries: [x], allow_networks: [127.0.0.1]}")
	_, st := h.Pass(context.Background())
	if st.Err == nil || !strings.Contains(st.Err.Error(), "malformed JSON") || !strings.Contains(st.Err.Error(), srv.URL+"/api/v1/search_by_date") {
		t.Fatalf("err %v", st.Err)
	}
}

func FuzzHit(f *testing.F) {
	b, _ := os.ReadFile("testdata/search_by_date.json")
	f.Add(b)
	f.Add([]byte(`{"hits":[{"objectID":"1","created_at":"2026-01-01"}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var r Response
		if json.Unmarshal(body, &r) != nil {
			return
		}
		for _, h := range r.Hits {
			m, err := h.Mention()
			if err == nil && (m.ID == "" || m.PublishedAt.IsZero()) {
				t.Fatalf("bad mention %+v", m)
			}
		}
	})
}
