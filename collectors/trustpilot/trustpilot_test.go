package trustpilot

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ewom/ewom/internal/collector"
	"github.com/ewom/ewom/internal/collector/collectortest"
	"github.com/ewom/ewom/internal/mention"
)

const (
	unit   = "5f3c1a2b4d5e6f7a8b9c0d1e"
	apiKey = "tp-test-key-9f8e7d6c"
)

var (
	fetched = time.Date(2026, 12, 6, 18, 0, 0, 0, time.UTC)
	web, _  = url.Parse("https://www.trustpilot.com")
)

// The Review object of Trustpilot's API reference, in a page of the
// business unit's reviews.
func TestParseDocumentedExample(t *testing.T) {
	pg, err := Parse(collectortest.Fixture(t, "documented.json"), web, fetched)
	if err != nil || len(pg.Items) != 2 || pg.Next != "" {
		t.Fatalf("%v %+v", err, pg)
	}
	at := time.Date(2013, 9, 7, 13, 37, 0, 0, time.UTC)
	rv, rp := pg.Items[0], pg.Items[1]
	m := rv.Mention
	if rv.Err != nil || rv.Reply || !rv.At.Equal(at) || !pg.Oldest.Equal(at) || m.Title != "My review" || m.Text != "This shop is great" ||
		m.Lang != "da" || *m.Rating != 5 || m.Engagement.Likes != 10 || m.Engagement.Replies != 1 || m.Author.Name != "John Doe" ||
		m.Author.URL != "https://www.trustpilot.com/users/507f191e810c19729de860ea" || m.URL != "https://www.trustpilot.com/reviews/507f191e810c19729de860ea" {
		t.Errorf("review %+v %+v", rv, m)
	}
	for k, want := range map[string]string{"business_unit": `"Trustpilot"`, "business_unit_id": `"507f191e810c19729de860ea"`, "location": `"Pilestraede 58"`,
		"location_id": `"43f51215-a1fc-4c60-b6dd-e4afb6d7b831"`, "verified": "true", "experienced_at": `"2013-09-07T13:37:00Z"`} {
		if got := string(m.Extra[k]); got != want {
			t.Errorf("extra %s = %s, want %s", k, got, want)
		}
	}
	r := rp.Mention
	if !rp.Reply || rp.ID != "507f191e810c19729de860ea/reply" || !rp.At.Equal(at) || r.Text != "This is our reply." || r.Author.Name != "Trustpilot" ||
		r.Rating != nil || r.ParentURL != m.URL || string(r.Extra[mention.ExtraByBrand]) != "true" || string(r.Extra["location"]) != `"Pilestraede 58"` {
		t.Errorf("reply %+v %+v", rp, r)
	}
	for _, it := range pg.Items {
		if err := it.Mention.Validate(); err != nil {
			t.Errorf("%s: %v", it.ID, err)
		}
	}
}

func TestParsePages(t *testing.T) {
	pg, err := Parse(collectortest.Fixture(t, "page1.json"), web, fetched)
	if err != nil || pg.Next == "" || len(pg.Items) != 4 || !pg.Oldest.Equal(time.Date(2026, 11, 30, 11, 2, 59, 0, time.UTC)) {
		t.Fatalf("page 1: %v %q %d %v", err, pg.Next, len(pg.Items), pg.Oldest)
	}
	if r := pg.Items[1].Mention; r.Author.Name != "Asiakaspalvelu / Laura" || !strings.HasPrefix(r.Text, "Hei Pekka") {
		t.Errorf("reply %+v", r)
	}
	if m := pg.Items[2].Mention; m.Lang != "sv" || string(m.Extra["location"]) != `"TietokoneKoijarit Kamppi"` {
		t.Errorf("review with a location %+v", m)
	}
	if m := pg.Items[3].Mention; string(m.Extra["verified"]) != "false" || m.Extra["location"] != nil {
		t.Errorf("unverified review %+v", m)
	}
	pg, err = Parse(collectortest.Fixture(t, "page2.json"), web, fetched)
	if err != nil || pg.Next != "" || len(pg.Items) != 2 || pg.Items[1].Mention.Author.Name != "TietokoneKoijarit" {
		t.Fatalf("page 2: %v %q %+v", err, pg.Next, pg.Items)
	}
	for _, bad := range []string{`{"reviews":`, `[]`, `{"reviews":{}}`, `{"reviews":[]} {}`, `{"links":7,"reviews":[]}`} {
		if _, err := Parse([]byte(bad), web, fetched); err == nil {
			t.Errorf("%s parsed", bad)
		}
	}
}

func TestParseKeepsThePageAroundBadReviews(t *testing.T) {
	body := `{"reviews":[
{"id":"a","stars":"viisi","text":"Hyvä","createdAt":"2026-12-01T10:00:00Z"},
{"stars":4,"text":"Ei id:tä","createdAt":"2026-12-01T10:00:01Z"},
{"id":"c","stars":0,"text":"Ei tähtiä","createdAt":"2026-12-01T10:00:02Z"},
{"id":"d","stars":2,"text":" ","createdAt":"2026-12-01T10:00:03Z"},
{"id":"e","stars":5,"text":"Toimii","createdAt":"2026-12-01T10:00:04Z","companyReply":{"text":""}},
{"id":"f","stars":3,"text":"Ei päivää","companyReply":{"text":"Kiitos!","createdAt":"eilen"}}]}`
	pg, err := Parse([]byte(body), web, fetched)
	if err != nil {
		t.Fatal(err)
	}
	collectortest.CheckReviewPage(t, pg, "trustpilot")
	good, bad := collectortest.SplitItems(pg)
	if !slices.Equal(good, []string{"e", "f", "f/reply"}) || !slices.Equal(bad, []string{"a", "", "c", "d", "e/reply"}) {
		t.Fatalf("good %v, bad %v", good, bad)
	}
	if !pg.Items[0].At.Equal(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("time of an unreadable review not kept: %v", pg.Items[0].At)
	}
	for _, it := range pg.Items[len(pg.Items)-2:] {
		if !it.At.IsZero() || it.Estimated == nil || !it.Mention.PublishedAt.Equal(fetched) || string(it.Mention.Extra[collector.ExtraTimeEstimated]) != "true" {
			t.Errorf("undated %+v", it)
		}
	}
}

// fakeTrustpilot serves the business unit's reviews from the fixtures,
// page by page; reviews can be added on top.
type fakeTrustpilot struct {
	mu     sync.Mutex
	pages  [][]byte
	reqs   []url.Values
	answer func(w http.ResponseWriter, r *http.Request) bool
}

func newFake(t *testing.T) (*fakeTrustpilot, *httptest.Server) {
	f := &fakeTrustpilot{pages: [][]byte{collectortest.Fixture(t, "page1.json"), collectortest.Fixture(t, "page2.json")}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *fakeTrustpilot) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	q := r.URL.Query()
	f.reqs = append(f.reqs, q)
	if f.answer != nil && f.answer(w, r) {
		return
	}
	if r.URL.Path != "/v1/business-units/"+unit+"/reviews" || q.Get("perPage") != "100" || q.Get("orderBy") != "createdat.desc" {
		http.NotFound(w, r)
		return
	}
	if r.Header.Get("apikey") != apiKey {
		w.WriteHeader(http.StatusUnauthorized)
		w.Write([]byte(`{"fault":{"faultstring":"Invalid ApiKey","detail":{"errorcode":"oauth.v2.InvalidApiKey"}}}`))
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	page, _ := strconv.Atoi(q.Get("page"))
	if page < 1 || page > len(f.pages) {
		w.Write([]byte(`{"links":[],"reviews":[]}`))
		return
	}
	w.Write(f.pages[page-1])
}

func (f *fakeTrustpilot) requests() []url.Values {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.reqs)
}

func harness(t *testing.T, srv *httptest.Server, extra string) *collectortest.Harness {
	t.Setenv("EWOM_TEST_TRUSTPILOT_KEY", apiKey)
	return collectortest.New(t, fmt.Sprintf("{type: trustpilot, name: tp, business_units: [%s], api_key_env: EWOM_TEST_TRUSTPILOT_KEY, base_url: '%s', allow_networks: [127.0.0.1]%s}",
		unit, srv.URL, extra))
}

func TestCollectPagesResumeAndLateReplies(t *testing.T) {
	f, srv := newFake(t)
	h := harness(t, srv, ", reply_window: 87600h, languages: [fi, sv, en]")
	ctx := context.Background()
	ms, st := h.Pass(ctx)
	want := []string{"65709a1b2c3d4e5f6a7b8c9d", "65709a1b2c3d4e5f6a7b8c9d/reply", "65709e0d1c2b3a4f5e6d7c8b", "6570a0f1e2d3c4b5a6978877",
		"6570a1b2c3d4e5f6a7b8c9d0", "6570a1b2c3d4e5f6a7b8c9d0/reply"}
	if st.Err != nil || !slices.Equal(collectortest.IDs(ms), want) {
		t.Fatalf("first pass: %v %v", st.Err, collectortest.IDs(ms))
	}
	reqs := f.requests()
	if len(reqs) != 2 || reqs[0].Get("page") != "1" || reqs[1].Get("page") != "2" || !slices.Equal(reqs[0]["language"], []string{"fi", "sv", "en"}) {
		t.Errorf("requests %v", reqs)
	}
	if ms, st = h.Pass(ctx); st.Err != nil || len(ms) != 0 || st.Skipped != 6 {
		t.Fatalf("second pass: %v %v", st.Err, collectortest.IDs(ms))
	}
	// A new review, and the company answers J. Smith's review of days ago.
	f.mu.Lock()
	var p1 map[string]any
	json.Unmarshal(f.pages[0], &p1)
	reviews := p1["reviews"].([]any)
	smith := reviews[2].(map[string]any)
	smith["companyReply"] = map[string]any{"text": "Thanks for the feedback, we have added chat staff for the evenings.", "createdAt": "2026-12-03T08:00:00Z"}
	p1["reviews"] = append([]any{map[string]any{"id": "6571b2c3d4e5f6a7b8c9d0e1", "stars": 2, "title": "Ei vastausta",
		"text": "Tilasin näytön, eikä seurantakoodi toimi.", "language": "fi", "createdAt": "2026-12-04T12:00:00Z"}}, reviews...)
	f.pages[0], _ = json.Marshal(p1)
	f.mu.Unlock()
	ms, st = h.Pass(ctx)
	if st.Err != nil || !slices.Equal(collectortest.IDs(ms), []string{"65709e0d1c2b3a4f5e6d7c8b/reply", "6571b2c3d4e5f6a7b8c9d0e1"}) {
		t.Fatalf("third pass: %v %v", st.Err, collectortest.IDs(ms))
	}
	h.Pass(ctx)
	h.PublishedOnce(8)
}

func TestCollectStopsAtTheMark(t *testing.T) {
	f, srv := newFake(t)
	collectortest.CheckResume(t, harness(t, srv, ", reply_window: 1h"), 6, func() int { return len(f.requests()) })
}

func TestCollectRateLimited(t *testing.T) {
	f, srv := newFake(t)
	limited := true
	f.answer = func(w http.ResponseWriter, r *http.Request) bool {
		if limited && r.URL.Query().Get("page") == "2" {
			limited = false
			w.Header().Set("Retry-After", "45")
			w.WriteHeader(http.StatusTooManyRequests)
			return true
		}
		return false
	}
	collectortest.CheckRateLimited(t, harness(t, srv, ""), 45*time.Second, 6)
}

func TestCollectAuthFailuresNameTheKey(t *testing.T) {
	_, srv := newFake(t)
	h := harness(t, srv, "")
	t.Setenv("EWOM_TEST_TRUSTPILOT_KEY", "revoked-key")
	_, st := h.Pass(context.Background())
	if st.Err == nil || !strings.Contains(st.Err.Error(), "HTTP 401") || !strings.Contains(st.Err.Error(), "$EWOM_TEST_TRUSTPILOT_KEY (api_key_env)") ||
		strings.Contains(st.Err.Error(), "revoked-key") {
		t.Fatalf("err %v", st.Err)
	}
	t.Setenv("EWOM_TRUSTPILOT_API_KEY", "")
	t.Setenv("EWOM_TEST_TRUSTPILOT_KEY", "set")
	for yaml, want := range map[string]string{
		"{type: trustpilot}": "business_units:",
		"{type: trustpilot, business_units: [" + unit + "]}":                                                          "api_key_env: $EWOM_TRUSTPILOT_API_KEY is not set",
		"{type: trustpilot, business_units: [tietokonekoijarit.fi], api_key_env: EWOM_TEST_TRUSTPILOT_KEY}":           "business_units[0]",
		"{type: trustpilot, business_units: [" + unit + "], api_key_env: EWOM_TEST_TRUSTPILOT_KEY, languages: [fin]}": "languages[0]",
		"{type: trustpilot, business_units: [" + unit + "], api_key_env: EWOM_TEST_TRUSTPILOT_KEY, web_url: '/x'}":    "web_url",
	} {
		if err := collectortest.BuildError(t, yaml); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", yaml, err, want)
		}
	}
}

func TestCollectStoresThePageAroundABadReview(t *testing.T) {
	body := strings.Replace(string(collectortest.Fixture(t, "page2.json")), `"stars": 3`, `"stars": "3"`, 1)
	body = strings.Replace(body, `"rel": "prev-page"`, `"rel": "next-page"`, 1) // …which is the last anyway
	f := &fakeTrustpilot{pages: [][]byte{collectortest.Fixture(t, "page1.json"), []byte(body)}}
	srv := httptest.NewServer(f)
	defer srv.Close()
	ms, st := harness(t, srv, "").Pass(context.Background())
	if st.Err != nil || len(ms) != 4 || st.Skipped != 1 || st.Errors != 1 || len(f.requests()) != 3 {
		t.Fatalf("%v %v %+v, %d requests", st.Err, collectortest.IDs(ms), st, len(f.requests()))
	}
}

// parse is Parse with the fixtures' web and fetch time.
func parse(body []byte) (collector.ReviewPage, error) { return Parse(body, web, fetched) }

func FuzzParse(f *testing.F) {
	collectortest.FuzzReviews(f, "trustpilot", parse, "documented.json", "page1.json", "page2.json")
}

// BenchmarkParse reports reviews read and normalised per second, on full
// pages of 100 (a third of them with a company reply).
func BenchmarkParse(b *testing.B) {
	body := collectortest.BenchmarkPage(b, "reviews", "id", pageSize, nil, "page1.json")
	collectortest.BenchmarkReviews(b, body, pageSize, pageSize+34, parse)
}
