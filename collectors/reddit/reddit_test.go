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

	"github.com/ewom/ewom/internal/collector"
	"github.com/ewom/ewom/internal/collector/collectortest"
)

var (
	web, _  = url.Parse("https://www.reddit.com")
	fetched = time.Date(2026, 12, 6, 18, 0, 0, 0, time.UTC)
)

func posts(t testing.TB, body []byte) []Post {
	t.Helper()
	l, err := Parse(body, fetched)
	if err != nil {
		t.Fatal(err)
	}
	return l.Posts
}

func TestPostMention(t *testing.T) {
	ps := posts(t, collectortest.Fixture(t, "new.json"))
	if len(ps) != 2 || ps[0].Err != nil || ps[1].Err != nil {
		t.Fatalf("%+v", ps)
	}
	m := ps[0].Mention(web)
	if m.ID != "t3_1gx9abc" || m.URL != "https://www.reddit.com/r/Suomi/comments/1gx9abc/toimitusajat/" || m.Author.Handle != "late_laptop" ||
		m.Engagement.Likes != 42 || m.Engagement.Replies != 17 || !m.PublishedAt.Equal(time.Unix(1795162800, 0)) ||
		!strings.Contains(m.Text, `"käsittelyssä" kolme viikkoa & asiakaspalvelu`) {
		t.Errorf("self post %+v", m)
	}
	d := ps[1].Mention(web)
	if d.Author.Handle != "" || d.Engagement.Likes != 0 || string(d.Extra["link"]) != `"https://uutiset.example.fi/tk-ruotsi"` || d.Text != "" {
		t.Errorf("link post by a deleted account %+v", d)
	}
}

// badListing is new.json with a post of the wrong shape before the others,
// the first post without created_utc, and a child without a name.
func badListing(t testing.TB) []byte {
	s := strings.Replace(string(collectortest.Fixture(t, "new.json")), `"children":[`, `"children":[{"kind":"t3","data":{"name":"t3_1gxbad","created_utc":1795166400.0,"title":"Kysymys","score":"12"}},`, 1)
	s = strings.Replace(s, `"created":1795162800.0,"created_utc":1795162800.0,`, "", 1)
	return []byte(strings.Replace(s, "\n]}}", ",\n{\"kind\":\"t3\",\"data\":{\"title\":\"nimetön\"}}]}}", 1))
}

// One post that cannot be read costs that post, not the page; one without
// created_utc is kept with the fetch time, flagged.
func TestPostsKeepThePageAroundBadOnes(t *testing.T) {
	ps := posts(t, badListing(t))
	if len(ps) != 4 {
		t.Fatalf("%d posts", len(ps))
	}
	if ps[0].Err == nil || !strings.Contains(ps[0].Err.Error(), `post 0 ("t3_1gxbad")`) || !strings.Contains(ps[0].Err.Error(), "score") || !ps[0].dated() {
		t.Errorf("wrong-typed post: %+v", ps[0])
	}
	if ps[3].Err == nil || !strings.Contains(ps[3].Err.Error(), "post 3 has no name") {
		t.Errorf("nameless post: %v", ps[3].Err)
	}
	m := ps[1].Mention(web)
	if ps[1].Err != nil || ps[1].dated() || !m.PublishedAt.Equal(fetched) || string(m.Extra[collector.ExtraTimeEstimated]) != "true" || m.Validate() != nil {
		t.Errorf("undated post %+v", m)
	}
	if m := ps[2].Mention(web); ps[2].Err != nil || m.Extra[collector.ExtraTimeEstimated] != nil || !m.PublishedAt.Equal(time.Unix(1795159200, 0)) {
		t.Errorf("dated post %+v", m)
	}
}

func TestCollectOAuth(t *testing.T) {
	var tokens, unauthorized atomic.Int32
	listing := collectortest.Fixture(t, "new.json")
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
			w.Write(listing)
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

// A page with posts of the wrong shape and one without a date stores the
// rest, the undated one with the fetch time; the bad post with a time moves
// the cursor, so it is reported once.
func TestCollectStoresThePageAroundABadPost(t *testing.T) {
	body := badListing(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/api/v1/access_token" {
			w.Write([]byte(`{"access_token": "tok", "expires_in": 86400}`))
			return
		}
		w.Write(body)
	}))
	defer srv.Close()
	t.Setenv("EWOM_REDDIT_CLIENT_ID", "cid")
	t.Setenv("EWOM_REDDIT_CLIENT_SECRET", "csecret")
	h := collectortest.New(t, "{type: reddit, name: rd, subreddits: [Suomi], auth_url: '"+srv.URL+"', api_url: '"+srv.URL+"', allow_networks: [127.0.0.1]}")
	before := time.Now().Truncate(time.Second)
	ms, st := h.Pass(context.Background())
	if st.Err != nil || len(ms) != 2 || st.Skipped != 2 || st.Errors != 3 {
		t.Fatalf("pass: %d mentions %+v", len(ms), st)
	}
	if ms[0].ID != "t3_1gx9abc" || string(ms[0].Extra[collector.ExtraTimeEstimated]) != "true" || ms[0].PublishedAt.Before(before) || ms[1].ID != "t3_1gx8zzz" {
		t.Errorf("mentions %s %v %s, %s", ms[0].ID, ms[0].PublishedAt, ms[0].Extra, ms[1].ID)
	}
	if c := string(h.Cursor()); !strings.Contains(c, `{"since":1795166400,"ids":["t3_1gxbad"]}`) {
		t.Errorf("cursor %s", c)
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
	api := posts(t, collectortest.Fixture(t, "new.json"))[0].Mention(web)
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
	f.Add(collectortest.Fixture(f, "new.json"))
	f.Add(badListing(f))
	f.Fuzz(func(t *testing.T, body []byte) {
		l, err := Parse(body, fetched)
		if err != nil {
			return
		}
		for _, p := range l.Posts {
			if p.Err != nil {
				continue
			}
			if m := p.Mention(web); m.ID == "" || m.PublishedAt.IsZero() {
				t.Fatalf("bad mention %+v", m)
			}
		}
	})
}

// BenchmarkParse reports posts read per second, on listings of 100.
func BenchmarkParse(b *testing.B) {
	var fixture struct {
		Data struct {
			Children []json.RawMessage `json:"children"`
		} `json:"data"`
	}
	if err := json.Unmarshal(collectortest.Fixture(b, "new.json"), &fixture); err != nil {
		b.Fatal(err)
	}
	const n = 100
	body := collectortest.Page(`{"kind":"Listing","data":{"after":"t3_next","dist":100,"children":[`, fixture.Data.Children, n, `]}}`)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		l, err := Parse(body, fetched)
		if err != nil || len(l.Posts) != n || l.Data.After != "t3_next" || l.Posts[n-1].Err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "posts/s")
}
