package reddit

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

func TestPostMention(t *testing.T) {
	var l Listing
	b, _ := os.ReadFile("testdata/new.json")
	if err := json.Unmarshal(b, &l); err != nil {
		t.Fatal(err)
	}
	web, _ := url.Parse("https://www.reddit.com")
	m, err := l.Data.Children[0].Data.Mention(web)
	if err != nil {
		t.Fatal(err)
	}
	if m.ID != "t3_1gx9abc" || m.URL != "https://www.reddit.com/r/Suomi/comments/1gx9abc/toimitusajat/" || m.Author.Handle != "late_laptop" ||
		m.Engagement.Likes != 42 || m.Engagement.Replies != 17 || !m.PublishedAt.Equal(time.Unix(1795162800, 0)) ||
		!strings.Contains(m.Text, `"käsittelyssä" kolme viikkoa & asiakaspalvelu`) {
		t.Errorf("self post %+v", m)
	}
	d, _ := l.Data.Children[1].Data.Mention(web)
	if d.Author.Handle != "" || d.Engagement.Likes != 0 || string(d.Extra["link"]) != `"https://uutiset.example.fi/tk-ruotsi"` || d.Text != "" {
		t.Errorf("link post by a deleted account %+v", d)
	}
	if _, err := (Post{Title: "x"}).Mention(web); err == nil {
		t.Error("post without name accepted")
	}
}

func TestCollectOAuth(t *testing.T) {
	var tokens, unauthorized atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/api/v1/access_token":
			id, secret, ok := r.BasicAuth()
			r.ParseForm()
			if !ok || id != "cid" || secret != "csecret" || r.Form.Get("grant_type") != "client_credentials" {
				w.WriteHeader(401)
				w.Write([]byte(`{"error": "invalid_grant"}`))
				return
			}
			n := tokens.Add(1)
			json.NewEncoder(w).Encode(map[string]any{"access_token": "tok" + string(rune('0'+n)), "token_type": "bearer", "expires_in": 86400})
		case "/r/Suomi/new":
			// The first token is "revoked" to exercise the refresh.
			if r.Header.Get("Authorization") == "Bearer tok1" {
				unauthorized.Add(1)
				w.WriteHeader(401)
				w.Write([]byte(`{"message": "Unauthorized", "error": 401}`))
				return
			}
			if r.URL.Query().Get("raw_json") != "1" {
				http.Error(w, "want raw_json", 400)
				return
			}
			b, _ := os.ReadFile("testdata/new.json")
			w.Write(b)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	t.Setenv("EWOM_REDDIT_CLIENT_ID", "cid")
	t.Setenv("EWOM_REDDIT_CLIENT_SECRET", "csecret")
	h := collectortest.New(t, "{type: reddit, name: rd, subreddits: [Suomi], auth_url: '"+srv.URL+"', api_url: '"+srv.URL+"', allow_networks: [127.0.0.1]}")
	ms, st := h.Pass(context.Background())
	if st.Err != nil || len(ms) != 2 || ms[0].ID != "t3_1gx8zzz" || tokens.Load() != 2 || unauthorized.Load() != 1 {
		t.Fatalf("%d mentions, %+v, %d tokens, %d 401s", len(ms), st, tokens.Load(), unauthorized.Load())
	}
	if !strings.HasPrefix(ms[1].URL, "https://www.reddit.com/r/Suomi/comments/") {
		t.Errorf("permalink %s", ms[1].URL)
	}
	ms, st = h.Pass(context.Background())
	if st.Err != nil || len(ms) != 0 {
		t.Fatalf("second pass: %d %+v", len(ms), st)
	}
}

func TestFallsBackToRSSWithoutCredentials(t *testing.T) {
	feed, err := os.ReadFile("../rss/testdata/reddit.xml")
	if err != nil {
		t.Fatal(err)
	}
	var path atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path.Store(r.URL.Path)
		w.Header().Set("Content-Type", "application/atom+xml; charset=UTF-8")
		w.Write(feed)
	}))
	defer srv.Close()
	t.Setenv("EWOM_REDDIT_CLIENT_ID", "")
	h := collectortest.New(t, "{type: reddit, name: rd, subreddits: [Suomi], base_url: '"+srv.URL+"', allow_networks: [127.0.0.1]}")
	ms, st := h.Pass(context.Background())
	if st.Err != nil || len(ms) != 1 || path.Load() != "/r/Suomi/new/.rss" {
		t.Fatalf("%d mentions, %+v, path %v", len(ms), st, path.Load())
	}
	// The feed entry and the API post are the same mention.
	var l Listing
	b, _ := os.ReadFile("testdata/new.json")
	json.Unmarshal(b, &l)
	web, _ := url.Parse("https://www.reddit.com")
	api, _ := l.Data.Children[0].Data.Mention(web)
	if ms[0].Key() != api.Key() || ms[0].Source != "reddit" {
		t.Errorf("rss %s/%s vs api %s/%s", ms[0].Source, ms[0].ID, api.Source, api.ID)
	}
	if !strings.Contains(string(h.Cursor()), `"r/Suomi"`) {
		t.Errorf("cursor %s", h.Cursor())
	}
	ms, _ = h.Pass(context.Background())
	if len(ms) != 0 {
		t.Errorf("second pass repeated %d", len(ms))
	}
}

func FuzzListing(f *testing.F) {
	b, _ := os.ReadFile("testdata/new.json")
	f.Add(b)
	web, _ := url.Parse("https://www.reddit.com")
	f.Fuzz(func(t *testing.T, body []byte) {
		var l Listing
		if json.Unmarshal(body, &l) != nil {
			return
		}
		for _, c := range l.Data.Children {
			if m, err := c.Data.Mention(web); err == nil && (m.ID == "" || m.PublishedAt.IsZero()) {
				t.Fatalf("bad mention %+v", m)
			}
		}
	})
}
