package discourse

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ewom/ewom/internal/collector/collectortest"
)

var forum, _ = url.Parse("https://forum.example.org")

func TestLatestItems(t *testing.T) {
	var r latestResponse
	b, _ := os.ReadFile("testdata/latest.json")
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	items := r.items(forum)
	if len(items) != 3 {
		t.Fatalf("%d items", len(items))
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
	var r searchResponse
	b, _ := os.ReadFile("testdata/search.json")
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	items := r.items(forum)
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
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		apiKey.Store(r.Header.Get("Api-Key"))
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		switch r.URL.Path {
		case "/latest.json":
			latestHits.Add(1)
			b, _ := os.ReadFile("testdata/latest.json")
			w.Write(b)
		case "/search.json":
			searchHits.Add(1)
			if r.URL.Query().Get("q") != "TietokoneKoijarit order:latest" {
				http.Error(w, "bad q", 400)
				return
			}
			b, _ := os.ReadFile("testdata/search.json")
			w.Write(b)
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

func FuzzItems(f *testing.F) {
	for _, n := range []string{"testdata/latest.json", "testdata/search.json"} {
		b, _ := os.ReadFile(n)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var l latestResponse
		if json.Unmarshal(body, &l) == nil {
			for _, it := range l.items(forum) {
				if it.m.Source != "discourse" {
					t.Fatal("bad source")
				}
			}
		}
		var s searchResponse
		if json.Unmarshal(body, &s) == nil {
			for _, it := range s.items(forum) {
				if !strings.HasPrefix(it.m.URL, "https://forum.example.org/t/") {
					t.Fatalf("bad url %s", it.m.URL)
				}
			}
		}
	})
}
