package googleplay

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
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
	app         = "fi.tietokonekoijarit.app"
	clientEmail = "ewom-reviews@ewom-test.iam.gserviceaccount.com"
	nextToken   = "Cg0IARIJCgcI2Zf-pBQQ"
)

var fetched = time.Date(2026, 12, 6, 18, 0, 0, 0, time.UTC)

// The example of Google's "Reply to Reviews" guide: a review, and one with
// every field and the developer's reply. The second review's date (1974) is
// outside what a mention accepts, so it gets the fetch time, flagged.
func TestParseDocumentedExample(t *testing.T) {
	pg, err := Parse(collectortest.Fixture(t, "documented.json"), app, fetched)
	if err != nil {
		t.Fatal(err)
	}
	if pg.Next != "12334566" || len(pg.Items) != 3 || !pg.Oldest.Equal(time.Unix(1443676826, 713000000)) {
		t.Fatalf("page: next %q, %d items, oldest %v", pg.Next, len(pg.Items), pg.Oldest)
	}
	jane, john, reply := pg.Items[0], pg.Items[1], pg.Items[2]
	if jane.Err != nil || jane.Mention.Text != "This is the best app ever!" || *jane.Mention.Rating != 5 || jane.Mention.Author.Name != "Jane Bloggs" ||
		!jane.At.Equal(time.Date(2015, 10, 1, 5, 20, 26, 713000000, time.UTC)) || jane.Mention.URL != "https://play.google.com/store/apps/details?id="+app+"&reviewId=12345678" {
		t.Errorf("first review %+v %+v", jane, jane.Mention)
	}
	m := john.Mention
	if john.Err != nil || !john.At.IsZero() || john.Estimated == nil || !m.PublishedAt.Equal(fetched) || string(m.Extra[collector.ExtraTimeEstimated]) != "true" {
		t.Errorf("1974 review: %+v", john)
	}
	for k, want := range map[string]string{"app_id": `"` + app + `"`, "app_version": `"1.2.3"`, "app_version_code": "12345", "device": `"E5333 (Xperia™ C4 Dual)"`,
		"device_codename": `"trltecan"`, "device_manufacturer": `"Sony"`, "device_class": `"phone"`, "android_sdk": "21", "reviewer_language": `"en"`, "thumbs_down": "3"} {
		if got := string(m.Extra[k]); got != want {
			t.Errorf("extra %s = %s, want %s", k, got, want)
		}
	}
	if m.Lang != "en" || m.Engagement.Likes != 10 || m.Engagement.Replies != 1 {
		t.Errorf("second review %+v", m)
	}
	r := reply.Mention
	if !reply.Reply || reply.ID != "11223344/reply" || r.ID != reply.ID || r.Text != "That's great to hear!" || r.Rating != nil ||
		!reply.At.Equal(time.Date(2015, 2, 5, 1, 57, 47, 813000000, time.UTC)) || r.ParentURL != m.URL ||
		string(r.Extra[mention.ExtraByBrand]) != "true" || string(r.Extra["in_reply_to"]) != `"11223344"` {
		t.Errorf("reply %+v %+v", reply, r)
	}
	for _, it := range pg.Items {
		if err := it.Mention.Validate(); err != nil {
			t.Errorf("%s: %v", it.ID, err)
		}
	}
}

func TestParsePages(t *testing.T) {
	pg, err := Parse(collectortest.Fixture(t, "page1.json"), app, fetched)
	if err != nil || pg.Next != nextToken || len(pg.Items) != 5 {
		t.Fatalf("%v %q %d", err, pg.Next, len(pg.Items))
	}
	m := pg.Items[0].Mention
	if m.Title != "Sovellus kaatuu kassalla" || !strings.HasPrefix(m.Text, "Maksu ei mene läpi") || m.Lang != "fi" || *m.Rating != 1 ||
		string(m.Extra["device"]) != `"Galaxy A52 (SM-A525F)"` || string(m.Extra["app_version"]) != `"4.2.1"` {
		t.Errorf("titled review %+v", m)
	}
	if it := pg.Items[1]; !it.Reply || !strings.HasPrefix(it.Mention.Text, "Pahoittelut Matti!") {
		t.Errorf("reply %+v", it)
	}
	pg, err = Parse(collectortest.Fixture(t, "page2.json"), app, fetched)
	if err != nil || pg.Next != "" || len(pg.Items) != 2 || pg.Items[0].Mention.Lang != "fi" ||
		string(pg.Items[1].Mention.Extra["device"]) != `"a14"` || pg.Items[1].Mention.Extra["device_codename"] != nil {
		t.Fatalf("last page: %v %q %+v", err, pg.Next, pg.Items)
	}
	for _, bad := range []string{`{"reviews":`, `[]`, `{"reviews":{}}`} {
		if _, err := Parse([]byte(bad), app, fetched); err == nil {
			t.Errorf("%s parsed", bad)
		}
	}
}

// One review that cannot be read costs itself: the rest of the page is
// stored, and its time, when readable, is kept for the cursor.
func TestParseKeepsThePageAroundBadReviews(t *testing.T) {
	body := `{"reviews":[
{"reviewId":"a","comments":[{"userComment":{"text":"Hyvä","starRating":"viisi","lastModified":{"seconds":"1796112900"}}}]},
{"comments":[{"userComment":{"text":"Ei id:tä","starRating":4,"lastModified":{"seconds":"1796112901"}}}]},
{"reviewId":"c","comments":[{"userComment":{"text":"Tähtiä liikaa","starRating":9,"lastModified":{"seconds":"1796112902"}}}]},
{"reviewId":"d","comments":[{"developerComment":{"text":"Vain vastaus"}}]},
{"reviewId":"e","comments":[{"userComment":{"text":"Toimii hyvin","starRating":5,"lastModified":{"seconds":"1796112903"}}},{"developerComment":{"text":"  "}}]},
{"reviewId":"f","comments":[{"userComment":{"text":"Ei päivää","starRating":3}}]}]}`
	pg, err := Parse([]byte(body), app, fetched)
	if err != nil {
		t.Fatal(err)
	}
	collectortest.CheckReviewPage(t, pg, "googleplay")
	good, bad := collectortest.SplitItems(pg)
	if !slices.Equal(good, []string{"e", "f"}) || !slices.Equal(bad, []string{"a", "", "c", "d", "e/reply"}) {
		t.Fatalf("good %v, bad %v", good, bad)
	}
	if !pg.Items[0].At.Equal(time.Unix(1796112900, 0)) || !pg.Items[1].At.Equal(time.Unix(1796112901, 0)) {
		t.Errorf("times of unreadable reviews not kept: %v %v", pg.Items[0].At, pg.Items[1].At)
	}
	if f := pg.Items[len(pg.Items)-1]; !f.At.IsZero() || f.Estimated == nil || !f.Mention.PublishedAt.Equal(fetched) {
		t.Errorf("undated review %+v", f)
	}
}

// A service account key written to a temporary file, and the check of the
// signed assertion the token endpoint receives.
var testKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

func keyFile(t testing.TB) string {
	der, err := x509.MarshalPKCS8PrivateKey(testKey())
	if err != nil {
		t.Fatal(err)
	}
	js, _ := json.Marshal(map[string]string{
		"type": "service_account", "project_id": "ewom-test", "private_key_id": "3f2a",
		"private_key":  string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		"client_email": clientEmail, "client_id": "1234567890", "token_uri": collector.GoogleTokenURL,
	})
	path := filepath.Join(t.TempDir(), "play-key.json")
	if err := os.WriteFile(path, js, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// checkAssertion verifies the JWT bearer grant as Google does: RS256 with
// the account's key, issuer, audience, scope and an hour's validity.
func checkAssertion(form url.Values) error {
	if form.Get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer" {
		return fmt.Errorf("grant_type %q", form.Get("grant_type"))
	}
	parts := strings.Split(form.Get("assertion"), ".")
	if len(parts) != 3 {
		return errors.New("not a JWT")
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return err
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(&testKey().PublicKey, crypto.SHA256, sum[:], sig); err != nil {
		return errors.New("Invalid JWT Signature.")
	}
	var header struct{ Alg, Kid string }
	var claims struct {
		Iss, Aud, Scope string
		Iat, Exp        int64
	}
	h, _ := base64.RawURLEncoding.DecodeString(parts[0])
	c, _ := base64.RawURLEncoding.DecodeString(parts[1])
	if json.Unmarshal(h, &header) != nil || json.Unmarshal(c, &claims) != nil {
		return errors.New("unreadable JWT")
	}
	if header.Alg != "RS256" || header.Kid != "3f2a" || claims.Iss != clientEmail || claims.Aud != collector.GoogleTokenURL ||
		claims.Scope != Scope || claims.Exp-claims.Iat != 3600 || time.Since(time.Unix(claims.Iat, 0)).Abs() > time.Minute {
		return fmt.Errorf("bad JWT %+v %+v", header, claims)
	}
	return nil
}

// fakePlay serves reviews.list from the fixtures: page1 first, page2 for
// its token; extra reviews can be put on top.
type fakePlay struct {
	t      *testing.T
	tokens *collectortest.TokenEndpoint
	mu     sync.Mutex
	pages  map[string][]byte
	reqs   []string
	// answer, when set, answers a request instead (rate limits, refusals).
	answer func(w http.ResponseWriter, r *http.Request) bool
}

func newFakePlay(t *testing.T) (*fakePlay, *httptest.Server) {
	f := &fakePlay{t: t, tokens: collectortest.NewTokenEndpoint(t, checkAssertion),
		pages: map[string][]byte{"": collectortest.Fixture(t, "page1.json"), nextToken: collectortest.Fixture(t, "page2.json")}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *fakePlay) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reqs = append(f.reqs, r.URL.RawQuery)
	if f.answer != nil && f.answer(w, r) {
		return
	}
	if r.URL.Path != "/androidpublisher/v3/applications/"+app+"/reviews" || r.URL.Query().Get("maxResults") != "100" {
		http.NotFound(w, r)
		return
	}
	if !f.tokens.Authorized(r) {
		w.WriteHeader(http.StatusUnauthorized)
		w.Write([]byte(`{"error":{"code":401,"message":"Request had invalid authentication credentials.","status":"UNAUTHENTICATED"}}`))
		return
	}
	body, ok := f.pages[r.URL.Query().Get("token")]
	if !ok {
		http.Error(w, `{"error":{"code":400,"status":"INVALID_ARGUMENT"}}`, http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.Write(body)
}

func (f *fakePlay) set(fn func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn()
}

func (f *fakePlay) requests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.reqs)
}

func harness(t *testing.T, srv *httptest.Server, f *fakePlay, key, extra string) *collectortest.Harness {
	return collectortest.New(t, fmt.Sprintf("{type: googleplay, name: play, apps: [%s], key_file: '%s', token_url: '%s', base_url: '%s', allow_networks: [127.0.0.1]%s}",
		app, key, f.tokens.URL, srv.URL, extra))
}

// Both pages on the first pass, oldest first; nothing again after a
// restart; then a new review and a late developer reply to an old review,
// each once.
func TestCollectPagesResumeAndLateReplies(t *testing.T) {
	f, srv := newFakePlay(t)
	h := harness(t, srv, f, keyFile(t), ", reply_window: 87600h")
	ctx := context.Background()
	ms, st := h.Pass(ctx)
	want := []string{
		"gp:AOqpTOAb5Cd8Ef1Gh4Ij7Kl0Mn3Op6Qr9St2Uv5Wx8Yz1", "gp:AOqpTOGz4Xx1Cc7Vv0Bb3Nn6Mm9Qq2Ww5Ee8Rr1Tt4Yy7",
		"gp:AOqpTOEw7Tt3Yu6Ii9Oo2Pp5Aa8Ss1Dd4Ff7Gg0Hh3Jj6", "gp:AOqpTOEw7Tt3Yu6Ii9Oo2Pp5Aa8Ss1Dd4Ff7Gg0Hh3Jj6/reply",
		"gp:AOqpTOFq2Rn8Vb5Xc1Zd7Ae3Sf9Gh4Jk6Lm0Np2Qr5St", "gp:AOqpTOH3kYbWm1rQ7xTzV0aJc2Lp9sNd4Eu6Fg8Hi0Jk",
		"gp:AOqpTOH3kYbWm1rQ7xTzV0aJc2Lp9sNd4Eu6Fg8Hi0Jk/reply",
	}
	if st.Err != nil || !slices.Equal(collectortest.IDs(ms), want) {
		t.Fatalf("first pass: %v\n%v", st.Err, collectortest.IDs(ms))
	}
	if f.tokens.Issued() != 1 || len(f.requests()) != 2 || !strings.Contains(f.requests()[1], "token="+nextToken) {
		t.Errorf("tokens %d, requests %v", f.tokens.Issued(), f.requests())
	}

	ms, st = h.Pass(ctx) // a restart: a new runner, the stored cursor
	if st.Err != nil || len(ms) != 0 || st.Skipped != 7 {
		t.Fatalf("second pass: %v %v skipped %d", st.Err, collectortest.IDs(ms), st.Skipped)
	}

	// A new review on top, and the developer answers Liisa's review of
	// page 2, days after it was written.
	f.set(func() {
		var p1, p2 map[string]any
		json.Unmarshal(f.pages[""], &p1)
		json.Unmarshal(f.pages[nextToken], &p2)
		p1["reviews"] = append([]any{map[string]any{"reviewId": "gp:new", "authorName": "Anna", "comments": []any{
			map[string]any{"userComment": map[string]any{"text": "Nyt toimii, kiitos!", "starRating": 5, "lastModified": map[string]any{"seconds": "1796200000"}}}}}},
			p1["reviews"].([]any)...)
		liisa := p2["reviews"].([]any)[0].(map[string]any)
		liisa["comments"] = append(liisa["comments"].([]any), map[string]any{"developerComment": map[string]any{
			"text": "Hei Liisa, tilaushistorian lataus on korjattu versiossa 4.2.2.", "lastModified": map[string]any{"seconds": "1796190000"}}})
		f.pages[""], _ = json.Marshal(p1)
		f.pages[nextToken], _ = json.Marshal(p2)
	})
	ms, st = h.Pass(ctx)
	if st.Err != nil || !slices.Equal(collectortest.IDs(ms), []string{"gp:AOqpTOGz4Xx1Cc7Vv0Bb3Nn6Mm9Qq2Ww5Ee8Rr1Tt4Yy7/reply", "gp:new"}) {
		t.Fatalf("third pass: %v %v", st.Err, collectortest.IDs(ms))
	}
	reply := ms[0]
	if string(reply.Extra[mention.ExtraByBrand]) != "true" || !strings.Contains(reply.ParentURL, "reviewId=gp%3AAOqpTOGz4") {
		t.Errorf("late reply %+v", reply)
	}
	h.Pass(ctx)
	h.PublishedOnce(9)
}

// Pages stop at the last pass's newest review once the reply window is
// behind it.
func TestCollectStopsAtTheMark(t *testing.T) {
	f, srv := newFakePlay(t)
	collectortest.CheckResume(t, harness(t, srv, f, keyFile(t), ", reply_window: 1h"), 7, func() int { return len(f.requests()) })
}

// A 429 with Retry-After fails the app's pass as a rate limit the runner
// backs off on, stores nothing half-read, and the next pass gets it all.
func TestCollectRateLimited(t *testing.T) {
	f, srv := newFakePlay(t)
	limited := true
	f.answer = func(w http.ResponseWriter, r *http.Request) bool {
		if limited && r.URL.Query().Get("token") == nextToken {
			limited = false
			w.Header().Set("Retry-After", "30")
			w.WriteHeader(http.StatusTooManyRequests)
			w.Write([]byte(`{"error":{"code":429,"message":"Quota exceeded","status":"RESOURCE_EXHAUSTED"}}`))
			return true
		}
		return false
	}
	collectortest.CheckRateLimited(t, harness(t, srv, f, keyFile(t), ", reply_window: 1h"), 30*time.Second, 7)
}

func TestCollectAuthFailuresNameTheKey(t *testing.T) {
	ctx := context.Background()
	t.Run("token endpoint refuses the key", func(t *testing.T) {
		f, srv := newFakePlay(t)
		other := keyFile(t)
		js, _ := os.ReadFile(other)
		var k map[string]string
		json.Unmarshal(js, &k)
		k["client_email"] = "someone-else@ewom-test.iam.gserviceaccount.com"
		js, _ = json.Marshal(k)
		os.WriteFile(other, js, 0o600)
		_, st := harness(t, srv, f, other, "").Pass(ctx)
		if st.Err == nil || !strings.Contains(st.Err.Error(), "key_file ("+other+")") || !strings.Contains(st.Err.Error(), "invalid_grant") {
			t.Fatalf("err %v", st.Err)
		}
	})
	t.Run("API refuses every token", func(t *testing.T) {
		f, srv := newFakePlay(t)
		f.answer = func(w http.ResponseWriter, r *http.Request) bool {
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"error":{"code":401,"status":"UNAUTHENTICATED"}}`))
			return true
		}
		key := keyFile(t)
		_, st := harness(t, srv, f, key, "").Pass(ctx)
		if st.Err == nil || !strings.Contains(st.Err.Error(), "HTTP 401") || !strings.Contains(st.Err.Error(), "key_file ("+key+")") || f.tokens.Issued() != 2 {
			t.Fatalf("err %v, %d tokens", st.Err, f.tokens.Issued())
		}
	})
	t.Run("account without access to the app", func(t *testing.T) {
		f, srv := newFakePlay(t)
		f.answer = func(w http.ResponseWriter, r *http.Request) bool {
			w.WriteHeader(http.StatusForbidden)
			w.Write([]byte(`{"error":{"code":403,"message":"The current user has insufficient permissions to perform the requested operation.","status":"PERMISSION_DENIED"}}`))
			return true
		}
		_, st := harness(t, srv, f, keyFile(t), "").Pass(ctx)
		if st.Err == nil || !strings.Contains(st.Err.Error(), "HTTP 403") || !strings.Contains(st.Err.Error(), "key_file") {
			t.Fatalf("err %v", st.Err)
		}
	})
	t.Run("configuration", func(t *testing.T) {
		t.Setenv("EWOM_TEST_PLAY_KEY", "")
		bad := filepath.Join(t.TempDir(), "bad.json")
		os.WriteFile(bad, []byte(`{"type":"authorized_user"}`), 0o600)
		for yaml, want := range map[string]string{
			"{type: googleplay, key_file: /x.json}":                                                    "apps:",
			"{type: googleplay, apps: [fi.tk.app]}":                                                    "key_file: required",
			"{type: googleplay, apps: [fi.tk.app], key_env: EWOM_TEST_PLAY_KEY}":                       "key_env: $EWOM_TEST_PLAY_KEY is not set",
			"{type: googleplay, apps: [fi.tk.app], key_file: /nonexistent/key.json}":                   "key_file: open /nonexistent/key.json",
			"{type: googleplay, apps: [fi.tk.app], key_file: '" + bad + "'}":                           "key_file: not a service account",
			"{type: googleplay, apps: [Tietokone Koijarit], key_file: '" + bad + "'}":                  "key_file: not a service account",
			"{type: googleplay, apps: [fi.tk.app], key_file: /a, key_env: B}":                          "not both",
			"{type: googleplay, apps: [fi.tk.app], key_file: /a, translation_language: 'suomi kieli'}": "translation_language",
		} {
			if err := collectortest.BuildError(t, yaml); err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("%s: %v, want %q", yaml, err, want)
			}
		}
		if err := collectortest.BuildError(t, "{type: googleplay, apps: [Tietokone Koijarit], key_file: '"+keyFile(t)+"'}"); err == nil || !strings.Contains(err.Error(), "apps[0]") {
			t.Errorf("bad package name: %v", err)
		}
	})
}

// The key can come from the environment instead of a file.
func TestKeyFromEnvironment(t *testing.T) {
	f, srv := newFakePlay(t)
	js, _ := os.ReadFile(keyFile(t))
	t.Setenv("EWOM_TEST_PLAY_KEY", string(js))
	h := collectortest.New(t, fmt.Sprintf("{type: googleplay, name: play, apps: [%s], key_env: EWOM_TEST_PLAY_KEY, token_url: '%s', base_url: '%s', allow_networks: [127.0.0.1]}",
		app, f.tokens.URL, srv.URL))
	if ms, st := h.Pass(context.Background()); st.Err != nil || len(ms) != 7 {
		t.Fatalf("%v %d", st.Err, len(ms))
	}
}

// A page with one malformed review stores the rest.
func TestCollectStoresThePageAroundABadReview(t *testing.T) {
	body := strings.Replace(string(collectortest.Fixture(t, "page2.json")), `"starRating": 2`, `"starRating": "kaksi"`, 1)
	f := &fakePlay{t: t, tokens: collectortest.NewTokenEndpoint(t, checkAssertion), pages: map[string][]byte{"": []byte(body)}}
	srv := httptest.NewServer(f)
	defer srv.Close()
	ms, st := harness(t, srv, f, keyFile(t), "").Pass(context.Background())
	if st.Err != nil || !slices.Equal(collectortest.IDs(ms), []string{"gp:AOqpTOAb5Cd8Ef1Gh4Ij7Kl0Mn3Op6Qr9St2Uv5Wx8Yz1"}) || st.Skipped != 1 || st.Errors != 1 {
		t.Fatalf("%v %v %+v", st.Err, collectortest.IDs(ms), st)
	}
}

// parse is Parse with the fixtures' app and fetch time.
func parse(body []byte) (collector.ReviewPage, error) { return Parse(body, app, fetched) }

func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"reviews":[{"reviewId":"x","comments":[{"userComment":{"text":"a\tb","starRating":3,"lastModified":{"seconds":"99999999999999"}}},{"developerComment":{"text":"c"}}]}]}`))
	collectortest.FuzzReviews(f, "googleplay", parse, "documented.json", "page1.json", "page2.json")
}

// BenchmarkParse reports reviews read and normalised per second, on pages
// of 100 reviews (two thirds of them with a developer reply).
func BenchmarkParse(b *testing.B) {
	body := collectortest.BenchmarkPage(b, "reviews", "reviewId", pageSize, map[string]any{"tokenPagination": map[string]string{"nextPageToken": nextToken}}, "page1.json")
	collectortest.BenchmarkReviews(b, body, pageSize, pageSize+67, parse)
}
