package bluesky

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ewom/ewom/internal/collector"
	"github.com/ewom/ewom/internal/collector/collectortest"
	"github.com/ewom/ewom/internal/config"
	"github.com/ewom/ewom/internal/mention"
)

var fetched = time.Date(2026, 12, 6, 18, 0, 0, 0, time.UTC)

func searchPosts(t testing.TB, body []byte) []PostView {
	t.Helper()
	var res SearchResult
	if err := json.Unmarshal(body, &res); err != nil {
		t.Fatal(err)
	}
	return res.Read(fetched)
}

// post is the mention Matcher.Post makes of p, with its skip reason.
func post(t testing.TB, p *PostView) (*mention.Mention, string) {
	t.Helper()
	ev, err := testMatcher.Post(p)
	if err != nil {
		t.Fatalf("%+v: %v", p, err)
	}
	return ev.Mention, ev.Skip
}

func TestPostNormalisedLikeJetstream(t *testing.T) {
	posts := searchPosts(t, collectortest.Fixture(t, "search_posts.json"))
	reply, skip := post(t, &posts[0])
	if reply == nil {
		t.Fatalf("hashtag reply skipped: %s", skip)
	}
	if reply.ID != "at://did:plc:abc/app.bsky.feed.post/3l3qo2vuowo2z" || reply.URL != "https://bsky.app/profile/did:plc:abc/post/3l3qo2vuowo2z" ||
		reply.ParentURL != "https://bsky.app/profile/did:plc:tk/post/3kparent" || reply.Author.Handle != "did:plc:abc" || reply.Author.Name != "健二" ||
		reply.Lang != "ja" || reply.Engagement.Likes != 4 || reply.Engagement.Reposts != 1 || reply.Engagement.Replies != 1 ||
		!reply.PublishedAt.Equal(time.Date(2026, 11, 20, 8, 25, 0, 0, time.UTC)) {
		t.Errorf("reply %+v", reply)
	}

	// The same post as the first Jetstream fixture event: same mention key,
	// so backfill and stream never store it twice.
	fromSearch, _ := post(t, &posts[1])
	ev, err := testMatcher.Event(loadEvents(t)[0], fetched)
	if err != nil || ev.Mention == nil || fromSearch == nil {
		t.Fatalf("%v %+v %+v", err, ev, fromSearch)
	}
	js := ev.Mention
	if fromSearch.Key() != js.Key() || fromSearch.ID != js.ID || fromSearch.URL != js.URL || fromSearch.Text != js.Text ||
		!fromSearch.PublishedAt.Equal(js.PublishedAt) || fromSearch.Lang != js.Lang || fromSearch.Author.Handle != js.Author.Handle || fromSearch.Author.URL != js.Author.URL {
		t.Errorf("search %+v\nstream %+v", fromSearch, js)
	}

	// The search engine's match that ours (and so the stream) rejects.
	if m, skip := post(t, &posts[2]); m != nil || skip != "no match" {
		t.Errorf("loose search hit: %+v %q", m, skip)
	}
}

// A search result that cannot be read costs only itself, and only if it is
// one to keep; one without a usable createdAt takes indexedAt, else the
// fetch time, flagged.
func TestPostKeepsThePageAroundBadOnes(t *testing.T) {
	var res struct {
		Posts []json.RawMessage `json:"posts"`
	}
	if err := json.Unmarshal(collectortest.Fixture(t, "search_posts.json"), &res); err != nil {
		t.Fatal(err)
	}
	wrongType := strings.Replace(string(res.Posts[1]), `"likeCount": 7`, `"likeCount": "7"`, 1)
	undated := strings.Replace(string(res.Posts[0]), `"createdAt": "2026-11-20T08:25:00.000Z"`, `"createdAt": "eilen"`, 1)
	undated = strings.Replace(undated, `"indexedAt": "2026-11-20T08:25:01.321Z"`, `"indexedAt": ""`, 1)
	looseWrongType := strings.Replace(string(res.Posts[2]), `"cid": "bafy3"`, `"cid": 3`, 1)
	body := `{"posts": [` + strings.Join([]string{wrongType, undated, looseWrongType,
		`{"uri": "at://did:plc:a/app.bsky.feed.like/1", "indexedAt": "2026-11-20T08:19:00Z", "record": {"text": "#TietokoneKoijarit"}}`,
		`{"uri": "at://did:plc:a/app.bsky.feed.post/2", "record": {"text": "TietokoneKoijarit", "createdAt": "2026-11-20T08:19:00Z"}}`,
	}, ",") + `]}`
	posts := searchPosts(t, []byte(body))
	if _, err := testMatcher.Post(&posts[0]); err == nil || !strings.Contains(err.Error(), "likeCount") || !strings.Contains(err.Error(), "search result 0") {
		t.Errorf("wrong-typed post: %v", err)
	}
	ev, err := testMatcher.Post(&posts[1])
	if err != nil || ev.Mention == nil || ev.Estimated == nil || !strings.Contains(ev.Estimated.Error(), "the fetch time") ||
		!ev.Mention.PublishedAt.Equal(fetched) || string(ev.Mention.Extra[collector.ExtraTimeEstimated]) != "true" || ev.Mention.Validate() != nil {
		t.Errorf("undated post: %+v %v", ev, err)
	}
	// Of the wrong shape, but not one to keep: skipped as the stream would.
	if ev, err := testMatcher.Post(&posts[2]); err != nil || ev.Skip != "no match" {
		t.Errorf("loose wrong-typed hit: %+v %v", ev, err)
	}
	if _, err := testMatcher.Post(&posts[3]); err == nil || !strings.Contains(err.Error(), "not a post's at:// URI") {
		t.Errorf("like: %v", err)
	}
	// No indexedAt: a plausible createdAt still dates it.
	if ev, err := testMatcher.Post(&posts[4]); err != nil || ev.Estimated != nil || !ev.Mention.PublishedAt.Equal(time.Date(2026, 11, 20, 8, 19, 0, 0, time.UTC)) {
		t.Errorf("post without indexedAt: %+v %v", ev, err)
	}
}

// fakeBluesky serves createSession, refreshSession and searchPosts over a
// list of posts (newest first by indexedAt), two a page, honouring since
// (inclusive) and until (exclusive). Access tokens expire after
// tokenUses searches.
type fakeBluesky struct {
	mu        sync.Mutex
	posts     []PostView
	tokenUses int
	access    string
	uses      int
	logins    int
	refreshes int
	searches  []string
	limited   bool
}

func (f *fakeBluesky) add(did, rkey, text string, at time.Time) {
	var p PostView
	p.URI = "at://" + did + "/app.bsky.feed.post/" + rkey
	p.Author.DID = did
	p.Record.Text = text
	p.Record.CreatedAt = at.Format(time.RFC3339Nano)
	p.IndexedAt = at.Add(time.Second).Format(time.RFC3339Nano)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.posts = slices.Insert(f.posts, 0, p)
}

func (f *fakeBluesky) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	xrpcError := func(status int, name string) {
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]string{"error": name, "message": name})
	}
	newSession := func() {
		f.access = "access-" + strconv.Itoa(f.logins+f.refreshes)
		f.uses = 0
		json.NewEncoder(w).Encode(map[string]string{"accessJwt": f.access, "refreshJwt": "refresh-" + f.access, "did": "did:plc:ewom", "handle": "ewom.bsky.social"})
	}
	switch r.URL.Path {
	case "/xrpc/com.atproto.server.createSession":
		var in struct{ Identifier, Password string }
		if r.Method != http.MethodPost || json.NewDecoder(r.Body).Decode(&in) != nil || in.Identifier != "ewom.bsky.social" || in.Password != "app-pass-word" {
			xrpcError(http.StatusUnauthorized, "AuthenticationRequired")
			return
		}
		f.logins++
		newSession()
	case "/xrpc/com.atproto.server.refreshSession":
		if r.Method != http.MethodPost || r.Header.Get("Authorization") != "Bearer refresh-"+f.access {
			xrpcError(http.StatusBadRequest, "ExpiredToken")
			return
		}
		f.refreshes++
		newSession()
	case "/xrpc/app.bsky.feed.searchPosts":
		f.searches = append(f.searches, r.URL.RawQuery)
		if f.limited {
			w.Header().Set("RateLimit-Limit", "3000")
			w.Header().Set("RateLimit-Remaining", "0")
			w.Header().Set("RateLimit-Reset", strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10))
			xrpcError(http.StatusTooManyRequests, "RateLimitExceeded")
			return
		}
		if r.Header.Get("Authorization") != "Bearer "+f.access {
			xrpcError(http.StatusUnauthorized, "InvalidToken")
			return
		}
		if f.uses++; f.uses > f.tokenUses {
			xrpcError(http.StatusBadRequest, "ExpiredToken")
			return
		}
		q := r.URL.Query()
		since, err := time.Parse(time.RFC3339, q.Get("since"))
		if err != nil || q.Get("limit") != "100" || q.Get("sort") != "latest" {
			xrpcError(http.StatusBadRequest, "InvalidRequest")
			return
		}
		until, _ := time.Parse(time.RFC3339, q.Get("until"))
		var match []PostView
		for _, p := range f.posts {
			at, _ := time.Parse(time.RFC3339Nano, p.Record.CreatedAt)
			term := strings.ToLower(strings.TrimPrefix(q.Get("q"), "#"))
			if !at.Before(since) && (until.IsZero() || at.Before(until)) && strings.Contains(strings.ToLower(p.Record.Text), term) {
				match = append(match, p)
			}
		}
		off, _ := strconv.Atoi(q.Get("cursor"))
		off = min(off, len(match))
		res := map[string]any{"posts": match[off:min(off+2, len(match))], "hitsTotal": len(match)}
		if off+2 < len(match) {
			res["cursor"] = strconv.Itoa(off + 2)
		}
		json.NewEncoder(w).Encode(res)
	default:
		http.NotFound(w, r)
	}
}

func (f *fakeBluesky) set(fn func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn()
}

func TestBackfillThenStream(t *testing.T) {
	t.Setenv("TEST_BSKY_APP_PASSWORD", "app-pass-word")
	bs := &fakeBluesky{tokenUses: 1}
	now := time.Now().UTC().Truncate(time.Millisecond)
	bs.add("did:plc:old", "1", "tietokonekoijarit last week", now.Add(-7*24*time.Hour))
	for i := range 5 {
		bs.add("did:plc:a", "k"+strconv.Itoa(i), "Tilasin TietokoneKoijareilta "+strconv.Itoa(i), now.Add(time.Duration(i-10)*time.Minute))
	}
	api := httptest.NewServer(bs)
	defer api.Close()
	js := &fakeJetstream{}
	stream := httptest.NewServer(js)
	defer stream.Close()
	h := collectortest.New(t, "{type: bluesky, name: bsky, jetstream_url: '"+"ws"+strings.TrimPrefix(stream.URL, "http")+"', keywords: [tietokonekoijar], "+
		"identifier: ewom.bsky.social, app_password_env: TEST_BSKY_APP_PASSWORD, service_url: '"+api.URL+"', appview_url: '"+api.URL+"/', "+
		"search_max_pages: 2, allow_networks: [127.0.0.1]}")
	h.StreamFor = 300 * time.Millisecond
	ctx := context.Background()

	// First pass: the last 24 hours (not last week's post), two pages of
	// two within max 2 requests, the fifth post left in the cursor's gap.
	ms, st := h.Pass(ctx)
	if st.Err != nil || len(ms) != 4 {
		t.Fatalf("first: %d %+v", len(ms), st)
	}
	if ms[0].ID != "at://did:plc:a/app.bsky.feed.post/k1" || ms[3].ID != "at://did:plc:a/app.bsky.feed.post/k4" {
		t.Errorf("not oldest first: %s … %s", ms[0].ID, ms[3].ID)
	}
	var cur cursor
	if err := json.Unmarshal(h.Cursor(), &cur); err != nil {
		t.Fatal(err)
	}
	pos := cur.Search["tietokonekoijar"]
	if pos == nil || pos.Gap == nil || !pos.Mark.Equal(now.Add(-6*time.Minute)) || len(pos.Seen) != 4 {
		t.Fatalf("cursor %s", h.Cursor())
	}
	// The stream started from when the backfill began, less the rewind.
	js.mu.Lock()
	q := js.queries[0]
	js.mu.Unlock()
	qv, _ := url.ParseQuery(q)
	jsCursor, _ := strconv.ParseInt(qv.Get("cursor"), 10, 64)
	if d := time.Since(time.UnixMicro(jsCursor)); d < 5*time.Second || d > time.Minute {
		t.Errorf("stream cursor %s ago (%s)", d, q)
	}

	// Second pass: the gap (the oldest post), then from the mark less the
	// overlap: the new post first (newest first), the rest already seen.
	bs.add("did:plc:b", "n1", "tietokonekoijarit again", now.Add(-time.Minute))
	ms, st = h.Pass(ctx)
	if st.Err != nil || len(ms) != 2 || ms[0].ID != "at://did:plc:a/app.bsky.feed.post/k0" || ms[1].ID != "at://did:plc:b/app.bsky.feed.post/n1" {
		t.Fatalf("second: %d %+v", len(ms), st)
	}
	bs.mu.Lock()
	logins, refreshes, searches := bs.logins, bs.refreshes, slices.Clone(bs.searches)
	bs.mu.Unlock()
	// Each pass builds the collector afresh (like a restart) and logs in;
	// the token, good for one search, is refreshed for the second.
	if logins != 2 || refreshes != 2 {
		t.Errorf("%d logins, %d refreshes", logins, refreshes)
	}
	if !slices.ContainsFunc(searches, func(s string) bool { return strings.Contains(s, "until=") }) {
		t.Errorf("gap not searched with until: %v", searches)
	}
	last := searches[len(searches)-1]
	if strings.Contains(last, "until=") || strings.Contains(last, "cursor=") {
		t.Errorf("last search %s", last)
	}
	if !strings.Contains(last, "since="+strings.ReplaceAll(now.Add(-8*time.Minute).Truncate(time.Second).Format(time.RFC3339), ":", "%3A")) {
		t.Errorf("since not the mark less the overlap: %s", last)
	}

	// Rate limited: the backfill error is reported but the stream still runs.
	bs.set(func() { bs.limited = true })
	js.mu.Lock()
	conns := len(js.queries)
	js.mu.Unlock()
	ms, st = h.Pass(ctx)
	if st.Err == nil || !strings.Contains(st.Err.Error(), "searchPosts backfill") || !strings.Contains(st.Err.Error(), "429") || len(ms) != 0 {
		t.Fatalf("rate limited: %d %v", len(ms), st.Err)
	}
	js.mu.Lock()
	if len(js.queries) != conns+1 {
		t.Error("stream did not run after the failed backfill")
	}
	js.mu.Unlock()
}

// A search page and a stream with a post of the wrong shape and one without
// a date store the rest, the undated one with the fetch time.
func TestCollectStoresAroundBadPosts(t *testing.T) {
	t.Setenv("TEST_BSKY_APP_PASSWORD", "app-pass-word")
	page := strings.Replace(string(collectortest.Fixture(t, "search_posts.json")), `"cursor": "2",`, "", 1)
	page = strings.Replace(page, `"likeCount": 7`, `"likeCount": "7"`, 1)
	page = strings.Replace(page, `"createdAt": "2026-11-20T08:25:00.000Z",`, "", 1)
	page = strings.Replace(page, `"indexedAt": "2026-11-20T08:25:01.321Z"`, `"indexedAt": null`, 1)
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/xrpc/com.atproto.server.createSession" {
			w.Write([]byte(`{"accessJwt": "a", "refreshJwt": "r", "did": "did:plc:ewom"}`))
			return
		}
		w.Write([]byte(page))
	}))
	defer api.Close()
	// The stream starts where the backfill did: the events come after.
	var events [][]byte
	for i, e := range []string{string(loadEvents(t)[0]), string(loadEvents(t)[2]),
		`{"did":"did:plc:abc","time_us":1795162800000020,"kind":"commit","commit":{"operation":"create","collection":"app.bsky.feed.post","rkey":"3y","record":{"text":"TietokoneKoijarit","langs":"fi"}}}`} {
		us := time.Now().Add(time.Hour).UnixMicro() + int64(i)
		events = append(events, []byte(regexp.MustCompile(`"time_us":\d+`).ReplaceAllString(e, `"time_us":`+strconv.FormatInt(us, 10))))
	}
	js := &fakeJetstream{events: events}
	stream := httptest.NewServer(js)
	defer stream.Close()
	h := collectortest.New(t, "{type: bluesky, name: bsky, jetstream_url: '"+"ws"+strings.TrimPrefix(stream.URL, "http")+"', keywords: [tietokonekoijar], "+
		"identifier: ewom.bsky.social, app_password_env: TEST_BSKY_APP_PASSWORD, service_url: '"+api.URL+"', allow_networks: [127.0.0.1]}")
	h.StreamFor = 300 * time.Millisecond
	before := time.Now().Truncate(time.Second)
	ms, st := h.Pass(context.Background())
	// Search: the undated reply stored, the wrong-shaped post skipped, the
	// loose hit not matched. Stream: the good post stored, the wrong-shaped
	// one skipped, the other not matched.
	if st.Err != nil || len(ms) != 2 || st.Skipped != 4 || st.Errors != 3 {
		t.Fatalf("pass: %d mentions %+v", len(ms), st)
	}
	if ms[0].ID != "at://did:plc:abc/app.bsky.feed.post/3l3qo2vuowo2z" || string(ms[0].Extra[collector.ExtraTimeEstimated]) != "true" || ms[0].PublishedAt.Before(before) {
		t.Errorf("undated search post %s %v %s", ms[0].ID, ms[0].PublishedAt, ms[0].Extra)
	}
	if ms[1].ID != "at://did:plc:eygmaihciaxprqvxpfvl6flk/app.bsky.feed.post/3l3qo2vuowo2b" || ms[1].Extra[collector.ExtraTimeEstimated] != nil {
		t.Errorf("streamed post %s %s", ms[1].ID, ms[1].Extra)
	}
}

func TestBackfillNeedsPassword(t *testing.T) {
	t.Setenv("EWOM_BLUESKY_APP_PASSWORD", "")
	src := collectortest.Source(t, "{type: bluesky, keywords: [x], identifier: ewom.bsky.social}")
	_, err := collector.NewRunner([]config.Source{src}, collector.Options{Publisher: &collectortest.Publisher{}, Cursors: &collector.MemoryCursors{}})
	if err == nil || !strings.Contains(err.Error(), "$EWOM_BLUESKY_APP_PASSWORD") {
		t.Fatalf("err %v", err)
	}
}

func TestBackfillBadLogin(t *testing.T) {
	t.Setenv("TEST_BSKY_APP_PASSWORD", "wrong")
	api := httptest.NewServer(&fakeBluesky{tokenUses: 10})
	defer api.Close()
	stream := httptest.NewServer(&fakeJetstream{})
	defer stream.Close()
	h := collectortest.New(t, "{type: bluesky, name: bsky, jetstream_url: '"+"ws"+strings.TrimPrefix(stream.URL, "http")+"', hashtags: [TietokoneKoijarit], "+
		"identifier: ewom.bsky.social, app_password_env: TEST_BSKY_APP_PASSWORD, service_url: '"+api.URL+"', allow_networks: [127.0.0.1]}")
	h.StreamFor = 200 * time.Millisecond
	_, st := h.Pass(context.Background())
	if st.Err == nil || !strings.Contains(st.Err.Error(), "bluesky login as ewom.bsky.social") || !strings.Contains(st.Err.Error(), "HTTP 401") ||
		strings.Contains(st.Err.Error(), "wrong") {
		t.Fatalf("err %v", st.Err)
	}
}

func FuzzSearchResult(f *testing.F) {
	f.Add(collectortest.Fixture(f, "search_posts.json"))
	f.Add([]byte(`{"posts":[{"uri":"at://did:x/app.bsky.feed.post/1","indexedAt":"2026-01-01T00:00:00Z","record":{"text":"#tietokonekoijarit","createdAt":"1999-01-01T00:00:00Z"}}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var res SearchResult
		if json.Unmarshal(body, &res) != nil {
			return
		}
		posts := res.Read(fetched)
		for i := range posts {
			ev, err := testMatcher.Post(&posts[i])
			if err != nil {
				continue
			}
			m := ev.Mention
			if (m == nil) == (ev.Skip == "") {
				t.Fatalf("want exactly one of mention and skip reason: %+v", ev)
			}
			if m != nil && (!strings.HasPrefix(m.ID, "at://did:") || m.PublishedAt.IsZero()) {
				t.Fatalf("bad mention %+v", m)
			}
		}
	})
}
