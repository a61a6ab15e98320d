package hackernews

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ewom/ewom/internal/collector"
	"github.com/ewom/ewom/internal/collector/collectortest"
)

var fetched = time.Date(2026, 12, 6, 18, 0, 0, 0, time.UTC)

func page(t testing.TB, body []byte) Page {
	t.Helper()
	pg, err := Parse(body, fetched)
	if err != nil {
		t.Fatal(err)
	}
	return *pg
}

func TestHitMention(t *testing.T) {
	r := page(t, collectortest.Fixture(t, "search_by_date.json"))
	for _, h := range r.Hits {
		if h.Err != nil {
			t.Fatal(h.Err)
		}
	}
	c := r.Hits[0].Mention()
	if c.ID != "42000017" || c.URL != "https://news.ycombinator.com/item?id=42000017" || c.ParentURL != "https://news.ycombinator.com/item?id=42000009" ||
		c.Title != "Ask HN: Which Nordic electronics retailers are reliable?" ||
		c.Text != "I ordered from TietokoneKoijarit in Helsinki & the laptop took 3 weeks.\n\nSupport never replied. /rant" ||
		c.Author.Handle != "kaisa" || c.Author.URL != "https://news.ycombinator.com/user?id=kaisa" ||
		!c.PublishedAt.Equal(time.Date(2026, 11, 20, 8, 20, 11, 0, time.UTC)) {
		t.Errorf("comment %+v", c)
	}
	s := r.Hits[1].Mention()
	if s.Engagement.Likes != 31 || s.Engagement.Replies != 12 || s.Text != "Looking at TietokoneKoijarit vs others." {
		t.Errorf("story %+v", s)
	}
	l := r.Hits[2].Mention()
	if l.Text != "" || l.Title != "TietokoneKoijarit expands to Sweden (2026)" || string(l.Extra["link"]) != `"https://news.example.com/tk-sweden"` {
		t.Errorf("link story %+v", l)
	}
	for _, h := range r.Hits {
		if err := h.Mention().Validate(); err != nil {
			t.Error(err)
		}
	}
}

// One hit that cannot be read costs that hit, not the page; one without a
// usable time is kept with the fetch time, flagged.
func TestPageKeepsTheHitsAroundBadOnes(t *testing.T) {
	var r struct {
		Hits []json.RawMessage `json:"hits"`
	}
	if err := json.Unmarshal(collectortest.Fixture(t, "search_by_date.json"), &r); err != nil {
		t.Fatal(err)
	}
	undated := strings.Replace(string(r.Hits[1]), `"created_at_i": 1795158000`, `"created_at_i": null`, 1)
	undated = strings.Replace(undated, `"created_at": "2026-11-20T07:00:00Z"`, `"created_at": "yesterday"`, 1)
	fromString := strings.Replace(string(r.Hits[2]), `"created_at_i": `, `"created_at_x": `, 1)
	body := `{"nbHits": 5, "nbPages": 1, "hits": [` + strings.Join([]string{
		string(r.Hits[0]),
		`{"objectID": "42000099", "created_at_i": 1795190000, "points": "many", "title": "Show HN"}`,
		undated,
		`{"created_at_i": 1795190001, "title": "no id"}`,
		fromString,
		`[]`,
	}, ",") + `]}`
	pg := page(t, []byte(body))
	if len(pg.Hits) != 6 || pg.NbHits != 5 {
		t.Fatalf("%d hits %+v", len(pg.Hits), pg)
	}
	for i, want := range map[int]string{1: `hit 1 (objectID "42000099")`, 3: "hit 3 has no objectID", 5: "hit 5"} {
		if h := pg.Hits[i]; h.Err == nil || !strings.Contains(h.Err.Error(), want) {
			t.Errorf("hit %d: %v, want %q", i, h.Err, want)
		}
	}
	// The unreadable hit keeps its time: it moves the cursor like the rest.
	if pg.Hits[1].CreatedAtI != 1795190000 || pg.Hits[1].ObjectID != "42000099" {
		t.Errorf("unreadable hit %+v", pg.Hits[1])
	}
	for _, i := range []int{0, 2, 4} {
		if pg.Hits[i].Err != nil {
			t.Errorf("hit %d: %v", i, pg.Hits[i].Err)
		}
	}
	if m := pg.Hits[2].Mention(); pg.Hits[2].CreatedAtI != 0 || !m.PublishedAt.Equal(fetched) || string(m.Extra[collector.ExtraTimeEstimated]) != "true" ||
		m.Validate() != nil {
		t.Errorf("undated hit %+v", m)
	}
	if m := pg.Hits[4].Mention(); pg.Hits[4].CreatedAtI == 0 || m.Extra[collector.ExtraTimeEstimated] != nil ||
		!m.PublishedAt.Equal(time.Date(2026, 11, 20, 6, 0, 0, 0, time.UTC)) {
		t.Errorf("hit dated by created_at %+v", m)
	}
}

// fakeAlgolia serves search_by_date over a growing list of hits, newest
// first, honouring created_at_i>=N and <=N, page and hitsPerPage, and like
// Algolia pages through at most the first 1,000 matches (nbHits tells all).
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
	since, until := int64(0), int64(1<<62)
	for filter := range strings.SplitSeq(q.Get("numericFilters"), ",") {
		if v, ok := strings.CutPrefix(filter, "created_at_i>="); ok {
			since, _ = strconv.ParseInt(v, 10, 64)
		} else if v, ok := strings.CutPrefix(filter, "created_at_i<="); ok {
			until, _ = strconv.ParseInt(v, 10, 64)
		}
	}
	var match []Hit
	for _, h := range f.hits {
		if h.CreatedAtI >= since && h.CreatedAtI <= until {
			match = append(match, h)
		}
	}
	// Newest first; within a second in no particular order (reversed ids).
	sort.SliceStable(match, func(i, j int) bool {
		if match[i].CreatedAtI != match[j].CreatedAtI {
			return match[i].CreatedAtI > match[j].CreatedAtI
		}
		return match[i].ObjectID > match[j].ObjectID
	})
	nbHits := len(match)
	match = match[:min(len(match), 1000)]
	per, _ := strconv.Atoi(q.Get("hitsPerPage"))
	page, _ := strconv.Atoi(q.Get("page"))
	lo, hi := min(page*per, len(match)), min((page+1)*per, len(match))
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"hits": match[lo:hi], "nbHits": nbHits, "nbPages": (len(match) + per - 1) / per})
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

// busy adds n hits, perSecond of them in each second from start on.
func (f *fakeAlgolia) busy(start int64, n, perSecond int) {
	for i := 0; i < n; i += perSecond {
		f.add(start+int64(i/perSecond), min(perSecond, n-i))
	}
}

// checkAll fails unless ms are exactly the hits with ids [from, to), each once.
func checkAll(t *testing.T, ms []string, from, to int) {
	t.Helper()
	seen := map[string]int{}
	for _, id := range ms {
		seen[id]++
	}
	for i := from; i < to; i++ {
		if id := strconv.Itoa(i); seen[id] != 1 {
			t.Errorf("hit %s emitted %d times", id, seen[id])
		}
	}
	if len(ms) != to-from {
		t.Errorf("%d hits emitted, want %d", len(ms), to-from)
	}
}

func TestCollectBusyQueryPastAlgoliaLimit(t *testing.T) {
	fa := &fakeAlgolia{}
	fa.add(1795150000, 1)
	srv := httptest.NewServer(fa)
	defer srv.Close()
	h := collectortest.New(t, "{type: hackernews, name: hn, base_url: '"+srv.URL+"', queries: [x], max_pages: 100, allow_networks: [127.0.0.1]}")
	ctx := context.Background()
	if ms, st := h.Pass(ctx); st.Err != nil || len(ms) != 1 {
		t.Fatalf("first: %d %+v", len(ms), st)
	}
	// 2,500 new hits: Algolia pages through only 1,000 of them per query,
	// so the collector must narrow the time range and go on.
	fa.busy(1795150001, 2500, 7)
	ms, st := h.Pass(ctx)
	if st.Err != nil {
		t.Fatal(st.Err)
	}
	checkAll(t, collectortest.IDs(ms), 1001, 3501)
	for i := 1; i < len(ms); i++ {
		if ms[i].PublishedAt.Before(ms[i-1].PublishedAt) {
			t.Fatalf("not oldest first at %d", i)
		}
	}
	if strings.Contains(string(h.Cursor()), "gap") {
		t.Errorf("cursor %s", h.Cursor())
	}
	narrowed := false
	for _, q := range fa.qs {
		narrowed = narrowed || strings.Contains(q, "created_at_i%3C%3D")
	}
	if !narrowed {
		t.Error("no narrowed query")
	}
}

func TestCollectPageCapContinuesNextPass(t *testing.T) {
	fa := &fakeAlgolia{}
	fa.add(1795150000, 1)
	srv := httptest.NewServer(fa)
	defer srv.Close()
	h := collectortest.New(t, "{type: hackernews, name: hn, base_url: '"+srv.URL+"', queries: [x], max_pages: 3, allow_networks: [127.0.0.1]}")
	ctx := context.Background()
	if _, st := h.Pass(ctx); st.Err != nil {
		t.Fatal(st.Err)
	}
	// 750 new hits, 7 a second so pages split seconds; 3 pages a pass.
	fa.busy(1795150001, 750, 7)
	var all []string
	ms, st := h.Pass(ctx)
	if st.Err != nil || len(ms) != 300 {
		t.Fatalf("second: %d %+v", len(ms), st)
	}
	all = append(all, collectortest.IDs(ms)...)
	if !strings.Contains(string(h.Cursor()), `"gap":{"lo":{"since":1795150000,"ids":["1000"]},"hi":`) {
		t.Fatalf("cursor keeps no gap: %s", h.Cursor())
	}
	// More arrive meanwhile; the gap is worked off first, then the new ones.
	fa.add(1795150200, 20)
	for range 3 {
		ms, st = h.Pass(ctx)
		if st.Err != nil {
			t.Fatal(st.Err)
		}
		all = append(all, collectortest.IDs(ms)...)
	}
	checkAll(t, all, 1001, 1771)
	if strings.Contains(string(h.Cursor()), "gap") {
		t.Errorf("gap left: %s", h.Cursor())
	}
	if ms, _ := h.Pass(ctx); len(ms) != 0 {
		t.Errorf("%d repeated", len(ms))
	}
}

func TestCollectFailureKeepsGap(t *testing.T) {
	fa := &fakeAlgolia{}
	fa.add(1795150000, 1)
	fail := false
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		f := fail && r.URL.Query().Get("page") == "2"
		mu.Unlock()
		if f {
			http.Error(w, "overloaded", http.StatusBadGateway)
			return
		}
		fa.ServeHTTP(w, r)
	}))
	defer srv.Close()
	h := collectortest.New(t, "{type: hackernews, name: hn, base_url: '"+srv.URL+"', queries: [x], allow_networks: [127.0.0.1]}")
	ctx := context.Background()
	h.Pass(ctx)
	fa.busy(1795150001, 450, 3)
	mu.Lock()
	fail = true
	mu.Unlock()
	ms, st := h.Pass(ctx)
	if st.Err == nil || !strings.Contains(st.Err.Error(), "HTTP 502") || len(ms) != 200 {
		t.Fatalf("failing pass: %d %v", len(ms), st.Err)
	}
	mu.Lock()
	fail = false
	mu.Unlock()
	rest, st := h.Pass(ctx)
	if st.Err != nil {
		t.Fatal(st.Err)
	}
	checkAll(t, append(collectortest.IDs(ms), collectortest.IDs(rest)...), 1001, 1451)
}

// A page with one hit of the wrong shape and one without a time stores the
// rest, the undated one with the fetch time, and the bad hit still moves the
// cursor, so it is reported once.
func TestCollectStoresThePageAroundABadHit(t *testing.T) {
	body := strings.Replace(string(collectortest.Fixture(t, "search_by_date.json")), `"parent_id": 42000009`, `"parent_id": "42000009"`, 1)
	body = strings.Replace(body, `"created_at_i": 1795154400,`, "", 1)
	body = strings.Replace(body, `"created_at": "2026-11-20T06:00:00.000Z"`, `"created_at": ""`, 1)
	h := collectortest.New(t, "{type: hackernews, name: hn, base_url: '"+collectortest.ServeJSON(t, []byte(body))+"', queries: [x], allow_networks: [127.0.0.1]}")
	before := time.Now().Truncate(time.Second)
	ms, st := h.Pass(context.Background())
	if st.Err != nil || len(ms) != 2 || st.Skipped != 1 || st.Errors != 2 {
		t.Fatalf("pass: %d mentions %+v", len(ms), st)
	}
	undated, story := ms[0], ms[1]
	if undated.ID != "42000000" || string(undated.Extra[collector.ExtraTimeEstimated]) != "true" || undated.PublishedAt.Before(before) {
		t.Errorf("undated hit %s: %v %s", undated.ID, undated.PublishedAt, undated.Extra)
	}
	if story.ID != "42000001" {
		t.Errorf("story %s", story.ID)
	}
	if !strings.Contains(string(h.Cursor()), `{"since":1795162811,"ids":["42000017"]}`) {
		t.Errorf("cursor %s", h.Cursor())
	}
}

func TestCollectMalformed(t *testing.T) {
	baseURL := collectortest.ServeJSON(t, []byte(`{"hits": [{"objectID": "1", "created_at_i": 17951`))
	h := collectortest.New(t, "{type: hackernews, name: hn, base_url: '"+baseURL+"', queries: [x], allow_networks: [127.0.0.1]}")
	_, st := h.Pass(context.Background())
	if st.Err == nil || !strings.Contains(st.Err.Error(), "malformed JSON") || !strings.Contains(st.Err.Error(), baseURL+"/api/v1/search_by_date") {
		t.Fatalf("err %v", st.Err)
	}
}

func FuzzHit(f *testing.F) {
	f.Add(collectortest.Fixture(f, "search_by_date.json"))
	f.Add([]byte(`{"hits":[{"objectID":"1","created_at":"2026-01-01"}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		pg, err := Parse(body, fetched)
		if err != nil {
			return
		}
		for _, h := range pg.Hits {
			if h.Err != nil {
				continue
			}
			if m := h.Mention(); m.ID == "" || m.PublishedAt.IsZero() || h.CreatedAtI < 0 {
				t.Fatalf("bad mention %+v", m)
			}
		}
	})
}

// BenchmarkParse reports hits read per second, on pages of 100 hits.
func BenchmarkParse(b *testing.B) {
	body := collectortest.BenchmarkPage(b, "hits", "objectID", hitsPerPage, map[string]any{"nbHits": 1000, "nbPages": 10}, "search_by_date.json")
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		pg, err := Parse(body, fetched)
		if err != nil || len(pg.Hits) != hitsPerPage || pg.NbPages != 10 || pg.Hits[hitsPerPage-1].Err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(hitsPerPage*b.N)/b.Elapsed().Seconds(), "hits/s")
}
