package mastodon

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ewom/ewom/internal/collector"
	"github.com/ewom/ewom/internal/collector/collectortest"
)

var instance, _ = url.Parse("https://mastodon.social")

func TestParseTimeline(t *testing.T) {
	body := collectortest.Fixture(t, "tag_timeline.json")
	ss, err := Parse(body, instance, false, fetched)
	if err != nil || len(ss) != 2 {
		t.Fatalf("%v, %d statuses", err, len(ss))
	}
	m := ss[0].Mention
	if m.ID != "https://mastodon.social/users/moona/statuses/113456789012345679" || m.URL != "https://mastodon.social/@moona/113456789012345679" {
		t.Errorf("ids: %+v", m)
	}
	if m.Text != "Tilasin läppärin #TietokoneKoijarit -kaupasta kolme viikkoa sitten, eikä asiakaspalvelu vastaa 😤\n\nKuka muu odottaa?" {
		t.Errorf("text %q", m.Text)
	}
	if m.Author.Handle != "@moona@mastodon.social" || m.Author.Followers != 120 || m.Author.Name != "Moona :blobcat:" {
		t.Errorf("author %+v", m.Author)
	}
	if m.Lang != "fi" || m.Engagement.Likes != 3 || m.Engagement.Reposts != 1 || !m.PublishedAt.Equal(time.Date(2026, 11, 20, 8, 15, 0, 0, time.UTC)) {
		t.Errorf("lang/engagement/time %+v", m)
	}
	if string(m.Extra["tags"]) != `["tietokonekoijarit"]` {
		t.Errorf("extra %s", m.Extra["tags"])
	}
	r := ss[1].Mention
	if r.Author.Handle != "@kenji@fosstodon.org" || r.Title != "rant: delivery" || r.Text != "配送が遅い & 返事なし\nもう二度と買わない" ||
		string(r.Extra["in_reply_to_id"]) != `"113456789012340000"` || r.Engagement.Replies != 2 ||
		r.ParentURL != "https://mastodon.social/@tk_tuki/113456789012340000" {
		t.Errorf("remote reply %+v", r)
	}
	for _, s := range ss {
		if err := s.Mention.Validate(); err != nil {
			t.Error(err)
		}
	}
}

func TestParseReplyParentURL(t *testing.T) {
	for _, tc := range []struct {
		name, status, want string
	}{
		{"thread: reply to own status, remote author",
			`{"id":"9","in_reply_to_id":"8","in_reply_to_account_id":"2","account":{"id":"2","acct":"kenji@fosstodon.org"},"mentions":[]}`,
			"https://mastodon.social/@kenji@fosstodon.org/8"},
		{"replied-to account among the mentions",
			`{"id":"9","in_reply_to_id":"8","in_reply_to_account_id":"3","account":{"id":"2","acct":"kenji"},"mentions":[{"id":"4","acct":"x"},{"id":"3","acct":"moona@mementomori.social"}]}`,
			"https://mastodon.social/@moona@mementomori.social/8"},
		{"replied-to account unknown", `{"id":"9","in_reply_to_id":"8","in_reply_to_account_id":"3","account":{"id":"2","acct":"kenji"},"mentions":[]}`, ""},
		{"no account id", `{"id":"9","in_reply_to_id":"8","account":{"id":"2","acct":"kenji"}}`, ""},
		{"not a reply", `{"id":"9","in_reply_to_account_id":"2","account":{"id":"2","acct":"kenji"}}`, ""},
		{"boosted reply uses the original", `{"id":"10","account":{"id":"7","acct":"booster"},"reblog":{"id":"9","in_reply_to_id":"8","in_reply_to_account_id":"2","account":{"id":"2","acct":"kenji"}}}`,
			"https://mastodon.social/@kenji/8"},
	} {
		ss, err := Parse([]byte("["+tc.status+"]"), instance, false, fetched)
		if err != nil || len(ss) != 1 {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := ss[0].Mention.ParentURL; got != tc.want {
			t.Errorf("%s: parent_url %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestParseBoostAttributedToOriginal(t *testing.T) {
	body := collectortest.Fixture(t, "search.json")
	ss, err := Parse(body, instance, true, fetched)
	if err != nil || len(ss) != 1 {
		t.Fatalf("%v %d", err, len(ss))
	}
	m := ss[0].Mention
	if m.Author.Handle != "@moona@mastodon.social" || m.Author.Followers != 120 || m.Text != "TietokoneKoijarit ei vastaa" ||
		string(m.Extra["boosted_by"]) != `"@booster@mastodon.social"` || m.ID != "https://mastodon.social/users/moona/statuses/113456789012345679" {
		t.Errorf("boost %+v", m)
	}
	// Paging uses the boost's own id (its position in the timeline).
	if ss[0].ID != "113456789012349999" {
		t.Errorf("paging id %s", ss[0].ID)
	}
	orig := collectortest.Fixture(t, "tag_timeline.json")
	os1, _ := Parse(orig, instance, false, fetched)
	if os1[0].Mention.Key() != m.Key() {
		t.Error("a boost and its original must share the mention key")
	}
}

func TestParseMalformed(t *testing.T) {
	for _, body := range []string{`{"error":"Record not found"}`, `[{"id": 5`, `"x"`} {
		if _, err := Parse([]byte(body), instance, false, fetched); err == nil {
			t.Errorf("%s parsed", body)
		}
	}
}

var fetched = time.Date(2026, 12, 6, 18, 0, 0, 0, time.UTC)

// One status that cannot be read costs that status, not the page; one
// without a usable created_at is kept with the fetch time, flagged.
func TestParseKeepsThePageAroundBadStatuses(t *testing.T) {
	body := collectortest.Fixture(t, "tag_timeline.json")
	var list []json.RawMessage
	if err := json.Unmarshal(body, &list); err != nil {
		t.Fatal(err)
	}
	undated := strings.Replace(string(list[1]), `"created_at": "2026-11-20T07:59:59.123Z"`, `"created_at": "eilen"`, 1)
	page := "[" + strings.Join([]string{
		`{"id": "113456789012345700", "favourites_count": "3", "content": "<p>kolme</p>"}`,
		string(list[0]),
		`{"content": "<p>no id</p>"}`,
		undated,
		`"not a status"`,
	}, ",") + "]"
	ss, err := Parse([]byte(page), instance, false, fetched)
	if err != nil || len(ss) != 5 {
		t.Fatalf("%v, %d statuses", err, len(ss))
	}
	for _, i := range []int{0, 2, 4} {
		if ss[i].Err == nil || ss[i].Mention != nil || !strings.Contains(ss[i].Err.Error(), fmt.Sprintf("status %d", i)) {
			t.Errorf("status %d: %+v", i, ss[i])
		}
	}
	// The unreadable status's id is still known: paging moves past it.
	if ss[0].ID != "113456789012345700" || !strings.Contains(ss[0].Err.Error(), "favourites_count") {
		t.Errorf("wrong-typed status %+v", ss[0])
	}
	if m := ss[1].Mention; ss[1].Err != nil || ss[1].Estimated != nil || m.Extra[collector.ExtraTimeEstimated] != nil ||
		!m.PublishedAt.Equal(time.Date(2026, 11, 20, 8, 15, 0, 0, time.UTC)) {
		t.Errorf("good status %+v", ss[1])
	}
	m := ss[3].Mention
	if ss[3].Err != nil || ss[3].Estimated == nil || !strings.Contains(ss[3].Estimated.Error(), `"eilen"`) ||
		!m.PublishedAt.Equal(fetched) || string(m.Extra[collector.ExtraTimeEstimated]) != "true" || m.Author.Handle != "@kenji@fosstodon.org" {
		t.Errorf("undated status %+v %v", m, ss[3].Estimated)
	}
	for _, i := range []int{1, 3} {
		if err := ss[i].Mention.Validate(); err != nil {
			t.Error(err)
		}
	}
	// A page whose JSON fits as a whole is read in one go, with the same outcome.
	ss, err = Parse([]byte("["+strings.Join([]string{string(list[0]), `{"content": "<p>no id</p>"}`, undated}, ",")+"]"), instance, false, fetched)
	if err != nil || len(ss) != 3 || ss[0].Err != nil || ss[1].Err == nil || !strings.Contains(ss[1].Err.Error(), "status 1 has no id") ||
		ss[2].Estimated == nil || !ss[2].Mention.PublishedAt.Equal(fetched) {
		t.Errorf("%v %+v", err, ss)
	}
}

// fakeInstance serves /api/v1/timelines/tag/:tag like Mastodon: newest
// first, limit, min_id (the page just after it) and max_id, with Link headers.
type fakeInstance struct {
	mu       sync.Mutex
	ids      []int // ascending
	requests []string
}

func (f *fakeInstance) add(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	next := 1000
	if len(f.ids) > 0 {
		next = f.ids[len(f.ids)-1] + 1
	}
	for i := range n {
		f.ids = append(f.ids, next+i)
	}
}

func (f *fakeInstance) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, r.URL.RawQuery)
	if !strings.HasPrefix(r.URL.Path, "/api/v1/timelines/tag/") {
		http.NotFound(w, r)
		return
	}
	q := r.URL.Query()
	limit, _ := strconv.Atoi(q.Get("limit"))
	var page []int
	if minID, err := strconv.Atoi(q.Get("min_id")); err == nil {
		for _, id := range f.ids {
			if id > minID && len(page) < limit {
				page = append(page, id)
			}
		}
	} else {
		for i := len(f.ids) - 1; i >= 0 && len(page) < limit; i-- {
			page = append([]int{f.ids[i]}, page...)
		}
	}
	var list []map[string]any
	for i := len(page) - 1; i >= 0; i-- { // newest first
		id := page[i]
		list = append(list, map[string]any{
			"id": strconv.Itoa(id), "uri": fmt.Sprintf("https://%s/users/u/statuses/%d", r.Host, id),
			"created_at": time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC).Add(time.Duration(id) * time.Second).Format(time.RFC3339),
			"content":    fmt.Sprintf("<p>post %d</p>", id), "account": map[string]any{"acct": "u", "followers_count": id},
		})
	}
	if len(page) > 0 {
		base := "http://" + r.Host + r.URL.Path
		w.Header().Set("Link", fmt.Sprintf(`<%s?limit=%d&max_id=%d>; rel="next", <%s?limit=%d&min_id=%d>; rel="prev"`,
			base, limit, page[0], base, limit, page[len(page)-1]))
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	json.NewEncoder(w).Encode(list)
}

func TestCollectPagesForwardFromCursor(t *testing.T) {
	fi := &fakeInstance{}
	fi.add(50)
	srv := httptest.NewServer(fi)
	defer srv.Close()
	h := collectortest.New(t, "{type: mastodon, name: tk, instance: '"+srv.URL+"', tags: ['#TietokoneKoijarit'], allow_networks: [127.0.0.1]}")
	ctx := context.Background()

	ms, st := h.Pass(ctx)
	if st.Err != nil || len(ms) != pageLimit {
		t.Fatalf("first pass: %d mentions, %+v", len(ms), st)
	}
	if got := ms[len(ms)-1].Text; got != "post 1049" {
		t.Errorf("newest %q", got)
	}
	// 95 new posts: three pages forward via Link rel="prev", oldest first.
	fi.add(95)
	ms, st = h.Pass(ctx)
	if st.Err != nil || len(ms) != 95 {
		t.Fatalf("second pass: %d mentions, %+v", len(ms), st)
	}
	for i, m := range ms {
		if want := fmt.Sprintf("post %d", 1050+i); m.Text != want {
			t.Fatalf("mention %d = %q, want %q", i, m.Text, want)
		}
	}
	var cur cursor
	json.Unmarshal(h.Cursor(), &cur)
	host, _ := url.Parse(srv.URL)
	if cur.Since[host.Host+" #tietokonekoijarit"] != "1144" {
		t.Errorf("cursor %s", h.Cursor())
	}
	ms, st = h.Pass(ctx)
	if st.Err != nil || len(ms) != 0 {
		t.Fatalf("third pass: %d mentions, %+v", len(ms), st)
	}
	last := fi.requests[len(fi.requests)-1]
	if !strings.Contains(last, "min_id=1144") {
		t.Errorf("last request %q", last)
	}
}

func TestCollectOneInstanceFailingKeepsOthers(t *testing.T) {
	good := &fakeInstance{}
	good.add(3)
	gs := httptest.NewServer(good)
	defer gs.Close()
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<html><body>502 Bad Gateway</body></html>"))
	}))
	defer bad.Close()
	h := collectortest.New(t, "{type: mastodon, name: multi, instances: ['"+bad.URL+"', '"+gs.URL+"'], tags: [tk], allow_networks: [127.0.0.0/8]}")
	ms, st := h.Pass(context.Background())
	if len(ms) != 3 || st.Err == nil || !strings.Contains(st.Err.Error(), bad.URL+"/api/v1/timelines/tag/tk") ||
		!strings.Contains(st.Err.Error(), `source "multi"`) {
		t.Fatalf("%d mentions, err %v", len(ms), st.Err)
	}
}

// A page with one status of the wrong shape and one without a date stores
// the rest, the undated one with the fetch time, and pages past the bad one.
func TestCollectStoresThePageAroundABadStatus(t *testing.T) {
	body := collectortest.Fixture(t, "tag_timeline.json")
	page := strings.Replace(string(body), `"created_at": "2026-11-20T07:59:59.123Z",`, "", 1)
	page = strings.Replace(page, "[", `[{"id": "113456789012349999", "uri": "https://mastodon.social/users/x/statuses/1", "account": "x"},`, 1)
	h := collectortest.New(t, "{type: mastodon, name: tk, instance: '"+collectortest.ServeJSON(t, []byte(page))+"', tags: [tk], allow_networks: [127.0.0.1]}")
	before := time.Now()
	ms, st := h.Pass(context.Background())
	if st.Err != nil || len(ms) != 2 || st.Skipped != 1 || st.Errors != 2 {
		t.Fatalf("pass: %d mentions %+v", len(ms), st)
	}
	undated := ms[0] // the older id
	if undated.Author.Handle != "@kenji@fosstodon.org" || string(undated.Extra[collector.ExtraTimeEstimated]) != "true" || undated.PublishedAt.Before(before.Truncate(time.Second)) {
		t.Errorf("undated status: %v %s", undated.PublishedAt, undated.Extra)
	}
	if ms[1].ID != "https://mastodon.social/users/moona/statuses/113456789012345679" {
		t.Errorf("dated status %s", ms[1].ID)
	}
	if !strings.Contains(string(h.Cursor()), `"113456789012349999"`) {
		t.Errorf("cursor %s", h.Cursor())
	}
}

func TestNewValidates(t *testing.T) {
	env := &collector.Env{Name: "m"}
	t.Setenv("EWOM_MASTODON_TOKEN", "")
	for _, c := range []struct {
		o    Options
		want string
	}{
		{Options{Tags: []string{"x"}}, "instance: required"},
		{Options{Instance: "https://m.example"}, "tags:"},
		{Options{Instance: "https://m.example", Tags: []string{"a b"}}, "tags[0]"},
		{Options{Instance: "https://m.example", Search: []string{"q"}}, "EWOM_MASTODON_TOKEN"},
		{Options{Instance: "http://169.254.169.254", Tags: []string{"x"}}, "instances[0]"},
	} {
		if _, err := New(env, c.o); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.o, err, c.want)
		}
	}
}

func TestSearchSendsToken(t *testing.T) {
	var auth, path string
	body := collectortest.Fixture(t, "search.json")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth, path = r.Header.Get("Authorization"), r.URL.Path+"?"+r.URL.RawQuery
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	defer srv.Close()
	t.Setenv("MY_TOKEN", "tok123")
	h := collectortest.New(t, "{type: mastodon, instance: '"+srv.URL+"', search: [TietokoneKoijarit], access_token_env: MY_TOKEN, allow_networks: [127.0.0.1]}")
	ms, st := h.Pass(context.Background())
	if st.Err != nil || len(ms) != 1 || auth != "Bearer tok123" || !strings.Contains(path, "/api/v2/search?") || !strings.Contains(path, "type=statuses") {
		t.Fatalf("%d mentions, %v, auth %q, path %q", len(ms), st.Err, auth, path)
	}
}
