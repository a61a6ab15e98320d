package discourse

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ewom/ewom/internal/collector"
	"github.com/ewom/ewom/internal/collector/collectortest"
)

var (
	forum, _ = url.Parse("https://forum.example.org")
	fetched  = time.Date(2026, 12, 6, 18, 0, 0, 0, time.UTC)
)

// readPage reads body with parse (parseLatest, parseSearch).
func readPage(t testing.TB, parse func([]byte, *url.URL, time.Time) (feedPage, error), body []byte) feedPage {
	t.Helper()
	pg, err := parse(body, forum, fetched)
	if err != nil {
		t.Fatal(err)
	}
	return pg
}

func TestLatestItems(t *testing.T) {
	pg := readPage(t, parseLatest, collectortest.Fixture(t, "latest.json"))
	items := pg.items
	if len(items) != 3 || len(pg.damaged) != 0 {
		t.Fatalf("%d items %v", len(items), pg.damaged)
	}
	for _, it := range items {
		if it.err != nil || it.estimated != nil {
			t.Fatalf("%+v", it)
		}
	}
	m := items[0].m
	if items[0].id != "124" || m.ID != "forum.example.org/t/124" || m.URL != "https://forum.example.org/t/tietokonekoijarit-tilaus-jumissa/124" ||
		m.Author.Handle != "kaisa_k" || m.Author.URL != "https://forum.example.org/u/kaisa_k" || m.Engagement.Likes != 5 || m.Engagement.Replies != 3 ||
		!m.PublishedAt.Equal(time.Date(2026, 11, 20, 7, 30, 0, 0, time.UTC)) {
		t.Errorf("topic %+v", m)
	}
	if items[1].m.Text != "Ask for help with orders & deliveries here…" {
		t.Errorf("excerpt %q", items[1].m.Text)
	}
}

func TestSearchItems(t *testing.T) {
	items := readPage(t, parseSearch, collectortest.Fixture(t, "search.json")).items
	m := items[0].m
	if items[0].id != "9001" || m.URL != "https://forum.example.org/t/tietokonekoijarit-tilaus-jumissa/124/3" ||
		m.ParentURL != "https://forum.example.org/t/tietokonekoijarit-tilaus-jumissa/124" || m.Title != "TietokoneKoijarit: tilaus jumissa" ||
		m.Text != "…tilasin TietokoneKoijareilta ja toimitus on myöhässä…" || m.Author.Name != "Kaisa" {
		t.Errorf("post %+v", m)
	}
	if items[1].m.ParentURL != "" {
		t.Errorf("first post has a parent: %+v", items[1].m)
	}
}

func TestCollect(t *testing.T) {
	var latestHits, searchHits atomic.Int32
	var apiKey atomic.Value
	apiKey.Store("")
	latest, search := collectortest.Fixture(t, "latest.json"), collectortest.Fixture(t, "search.json")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		apiKey.Store(r.Header.Get("Api-Key"))
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		switch r.URL.Path {
		case "/latest.json":
			latestHits.Add(1)
			w.Write(latest)
		case "/search.json":
			searchHits.Add(1)
			if r.URL.Query().Get("q") != "TietokoneKoijarit order:latest" {
				http.Error(w, "bad q", 400)
				return
			}
			w.Write(search)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	t.Setenv("FORUM_KEY", "k123")
	h := collectortest.New(t, "{type: discourse, name: forum, base_url: '"+srv.URL+"', latest: true, queries: [TietokoneKoijarit], api_key_env: FORUM_KEY, api_username: system, allow_networks: [127.0.0.1]}")
	ctx := context.Background()
	ms, st := h.Pass(ctx)
	if st.Err != nil || len(ms) != 5 || apiKey.Load() != "k123" {
		t.Fatalf("first pass: %d %+v", len(ms), st)
	}
	// Oldest first within each feed.
	if ms[0].ID != "127.0.0.1:"+strings.Split(srv.URL, ":")[2]+"/t/12" || ms[3].Author.Handle != "sam" {
		t.Errorf("order: %s, %+v", ms[0].ID, ms[3])
	}
	ms, st = h.Pass(ctx)
	if st.Err != nil || len(ms) != 0 || st.Skipped != 5 {
		t.Fatalf("second pass: %d %+v", len(ms), st)
	}
	if string(h.Cursor()) != `{"topic":"124","search":{"TietokoneKoijarit":"9001"}}` {
		t.Errorf("cursor %s", h.Cursor())
	}
}

// badLatest is latest.json with a topic of the wrong shape, the first topic
// without created_at, a topic without an id and a user of the wrong shape.
func badLatest(t testing.TB) []byte {
	s := strings.Replace(string(collectortest.Fixture(t, "latest.json")), `"topics":[`, `"topics":[{"id":130,"title":"Palautus?","posters":{"user_id":7}},`, 1)
	s = strings.Replace(s, `"created_at":"2026-11-20T07:30:00.000Z",`, "", 1)
	s = strings.Replace(s, `"topics":[`, `"topics":[{"title":"no id","created_at":"2026-11-20T09:00:00.000Z"},`, 1)
	return []byte(strings.Replace(s, `{"id":1,"username":"sam","name":"Sam Saffron"`, `{"id":1,"username":"sam","name":["Sam","Saffron"]`, 1))
}

// One topic or post that cannot be read costs only itself; one without
// created_at is kept with the fetch time, flagged; a user or topic the page
// lists that cannot be read leaves its items without it.
func TestPagesKeepTheItemsAroundBadOnes(t *testing.T) {
	pg := readPage(t, parseLatest, badLatest(t))
	if len(pg.items) != 5 || len(pg.damaged) != 1 || !strings.Contains(pg.damaged[0].Error(), "user 0 (id 1)") {
		t.Fatalf("%d items, damaged %v", len(pg.items), pg.damaged)
	}
	if e := pg.items[0].err; e == nil || !strings.Contains(e.Error(), "topic 0 has no id") {
		t.Errorf("topic without id: %v", e)
	}
	if it := pg.items[1]; it.err == nil || it.id != "130" || !strings.Contains(it.err.Error(), "topic 1 (id 130)") || it.m != nil {
		t.Errorf("wrong-typed topic: %+v", it)
	}
	undated := pg.items[2]
	if undated.err != nil || undated.estimated == nil || !undated.m.PublishedAt.Equal(fetched) ||
		string(undated.m.Extra[collector.ExtraTimeEstimated]) != "true" || undated.m.Author.Handle != "kaisa_k" || undated.m.Validate() != nil {
		t.Errorf("undated topic %+v", undated)
	}
	if it := pg.items[4]; it.err != nil || it.estimated != nil || it.m.Author.Handle != "" {
		t.Errorf("topic by the unreadable user: %+v", it.m)
	}

	s := strings.Replace(string(collectortest.Fixture(t, "search.json")), `"like_count":2,`, `"like_count":"2",`, 1)
	s = strings.Replace(s, `"created_at":"2026-11-20T07:30:00.000Z","like_count":0`, `"created_at":null,"like_count":0`, 1)
	spg := readPage(t, parseSearch, []byte(s))
	if len(spg.items) != 2 || spg.items[0].err == nil || !strings.Contains(spg.items[0].err.Error(), "post 0 (id 9001)") {
		t.Fatalf("search items %+v", spg.items)
	}
	if it := spg.items[1]; it.err != nil || !it.m.PublishedAt.Equal(fetched) || it.estimated == nil {
		t.Errorf("undated post %+v", it)
	}
}

// A page with one topic of the wrong shape, one without an id and one
// without a date stores the rest, and the bad topic's id moves the cursor.
func TestCollectStoresThePageAroundABadTopic(t *testing.T) {
	body := badLatest(t)
	baseURL := collectortest.ServeJSON(t, body)
	h := collectortest.New(t, "{type: discourse, name: forum, base_url: '"+baseURL+"', allow_networks: [127.0.0.1]}")
	before := time.Now().Truncate(time.Second)
	ms, st := h.Pass(context.Background())
	// 3 topics stored; 2 skipped; errors: 2 unreadable topics, 1 unreadable
	// user, 1 estimated time.
	if st.Err != nil || len(ms) != 3 || st.Skipped != 2 || st.Errors != 4 {
		t.Fatalf("pass: %d mentions %+v", len(ms), st)
	}
	last := ms[len(ms)-1]
	if !strings.HasSuffix(last.ID, "/t/124") || string(last.Extra[collector.ExtraTimeEstimated]) != "true" || last.PublishedAt.Before(before) {
		t.Errorf("undated topic %s %v %s", last.ID, last.PublishedAt, last.Extra)
	}
	if string(h.Cursor()) != `{"topic":"130"}` {
		t.Errorf("cursor %s", h.Cursor())
	}
}

func FuzzItems(f *testing.F) {
	for _, n := range []string{"latest.json", "search.json"} {
		f.Add(collectortest.Fixture(f, n))
	}
	f.Add(badLatest(f))
	f.Fuzz(func(t *testing.T, body []byte) {
		if l, err := parseLatest(body, forum, fetched); err == nil {
			for _, it := range l.items {
				if it.err == nil && (it.m.Source != "discourse" || it.id == "" || it.m.PublishedAt.IsZero()) {
					t.Fatalf("bad topic %+v", it)
				}
			}
		}
		if s, err := parseSearch(body, forum, fetched); err == nil {
			for _, it := range s.items {
				if it.err == nil && !strings.HasPrefix(it.m.URL, "https://forum.example.org/t/") {
					t.Fatalf("bad url %s", it.m.URL)
				}
			}
		}
	})
}

// BenchmarkParse reports topics read and normalised per second, on /latest
// pages of 30 with their users.
func BenchmarkParse(b *testing.B) {
	var fixture struct {
		Users     json.RawMessage `json:"users"`
		TopicList struct {
			Topics []json.RawMessage `json:"topics"`
		} `json:"topic_list"`
	}
	if err := json.Unmarshal(collectortest.Fixture(b, "latest.json"), &fixture); err != nil {
		b.Fatal(err)
	}
	const n = 30
	body := collectortest.Page(`{"users":`+string(fixture.Users)+`,"topic_list":{"per_page":30,"topics":[`, fixture.TopicList.Topics, n, `]}}`)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		pg, err := parseLatest(body, forum, fetched)
		if err != nil || len(pg.items) != n || pg.items[n-1].err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "topics/s")
}
