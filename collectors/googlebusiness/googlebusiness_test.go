package googlebusiness

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ewom/ewom/internal/collector"
	"github.com/ewom/ewom/internal/collector/collectortest"
	"github.com/ewom/ewom/internal/mention"
)

const (
	account   = "109876543210987654321"
	kamppi    = "4567890123456789012"
	tampere   = "4567890123456789013"
	nextToken = "CgkI4tTq-gUQ6AcSBggCEAEYAg"
)

var (
	fetched = time.Date(2026, 12, 6, 18, 0, 0, 0, time.UTC)
	st      = Store{Account: account, Location: kamppi, Name: "TietokoneKoijarit Kamppi", Address: "Urho Kekkosen katu 1, 00100 Helsinki, FI",
		MapsURL: "https://maps.google.com/maps?cid=9876543210123456789"}
)

func TestParse(t *testing.T) {
	pg, err := Parse(collectortest.Fixture(t, "page1.json"), st, fetched)
	if err != nil || pg.Next != nextToken || len(pg.Items) != 4 || !pg.Oldest.Equal(time.Date(2026, 12, 1, 9, 5, 0, 0, time.UTC)) {
		t.Fatalf("page 1: %v %q %d %v", err, pg.Next, len(pg.Items), pg.Oldest)
	}
	five, reply, two, four := pg.Items[0].Mention, pg.Items[1].Mention, pg.Items[2].Mention, pg.Items[3].Mention
	if *five.Rating != 5 || five.Author.Name != "Ville Korhonen" || five.URL != st.MapsURL || five.Engagement.Replies != 1 ||
		!five.PublishedAt.Equal(time.Date(2026, 12, 3, 15, 22, 10, 123456789, time.UTC)) {
		t.Errorf("review %+v", five)
	}
	for k, want := range map[string]string{"store_name": `"TietokoneKoijarit Kamppi"`, "store_address": `"Urho Kekkosen katu 1, 00100 Helsinki, FI"`,
		"location_id": `"` + kamppi + `"`, "account_id": `"` + account + `"`} {
		if got := string(five.Extra[k]); got != want {
			t.Errorf("extra %s = %s, want %s", k, got, want)
		}
	}
	if it := pg.Items[1]; !it.Reply || reply.Author.Name != "TietokoneKoijarit Kamppi" || reply.ParentURL != st.MapsURL ||
		string(reply.Extra[mention.ExtraByBrand]) != "true" || string(reply.Extra["in_reply_to"]) != `"`+five.ID+`"` || string(reply.Extra["store_name"]) == "" {
		t.Errorf("reply %+v", reply)
	}
	if two.Text != "Personalen var trevlig men kön till kassan var över en halvtimme." ||
		string(two.Extra["translated_text"]) != `"Henkilökunta oli ystävällistä, mutta kassajono oli yli puoli tuntia."` {
		t.Errorf("translated review %+v", two)
	}
	if four.Text != "" || four.Title != "★★★★☆" || string(four.Extra["rating_only"]) != "true" || *four.Rating != 4 {
		t.Errorf("rating-only review %+v", four)
	}
	pg, err = Parse(collectortest.Fixture(t, "page2.json"), st, fetched)
	if err != nil || pg.Next != "" || len(pg.Items) != 3 {
		t.Fatalf("page 2: %v %q %d", err, pg.Next, len(pg.Items))
	}
	if one := pg.Items[0].Mention; one.Author.Name != "" || !strings.HasPrefix(one.Text, "Tilasin läppärin") ||
		!strings.HasPrefix(string(one.Extra["translated_text"]), `"I ordered a laptop`) {
		t.Errorf("anonymous translated review %+v", one)
	}
	for _, it := range pg.Items {
		if err := it.Mention.Validate(); err != nil {
			t.Errorf("%s: %v", it.ID, err)
		}
	}
	if pg, err = Parse(collectortest.Fixture(t, "empty.json"), st, fetched); err != nil || len(pg.Items) != 0 || pg.Next != "" {
		t.Errorf("empty location: %v %+v", err, pg)
	}
	for _, bad := range []string{`{"reviews":`, `[]`, `{"reviews":{}}`} {
		if _, err := Parse([]byte(bad), st, fetched); err == nil {
			t.Errorf("%s parsed", bad)
		}
	}
}

func TestParseKeepsThePageAroundBadReviews(t *testing.T) {
	body := `{"reviews":[
{"reviewId":"a","starRating":"STAR_RATING_UNSPECIFIED","comment":"?","createTime":"2026-12-01T10:00:00Z"},
{"starRating":"FIVE","comment":"Ei tunnusta","createTime":"2026-12-01T10:00:01Z"},
{"reviewId":"c","starRating":5,"comment":"Väärä tyyppi","createTime":"2026-12-01T10:00:02Z"},
{"name":"accounts/1/locations/2/reviews/d","starRating":"THREE","comment":"Tunnus nimestä","createTime":"2026-12-01T10:00:03Z","reviewReply":{"comment":"  "}},
{"reviewId":"e","starRating":"FOUR","comment":"Ei aikaa","reviewReply":{"comment":"Kiitos!","updateTime":"tänään"}}]}`
	pg, err := Parse([]byte(body), st, fetched)
	if err != nil {
		t.Fatal(err)
	}
	collectortest.CheckReviewPage(t, pg, "googlebusiness")
	good, bad := collectortest.SplitItems(pg)
	if !slices.Equal(good, []string{"d", "e", "e/reply"}) || !slices.Equal(bad, []string{"a", "", "c", "d/reply"}) {
		t.Fatalf("good %v, bad %v", good, bad)
	}
	if !pg.Items[0].At.Equal(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("time of an unreadable review not kept: %v", pg.Items[0].At)
	}
	for _, it := range pg.Items[len(pg.Items)-2:] {
		if !it.At.IsZero() || it.Estimated == nil || !it.Mention.PublishedAt.Equal(fetched) {
			t.Errorf("undated %+v", it)
		}
	}
}

// fakeGBP serves two stores' reviews, the Business Information API's
// location and a token endpoint for the refresh-token grant.
type fakeGBP struct {
	tokens   *collectortest.TokenEndpoint
	location []byte
	mu       sync.Mutex
	pages    map[string]map[string][]byte // location → page token → body
	reqs     []string
	lookups  int
	answer   func(w http.ResponseWriter, r *http.Request) bool
}

const tampereReviews = `{"reviews":[{"name":"accounts/` + account + `/locations/` + tampere + `/reviews/AbFvOqTre1","reviewId":"AbFvOqTre1",
"reviewer":{"displayName":"Heikki"},"starRating":"FIVE","comment":"Nopea nouto Hämeenkadulta.","createTime":"2026-12-02T10:00:00Z","updateTime":"2026-12-02T10:00:00Z"}],
"averageRating":5,"totalReviewCount":1}`

func newFake(t *testing.T) (*fakeGBP, *httptest.Server) {
	f := &fakeGBP{location: collectortest.Fixture(t, "location.json"), pages: map[string]map[string][]byte{
		kamppi:  {"": collectortest.Fixture(t, "page1.json"), nextToken: collectortest.Fixture(t, "page2.json")},
		tampere: {"": []byte(tampereReviews)},
	}}
	f.tokens = collectortest.NewTokenEndpoint(t, func(form url.Values) error {
		if form.Get("grant_type") != "refresh_token" || form.Get("client_id") != "gbp-client.apps.googleusercontent.com" ||
			form.Get("client_secret") != "gbp-secret" || form.Get("refresh_token") != "1//gbp-refresh" {
			return errors.New("Token has been expired or revoked.")
		}
		return nil
	})
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *fakeGBP) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reqs = append(f.reqs, r.URL.Path+"?"+r.URL.RawQuery)
	if f.answer != nil && f.answer(w, r) {
		return
	}
	if !f.tokens.Authorized(r) {
		w.WriteHeader(http.StatusUnauthorized)
		w.Write([]byte(`{"error":{"code":401,"message":"Request had invalid authentication credentials.","status":"UNAUTHENTICATED"}}`))
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	q := r.URL.Query()
	switch {
	case r.URL.Path == "/v1/locations/"+kamppi && q.Get("readMask") == "title,storefrontAddress,metadata":
		f.lookups++
		w.Write(f.location)
	case strings.HasPrefix(r.URL.Path, "/v4/accounts/"+account+"/locations/") && q.Get("pageSize") == "50" && q.Get("orderBy") == "updateTime desc":
		loc := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/v4/accounts/"+account+"/locations/"), "/reviews")
		if body, ok := f.pages[loc][q.Get("pageToken")]; ok {
			w.Write(body)
			return
		}
		fallthrough
	default:
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte(`{"error":{"code":404,"status":"NOT_FOUND"}}`))
	}
}

func (f *fakeGBP) requests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.reqs)
}

func harness(t *testing.T, srv *httptest.Server, f *fakeGBP, extra string) *collectortest.Harness {
	t.Setenv("EWOM_GBP_CLIENT_ID", "gbp-client.apps.googleusercontent.com")
	t.Setenv("EWOM_GBP_CLIENT_SECRET", "gbp-secret")
	t.Setenv("EWOM_TEST_GBP_REFRESH", "1//gbp-refresh")
	return collectortest.New(t, fmt.Sprintf(`{type: googlebusiness, name: gbp, account: "%s", refresh_token_env: EWOM_TEST_GBP_REFRESH,
locations: [{id: "%s"}, {id: "%s", name: TietokoneKoijarit Tampere, address: "Hämeenkatu 10, 33100 Tampere"}],
base_url: '%s', info_url: '%s', token_url: '%s', allow_networks: [127.0.0.1]%s}`, account, kamppi, tampere, srv.URL, srv.URL, f.tokens.URL, extra))
}

// Both stores on the first pass, each review with its store's name and
// address (one looked up, one configured); nothing again after a restart;
// then a late owner reply, once.
func TestCollectStoresResumeAndLateReplies(t *testing.T) {
	f, srv := newFake(t)
	h := harness(t, srv, f, ", reply_window: 87600h")
	ctx := context.Background()
	ms, stats := h.Pass(ctx)
	if stats.Err != nil || len(ms) != 8 || f.lookups != 1 {
		t.Fatalf("first pass: %v %v, %d lookups", stats.Err, collectortest.IDs(ms), f.lookups)
	}
	stores := map[string]int{}
	for i, m := range ms {
		if i > 0 && i < 7 && ms[i-1].PublishedAt.After(m.PublishedAt) {
			t.Errorf("not oldest first: %s after %s", m.ID, ms[i-1].ID)
		}
		stores[string(m.Extra["store_name"])+" @ "+string(m.Extra["store_address"])]++
	}
	if stores[`"TietokoneKoijarit Kamppi" @ "Urho Kekkosen katu 1, 00100 Helsinki, FI"`] != 7 || stores[`"TietokoneKoijarit Tampere" @ "Hämeenkatu 10, 33100 Tampere"`] != 1 {
		t.Errorf("stores %v", stores)
	}
	if ms[0].URL != "https://maps.google.com/maps?cid=9876543210123456789" || ms[7].URL != "" {
		t.Errorf("urls %q %q", ms[0].URL, ms[7].URL)
	}
	if ms, stats = h.Pass(ctx); stats.Err != nil || len(ms) != 0 {
		t.Fatalf("second pass: %v %v", stats.Err, collectortest.IDs(ms))
	}
	// The owner answers Tom Walker's review of last week.
	f.mu.Lock()
	f.pages[kamppi][nextToken] = []byte(strings.Replace(string(f.pages[kamppi][nextToken]), `"updateTime": "2026-11-27T13:30:00Z"`,
		`"updateTime": "2026-11-27T13:30:00Z", "reviewReply": {"comment": "Thanks Tom, check our price match guarantee.", "updateTime": "2026-12-05T09:00:00Z"}`, 1))
	f.mu.Unlock()
	ms, stats = h.Pass(ctx)
	if stats.Err != nil || !slices.Equal(collectortest.IDs(ms), []string{"AbFvOqjH3g4F5d6S7a8Q9w0E1r2T3y4U5i6O/reply"}) ||
		string(ms[0].Extra[mention.ExtraByBrand]) != "true" {
		t.Fatalf("third pass: %v %v", stats.Err, collectortest.IDs(ms))
	}
	h.Pass(ctx)
	h.PublishedOnce(9)
}

// A failed lookup of a store's name is reported; its reviews are stored
// anyway, with the location id.
func TestCollectWithoutTheLocationsAPI(t *testing.T) {
	f, srv := newFake(t)
	f.answer = func(w http.ResponseWriter, r *http.Request) bool {
		if strings.HasPrefix(r.URL.Path, "/v1/locations/") {
			w.WriteHeader(http.StatusForbidden)
			w.Write([]byte(`{"error":{"code":403,"message":"My Business Business Information API has not been used in project 123 before or it is disabled.","status":"PERMISSION_DENIED"}}`))
			return true
		}
		return false
	}
	ms, stats := harness(t, srv, f, "").Pass(context.Background())
	if stats.Err != nil || len(ms) != 8 || stats.Errors != 1 {
		t.Fatalf("%v %d mentions, %d errors", stats.Err, len(ms), stats.Errors)
	}
	if m := ms[0]; m.Extra["store_name"] != nil || string(m.Extra["location_id"]) != `"`+kamppi+`"` {
		t.Errorf("unnamed store's review %+v", m.Extra)
	}
}

// A 429 with Retry-After fails the store's pass as a rate limit the runner
// backs off on; the quota is the project's, so the other store waits too
// (a wait of up to two minutes is slept through inside the pass, a longer
// one ends it). Nothing half-read is stored; the next pass gets it all.
func TestCollectRateLimited(t *testing.T) {
	f, srv := newFake(t)
	limited := true
	f.answer = func(w http.ResponseWriter, r *http.Request) bool {
		if limited && r.URL.Query().Get("pageToken") == nextToken {
			limited = false
			w.Header().Set("Retry-After", "300")
			w.WriteHeader(http.StatusTooManyRequests)
			w.Write([]byte(`{"error":{"code":429,"status":"RESOURCE_EXHAUSTED"}}`))
			return true
		}
		return false
	}
	collectortest.CheckRateLimited(t, harness(t, srv, f, ""), 300*time.Second, 8)
	// The first pass: the lookup and Kamppi's two pages; Tampere waited.
	// The second: the lookup and three pages.
	if n := len(f.requests()); n != 3+4 {
		t.Errorf("%d requests: %v", n, f.requests())
	}
}

func TestCollectAuthFailuresNameTheKeys(t *testing.T) {
	ctx := context.Background()
	keys := "$EWOM_GBP_CLIENT_ID, $EWOM_GBP_CLIENT_SECRET and $EWOM_TEST_GBP_REFRESH (client_id_env, client_secret_env, refresh_token_env)"
	t.Run("revoked refresh token", func(t *testing.T) {
		f, srv := newFake(t)
		h := harness(t, srv, f, "")
		t.Setenv("EWOM_TEST_GBP_REFRESH", "1//revoked")
		_, stats := h.Pass(ctx)
		if stats.Err == nil || !strings.Contains(stats.Err.Error(), keys) || !strings.Contains(stats.Err.Error(), "invalid_grant") || strings.Contains(stats.Err.Error(), "1//revoked") {
			t.Fatalf("err %v", stats.Err)
		}
	})
	t.Run("API refuses the token", func(t *testing.T) {
		f, srv := newFake(t)
		f.answer = func(w http.ResponseWriter, r *http.Request) bool {
			w.WriteHeader(http.StatusUnauthorized)
			return true
		}
		_, stats := harness(t, srv, f, "").Pass(ctx)
		if stats.Err == nil || !strings.Contains(stats.Err.Error(), "HTTP 401") || !strings.Contains(stats.Err.Error(), keys) {
			t.Fatalf("err %v", stats.Err)
		}
	})
	t.Run("configuration", func(t *testing.T) {
		t.Setenv("EWOM_GBP_CLIENT_ID", "id")
		t.Setenv("EWOM_GBP_CLIENT_SECRET", "")
		for yaml, want := range map[string]string{
			"{type: googlebusiness, locations: [{id: '1'}]}":               "account:",
			"{type: googlebusiness, account: '1'}":                         "locations:",
			"{type: googlebusiness, account: '1', locations: [{id: '2'}]}": "client_secret_env: $EWOM_GBP_CLIENT_SECRET is not set",
			"{type: googlebusiness, account: '1', locations: [{id: Kamppi}], client_secret_env: EWOM_GBP_CLIENT_ID, refresh_token_env: EWOM_GBP_CLIENT_ID}": "locations[0].id",
		} {
			if err := collectortest.BuildError(t, yaml); err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("%s: %v, want %q", yaml, err, want)
			}
		}
		if err := collectortest.BuildError(t, "{type: googlebusiness, account: '1', locations: [{id: '2', city: Turku}]}"); err == nil || !strings.Contains(err.Error(), "city") {
			t.Errorf("misspelt location key: %v", err)
		}
	})
}

func TestCollectStoresThePageAroundABadReview(t *testing.T) {
	f, srv := newFake(t)
	f.pages[kamppi][nextToken] = []byte(strings.Replace(string(collectortest.Fixture(t, "page2.json")), `"starRating": "THREE"`, `"starRating": "KOLME"`, 1))
	ms, stats := harness(t, srv, f, "").Pass(context.Background())
	if stats.Err != nil || len(ms) != 7 || stats.Skipped != 1 || stats.Errors != 1 {
		t.Fatalf("%v %v %+v", stats.Err, collectortest.IDs(ms), stats)
	}
}

// parse is Parse with the fixtures' store and fetch time.
func parse(body []byte) (collector.ReviewPage, error) { return Parse(body, st, fetched) }

func FuzzParse(f *testing.F) {
	collectortest.FuzzReviews(f, "googlebusiness", parse, "page1.json", "page2.json", "empty.json")
}

// BenchmarkParse reports reviews read and normalised per second, on full
// pages of 50 (translated comments, replies and rating-only reviews mixed
// as in the fixtures).
func BenchmarkParse(b *testing.B) {
	body := collectortest.BenchmarkPage(b, "reviews", "reviewId", pageSize, map[string]any{"nextPageToken": nextToken}, "page1.json", "page2.json")
	collectortest.BenchmarkReviews(b, body, pageSize, pageSize+20, parse)
}
