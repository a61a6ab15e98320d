package x

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ewom/ewom/internal/collector"
	"github.com/ewom/ewom/internal/collector/collectortest"
	"github.com/ewom/ewom/internal/mention"
)

var (
	fetched = time.Date(2026, 12, 6, 18, 0, 0, 0, time.UTC)
	brand   = map[string]bool{"koijarit": true}
)

func ptr(s string) *string { return &s }

func TestQueries(t *testing.T) {
	qs, err := Queries(Options{Keywords: []string{"TietokoneKoijarit", "Tietokone Koijarit"}, Handles: []string{"@koijarit"},
		Hashtags: []string{"#tkoijarit"}, Langs: []string{"fi", "sv"}})
	want := `(TietokoneKoijarit OR "Tietokone Koijarit" OR #tkoijarit OR @koijarit OR from:koijarit) -is:retweet (lang:fi OR lang:sv)`
	if err != nil || len(qs) != 1 || qs[0] != want {
		t.Fatalf("got %q, %v; want %q", qs, err, want)
	}
	qs, _ = Queries(Options{Keywords: []string{"koijarit"}, Langs: []string{"fi"}, Operators: ptr("")})
	if len(qs) != 1 || qs[0] != "koijarit lang:fi" {
		t.Errorf("one term, no operators: %q", qs)
	}

	// Many brand names are split into queries that each fit 512
	// characters; with a Pro tier's 4096 they fit one.
	var names []string
	for i := range 60 {
		names = append(names, fmt.Sprintf("Kauppa%02d Oy", i))
	}
	qs, err = Queries(Options{Keywords: names, Operators: ptr("-is:retweet -is:nullcast")})
	if err != nil || len(qs) < 2 {
		t.Fatalf("split: %d queries, %v", len(qs), err)
	}
	seen := 0
	for _, q := range qs {
		if len(q) > 512 || !strings.HasSuffix(q, ") -is:retweet -is:nullcast") {
			t.Errorf("query of %d characters: %q", len(q), q)
		}
		seen += strings.Count(q, `"Kauppa`)
	}
	if seen != 60 {
		t.Errorf("%d of 60 names in the queries", seen)
	}
	if qs, err := Queries(Options{Keywords: names, MaxQueryLength: 4096}); err != nil || len(qs) != 1 {
		t.Errorf("pro tier: %d queries, %v", len(qs), err)
	}

	for _, o := range []Options{
		{},
		{Handles: []string{"koijarit.fi"}},
		{Hashtags: []string{"two words"}},
		{Keywords: []string{strings.Repeat("pitkä", 120)}},
	} {
		if _, err := Queries(o); err == nil {
			t.Errorf("%+v: no error", o)
		}
	}
}

func TestParse(t *testing.T) {
	p, err := Parse(collectortest.Fixture(t, "search_page1.json"), brand, fetched)
	if err != nil || len(p.Posts) != 4 || p.Meta.NextToken == "" || p.Meta.NewestID != "2129504241054646349" {
		t.Fatalf("%+v %v", p, err)
	}
	for _, post := range p.Posts {
		if post.Err != nil || post.Mention == nil || post.Estimated != nil {
			t.Fatalf("post %+v", post)
		}
		if err := post.Mention.Validate(); err != nil {
			t.Error(err)
		}
	}
	reply := p.Posts[0].Mention
	if reply.URL != "https://x.com/koijarit/status/2129504241054646349" || reply.ParentURL != "https://x.com/i/web/status/2129485534458810369" ||
		string(reply.Extra[mention.ExtraByBrand]) != "true" || reply.Author.Followers != 15402 || reply.Lang != "fi" ||
		string(reply.Extra["conversation_id"]) != `"2129485534458810369"` || !reply.PublishedAt.Equal(time.Date(2026, 12, 6, 9, 12, 30, 0, time.UTC)) {
		t.Errorf("brand reply %+v %s", reply, reply.Extra)
	}
	sv := p.Posts[1].Mention
	if sv.Author.Handle != "linaberg_" || sv.Author.Name != "Lina Berg" || sv.Author.URL != "https://x.com/linaberg_" ||
		sv.Engagement != (mention.Engagement{Likes: 11, Reposts: 3, Replies: 0}) || sv.Extra[mention.ExtraByBrand] != nil || sv.ParentURL != "" {
		t.Errorf("customer post %+v", sv)
	}
	quote := p.Posts[2].Mention
	if !strings.HasPrefix(quote.Text, "TietokoneKoijarit support fixed my screen under warranty in a week & no questions") ||
		string(quote.Extra["quoted_id"]) != `"2129201230119313408"` || string(quote.Extra["impressions"]) != "230" {
		t.Errorf("quote %+v %s", quote, quote.Extra)
	}
	p2, _ := Parse(collectortest.Fixture(t, "search_page2.json"), brand, fetched)
	if m := p2.Posts[1].Mention; m.Lang != "" || m.Text != "#TietokoneKoijarit 🔥🔥" {
		t.Errorf("undetermined language %+v", m)
	}
}

// A real recorded response with X's default fields only: no created_at,
// no author. Each post is dated by its snowflake id, flagged, and linked
// without a username.
func TestParseRecordedDefaultFields(t *testing.T) {
	p, err := Parse(collectortest.Fixture(t, "tweepy_search_recent.json"), brand, fetched)
	if err != nil || len(p.Posts) != 10 {
		t.Fatalf("%d posts, %v", len(p.Posts), err)
	}
	m := p.Posts[0].Mention
	// "2022-10-07 22:42:12.637103 tweepy" was posted a moment after the
	// time it names.
	if p.Posts[0].Estimated == nil || m.URL != "https://x.com/i/web/status/1578516068309794817" || m.Author != (mention.Author{}) ||
		string(m.Extra[collector.ExtraTimeEstimated]) != "true" || m.PublishedAt.Sub(time.Date(2022, 10, 7, 22, 42, 12, 637e6, time.UTC)).Abs() > time.Second {
		t.Errorf("%+v at %v", m, m.PublishedAt)
	}
}

// badPage is search_page1.json with a post of the wrong shape first, one
// without an id, the second post without created_at, and a repost.
func badPage(t testing.TB) []byte {
	s := string(collectortest.Fixture(t, "search_page1.json"))
	s = strings.Replace(s, `"data": [`, `"data": [{"id": "2129504241054646350", "text": "Koijarit?", "public_metrics": {"like_count": "many"}},
		{"text": "ei tunnistetta"}, {"id": "2129504241054646351", "text": "RT @koijarit: Joulukalenteri auki!", "referenced_tweets": [{"type": "retweeted", "id": "1"}]},`, 1)
	return []byte(strings.Replace(s, `"created_at": "2026-12-06T08:45:02.000Z",`, "", 1))
}

func TestParseKeepsThePageAroundBadPosts(t *testing.T) {
	p, err := Parse(badPage(t), brand, fetched)
	if err != nil || len(p.Posts) != 7 {
		t.Fatalf("%d posts, %v", len(p.Posts), err)
	}
	if e := p.Posts[0].Err; e == nil || !strings.Contains(e.Error(), `post 0 (id "2129504241054646350")`) || !strings.Contains(e.Error(), "like_count") || p.Posts[0].ID == "" {
		t.Errorf("wrong-typed post: %v", e)
	}
	if e := p.Posts[1].Err; e == nil || !strings.Contains(e.Error(), "post 1 has no numeric id") {
		t.Errorf("post without id: %v", e)
	}
	if p.Posts[2].Skip != "repost" || p.Posts[2].Mention != nil {
		t.Errorf("repost: %+v", p.Posts[2])
	}
	undated := p.Posts[4]
	if undated.Estimated == nil || string(undated.Mention.Extra[collector.ExtraTimeEstimated]) != "true" ||
		!undated.Mention.PublishedAt.Equal(time.Date(2026, 12, 6, 8, 45, 2, 0, time.UTC)) {
		t.Errorf("undated post dated by its id: %+v", undated.Mention)
	}
	for _, body := range []string{`[]`, `{"errors":[{"title":"Invalid Request","detail":"One or more parameters to your request was invalid."}]}`, `{}`} {
		if _, err := Parse([]byte(body), brand, fetched); err == nil {
			t.Errorf("%s: no error", body)
		}
	}
	if p, err := Parse([]byte(`{"meta":{"result_count":0}}`), brand, fetched); err != nil || len(p.Posts) != 0 {
		t.Errorf("empty result: %v", err)
	}
}

// server replays the fixtures: the first search (no since_id) sees only
// page 2's older posts, a later one the newer page 1 and, by next_token,
// the end of the results.
type server struct {
	t *testing.T
	*collectortest.API
	status int
	header http.Header
	body   string
}

func (s *server) serve(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if r.URL.Path != "/2/tweets/search/recent" || r.Header.Get("Authorization") != "Bearer t0ken" || q.Get("expansions") != "author_id" ||
		q.Get("tweet.fields") != tweetFields || q.Get("user.fields") != userFields || q.Get("max_results") != "100" {
		http.Error(w, `{"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"}`, http.StatusUnauthorized)
		return
	}
	for k, v := range s.header {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if s.status != 0 {
		w.WriteHeader(s.status)
		w.Write([]byte(s.body))
		return
	}
	switch {
	case q.Get("next_token") != "" || q.Get("until_id") != "" || q.Get("since_id") == "2129504241054646349":
		w.Write([]byte(`{"meta":{"result_count":0}}`))
	case q.Get("since_id") == "":
		w.Write(collectortest.Fixture(s.t, "search_page2.json"))
	default:
		w.Write(collectortest.Fixture(s.t, "search_page1.json"))
	}
}

func newServer(t *testing.T) (*server, string) {
	s := &server{t: t}
	s.API = collectortest.NewAPI(t, s.serve)
	t.Setenv("X_TOKEN", "t0ken")
	return s, s.URL
}

func source(url, extra string) string {
	return "{type: x, name: x, keywords: [TietokoneKoijarit], handles: [koijarit], bearer_token_env: X_TOKEN, base_url: '" + url + "', allow_networks: [127.0.0.1]" + extra + "}"
}

func TestCollectPagesAndResumes(t *testing.T) {
	s, url := newServer(t)
	h := collectortest.New(t, source(url, ""))
	ctx := context.Background()

	ms, st := h.Pass(ctx)
	if st.Err != nil || strings.Join(collectortest.IDs(ms), " ") != "2129290503517110277 2129329967723446281" {
		t.Fatalf("first pass: %v %+v", collectortest.IDs(ms), st)
	}
	if !strings.Contains(s.Queries()[0], "query=%28TietokoneKoijarit+OR+%40koijarit+OR+from%3Akoijarit%29+-is%3Aretweet") {
		t.Errorf("query %s", s.Queries()[0])
	}

	// The next pass asks since the newest id, follows next_token and
	// emits oldest first.
	ms, st = h.Pass(ctx)
	want := "2129485534458810369 2129493994369982483 2129497328841654273 2129504241054646349"
	if st.Err != nil || strings.Join(collectortest.IDs(ms), " ") != want {
		t.Fatalf("second pass: %v %+v", collectortest.IDs(ms), st)
	}
	if !strings.Contains(s.Queries()[1], "since_id=2129329967723446281") || !strings.Contains(s.Queries()[2], "next_token=b26v89c19zqg8o3fpzbqbszkh2fvmtgp0bfrkfsu8ml8d") {
		t.Errorf("requests %q", s.Queries())
	}
	if string(ms[3].Extra[mention.ExtraByBrand]) != "true" {
		t.Errorf("the brand's reply is not flagged: %s", ms[3].Extra)
	}

	// Every pass is a restart on the same cursor store: nothing is stored
	// twice.
	ms, st = h.Pass(ctx)
	if st.Err != nil || len(ms) != 0 || !strings.Contains(s.Queries()[len(s.Queries())-1], "since_id=2129504241054646349") {
		t.Fatalf("after restart: %v %+v", collectortest.IDs(ms), st)
	}
}

// A pass cut short by max_pages leaves the rest as a gap, read (by
// until_id) on the next pass before anything newer.
func TestCollectPageCapLeavesAGap(t *testing.T) {
	s, url := newServer(t)
	h := collectortest.New(t, source(url, ", max_pages: 1"))
	ctx := context.Background()
	h.Pass(ctx)
	ms, st := h.Pass(ctx)
	if st.Err != nil || len(ms) != 4 || !strings.Contains(string(h.Cursor()), `"gap":{"since_id":"2129329967723446281","until_id":"2129485534458810369"}`) {
		t.Fatalf("capped pass: %d %+v %s", len(ms), st, h.Cursor())
	}
	n := len(s.Queries())
	ms, st = h.Pass(ctx)
	if st.Err != nil || len(ms) != 0 || strings.Contains(string(h.Cursor()), "gap") ||
		!strings.Contains(s.Queries()[n], "since_id=2129329967723446281") || !strings.Contains(s.Queries()[n], "until_id=2129485534458810369") ||
		!strings.Contains(s.Queries()[n+1], "since_id=2129504241054646349") {
		t.Fatalf("gap pass: %d %+v %s %q", len(ms), st, h.Cursor(), s.Queries()[n:])
	}
}

func TestCollectRateLimits(t *testing.T) {
	s, url := newServer(t)
	h := collectortest.New(t, source(url, ""))
	ctx := context.Background()

	s.Do(func() {
		s.status, s.body = http.StatusTooManyRequests, `{"title":"Too Many Requests","detail":"Too Many Requests","type":"about:blank","status":429}`
		s.header = http.Header{"Retry-After": {"600"}}
	})
	_, st := h.Pass(ctx)
	if d, ok := collector.RetryAfter(st.Err, time.Now()); !ok || d < 590*time.Second || d > 600*time.Second {
		t.Fatalf("429 with Retry-After: %v (%v)", st.Err, d)
	}

	// X's own headers: the window's end in Unix seconds.
	reset := time.Now().Add(14 * time.Minute).Unix()
	s.Do(func() {
		s.header = http.Header{"X-Rate-Limit-Limit": {"450"}, "X-Rate-Limit-Remaining": {"0"}, "X-Rate-Limit-Reset": {strconv.FormatInt(reset, 10)}}
	})
	h = collectortest.New(t, source(url, ""))
	_, st = h.Pass(ctx)
	if d, ok := collector.RetryAfter(st.Err, time.Now()); !ok || d < 13*time.Minute {
		t.Fatalf("429 with x-rate-limit-reset: %v (%v)", st.Err, d)
	}
	if h.Cursor() != nil {
		t.Errorf("cursor stored on a failed pass: %s", h.Cursor())
	}
}

func TestCollectAuthFailureNamesTheKey(t *testing.T) {
	s, url := newServer(t)
	s.Do(func() {
		s.status, s.body = http.StatusUnauthorized, `{"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"}`
	})
	_, st := collectortest.New(t, source(url, "")).Pass(context.Background())
	if st.Err == nil || !strings.Contains(st.Err.Error(), "$X_TOKEN (bearer_token_env) was refused") || strings.Contains(st.Err.Error(), "t0ken") {
		t.Fatalf("401: %v", st.Err)
	}
	t.Setenv("X_TOKEN", "")
	if _, err := New(&collector.Env{Name: "x"}, Options{Keywords: []string{"k"}, BearerTokenEnv: "X_TOKEN"}); err == nil ||
		!strings.Contains(err.Error(), "bearer_token_env: $X_TOKEN is not set") {
		t.Errorf("unset token: %v", err)
	}
}

// A page with posts that cannot be read stores the others; the bad one's
// id still moves the cursor.
func TestCollectStoresThePageAroundABadPost(t *testing.T) {
	t.Setenv("X_TOKEN", "t0ken")
	h := collectortest.New(t, source(collectortest.ServeJSON(t, badPage(t)), ""))
	ms, st := h.Pass(context.Background())
	if st.Err != nil || len(ms) != 4 || st.Skipped != 3 || st.Errors != 3 {
		t.Fatalf("%d mentions %+v", len(ms), st)
	}
	if !strings.Contains(string(h.Cursor()), `"since_id":"2129504241054646351"`) {
		t.Errorf("cursor %s", h.Cursor())
	}
}

func FuzzParse(f *testing.F) {
	for _, name := range []string{"search_page1.json", "search_page2.json", "tweepy_search_recent.json"} {
		f.Add(collectortest.Fixture(f, name))
	}
	f.Add(badPage(f))
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := Parse(body, brand, fetched)
		if err != nil {
			return
		}
		for _, post := range p.Posts {
			switch {
			case post.Err != nil:
				if post.Mention != nil {
					t.Fatalf("unreadable post with a mention %+v", post)
				}
			case post.Mention != nil:
				m := post.Mention
				if m.Source != "x" || m.ID != post.ID || post.ID == "" || m.PublishedAt.IsZero() || m.Engagement.Likes < 0 ||
					!strings.HasPrefix(m.URL, "https://x.com/") {
					t.Fatalf("bad mention %+v", m)
				}
			case post.Skip == "":
				t.Fatalf("post with neither mention nor reason %+v", post)
			}
		}
	})
}

// BenchmarkParse reports posts decoded and normalised per second, on
// pages of 100 posts with their authors.
func BenchmarkParse(b *testing.B) {
	var r struct {
		Data     []json.RawMessage `json:"data"`
		Includes json.RawMessage   `json:"includes"`
	}
	if err := json.Unmarshal(collectortest.Fixture(b, "search_page1.json"), &r); err != nil {
		b.Fatal(err)
	}
	body := collectortest.Page(`{"data":[`, r.Data, 100, `],"includes":`+string(r.Includes)+`,"meta":{"result_count":100,"next_token":"x"}}`)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		p, err := Parse(body, brand, fetched)
		if err != nil || len(p.Posts) != 100 || p.Posts[99].Mention == nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(100*b.N)/b.Elapsed().Seconds(), "posts/s")
}
