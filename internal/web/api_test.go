package web

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ewom/ewom/internal/alert"
	"github.com/ewom/ewom/internal/api"
	"github.com/ewom/ewom/internal/classify"
	"github.com/ewom/ewom/internal/config"
	"github.com/ewom/ewom/internal/store"
	"github.com/ewom/ewom/internal/store/storetest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	storetest.StopShared()
	os.Exit(code)
}

const testToken = "test-token-0123456789"

// newTestServer serves the dashboards through the real API server, with an
// admin (the API token) and a viewer account; opts change the configuration.
func newTestServer(t testing.TB, s store.Store, opts ...func(*config.Config)) *httptest.Server {
	t.Helper()
	return newTestServerWith(t, s, nil, opts...)
}

// newTestServerWith is newTestServer with configure applied to the
// dashboards' server before it serves (nil: nothing).
func newTestServerWith(t testing.TB, s store.Store, configure func(*Server), opts ...func(*config.Config)) *httptest.Server {
	t.Helper()
	return newTestServerAlerts(t, s, func(config.Config) api.Routes { return fakeAlerts{} }, configure, opts...)
}

// newTestServerAlerts is newTestServerWith with the alert role's routes
// made from the server's configuration.
func newTestServerAlerts(t testing.TB, s store.Store, alerts func(config.Config) api.Routes, configure func(*Server),
	opts ...func(*config.Config)) *httptest.Server {
	t.Helper()
	t.Setenv("EWOM_TEST_VIEWER_PASSWORD", "viewer-pass")
	t.Setenv("EWOM_TEST_ADMIN_PASSWORD", "admin-pass")
	cfg := config.Default()
	cfg.HTTP.Token = testToken
	cfg.Brands = brands
	cfg.Web.Users = []config.WebUser{{Name: "viewer", Role: "viewer", PasswordEnv: "EWOM_TEST_VIEWER_PASSWORD"},
		{Name: "admin", Role: "admin", PasswordEnv: "EWOM_TEST_ADMIN_PASSWORD"}}
	for _, o := range opts {
		o(&cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	cls, err := classify.New(brands)
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	w, err := New(Deps{Store: s, Classifier: cls, Config: cfg, Logger: slog.New(slog.NewTextHandler(tWriter{t}, nil)), Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	w.now = func() time.Time { return weekEnd }
	t.Cleanup(w.authors.wg.Wait) // a background build of the author table
	if configure != nil {
		configure(w)
	}
	srv := &api.Server{API: true, Store: s, Token: testToken, MaxBodyBytes: 1 << 20, MaxURLBytes: cfg.HTTP.MaxURLBytes, Gatherer: reg,
		Registerer: reg, Log: slog.New(slog.DiscardHandler), Routes: []api.Routes{w, w.WithSessions(alerts(cfg))}, Ready: map[string]api.Checker{}}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return ts
}

// fakeAlerts serves GET /api/v1/alerts as the alert role does (internal/alert
// api.go), with its own types, so the pages are tested against its contract
// without running the detector.
type fakeAlerts struct{}

func (fakeAlerts) Register(mux *http.ServeMux, authenticate func(http.HandlerFunc) http.HandlerFunc) {
	mux.HandleFunc("POST /api/v1/alerts/{id}/ack", authenticate(func(w http.ResponseWriter, r *http.Request) {
		api.WriteJSON(w, http.StatusOK, map[string]string{"acked": r.PathValue("id")})
	}))
	mux.HandleFunc("GET /api/v1/alerts", authenticate(func(w http.ResponseWriter, r *http.Request) {
		fired := weekStart.Add(5 * 24 * time.Hour)
		resolved := fired.Add(6 * time.Hour)
		x := &alert.Explanation{Summary: "Negative mentions of TietokoneKoijarit about delivery: " + xssCorpus[1],
			From: fired.Add(-time.Hour), To: fired, TopTerms: []alert.NameCount{{Name: "toimitus", Count: 9}, {Name: xssCorpus[0], Count: 2}}}
		all := []alert.Alert{
			{ID: "a1", Kind: "negative_spike", Brand: "TietokoneKoijarit", SegmentKind: "journey_stage", SegmentValue: "delivery",
				State: alert.StateFiring, Severity: "critical", StartedAt: fired, FiredAt: fired, UpdatedAt: fired, Window: "1h",
				Observed: 24, Expected: 3.1, Explanation: x},
			{ID: "a2", Kind: "negative_spike", Brand: "Rival", SegmentKind: "all", State: alert.StateResolved, Severity: "warning",
				StartedAt: weekStart, FiredAt: weekStart, UpdatedAt: weekStart, ResolvedAt: &resolved, Window: "15m", Observed: 7, Expected: 1},
		}
		// As the alert role answers: state=firing by default, resolved or all.
		state := r.URL.Query().Get("state")
		out := []alert.Alert{}
		for _, a := range all {
			if state == "all" || a.State == state || (state == "" && a.State == alert.StateFiring) {
				out = append(out, a)
			}
		}
		api.WriteJSON(w, http.StatusOK, map[string]any{"alerts": out})
	}))
}

// tWriter sends logs to the test's output.
type tWriter struct{ t testing.TB }

func (w tWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}

// client is a signed-in browser-like client.
type client struct {
	t    testing.TB
	base string
	http *http.Client
	csrf string
}

var csrfMeta = regexp.MustCompile(`<meta name="csrf-token" content="([^"]+)"`)

func login(t testing.TB, base, user, password string) *client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &client{t: t, base: base, http: &http.Client{Jar: jar}}
	page := c.text("GET", "/login", nil, http.StatusOK)
	tok := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(page)
	if tok == nil {
		t.Fatalf("no CSRF field in the sign-in form:\n%s", page)
	}
	resp, err := c.http.PostForm(base+"/login", url.Values{"user": {user}, "password": {password}, "csrf": {tok[1]}, "next": {"/"}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := csrfMeta.FindSubmatch(body)
	if resp.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("sign in as %s: %d\n%s", user, resp.StatusCode, body)
	}
	c.csrf = string(m[1])
	return c
}

func (c *client) do(method, path string, body io.Reader, header map[string]string) *http.Response {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	return resp
}

func (c *client) text(method, path string, body io.Reader, want int) string {
	c.t.Helper()
	resp := c.do(method, path, body, nil)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		c.t.Fatalf("%s %s: status %d, want %d: %s", method, path, resp.StatusCode, want, b)
	}
	return string(b)
}

func (c *client) getJSON(path string, v any) {
	c.t.Helper()
	if err := json.Unmarshal([]byte(c.text("GET", path, nil, http.StatusOK)), v); err != nil {
		c.t.Fatalf("GET %s: %v", path, err)
	}
}

func (c *client) post(path, body string, csrf bool) (int, string) {
	c.t.Helper()
	h := map[string]string{"Content-Type": "application/json"}
	if csrf {
		h[csrfHeader] = c.csrf
	}
	resp := c.do("POST", path, strings.NewReader(body), h)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

var week = "from=" + weekStart.Format(time.RFC3339) + "&to=" + weekEnd.Format(time.RFC3339)

func TestAPI(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			seed(t, e.Store, 200)
			ts := newTestServer(t, e.Store)
			admin := login(t, ts.URL, "admin", "admin-pass")
			var sum Summary
			admin.getJSON("/api/v1/summary?"+week, &sum)
			rows := seedMentions(t, 200)
			want := map[string]int64{}
			for _, r := range rows {
				want[r.Sentiment]++
			}
			if sum.Current.Mentions != int64(len(rows)) || sum.Current.Negative != want["negative"] || sum.Current.Positive != want["positive"] {
				t.Fatalf("summary %+v, want %d rows, %d negative, %d positive", sum.Current, len(rows), want["negative"], want["positive"])
			}
			var ts1 Timeseries
			admin.getJSON("/api/v1/timeseries?"+week, &ts1)
			var total int64
			for _, p := range ts1.Points {
				total += p.Mentions
			}
			if ts1.Interval != "1h" || len(ts1.Points) != 7*24 || total != int64(len(rows)) {
				t.Fatalf("timeseries interval %s, %d points, %d mentions", ts1.Interval, len(ts1.Points), total)
			}
			var br Breakdown
			admin.getJSON("/api/v1/breakdown?by=journey_stage&by2=sentiment&brand=TietokoneKoijarit&"+week, &br)
			if len(br.Rows) == 0 || br.By2 != "sentiment" {
				t.Fatalf("breakdown: %+v", br)
			}
			var list MentionList
			admin.getJSON("/api/v1/mentions?sentiment=negative&sort=reach&limit=5&"+week, &list)
			if len(list.Mentions) != 5 || !list.HasMore {
				t.Fatalf("list: %d mentions, more %v", len(list.Mentions), list.HasMore)
			}
			for i, m := range list.Mentions {
				if m.Sentiment != "negative" || (i > 0 && m.Author.Followers > list.Mentions[i-1].Author.Followers) {
					t.Fatalf("list not negative by reach: %+v", list.Mentions)
				}
			}
			var found MentionList
			admin.getJSON("/api/v1/mentions?q=REFUND&"+week, &found)
			if len(found.Mentions) == 0 || !strings.Contains(found.Mentions[0].Text, "refund") {
				t.Fatalf("search found %+v", found.Mentions)
			}
			// XSS payload URLs are never returned as links.
			var xss MentionDetail
			admin.getJSON("/api/v1/mentions/xss5", &xss)
			if xss.Mention.URL != "" || xss.Mention.Author.URL != "" || xss.Mention.Title != xssCorpus[5] {
				t.Fatalf("javascript: URL survived: %+v", xss.Mention)
			}
			var detail MentionDetail
			admin.getJSON("/api/v1/mentions/m0", &detail)
			if len(detail.Explanation) == 0 || detail.Mention.ClassifierVersion == "" || detail.CurrentClassifierVersion == "" {
				t.Fatalf("detail without explanation: %+v", detail)
			}
			var authors TopAuthors
			admin.getJSON("/api/v1/authors/top?limit=3&"+week, &authors)
			if len(authors.Authors) != 3 || authors.Authors[0].Reach < authors.Authors[1].Reach {
				t.Fatalf("top authors: %+v", authors)
			}
			var tr Transitions
			admin.getJSON("/api/v1/journey/transitions?"+week, &tr)
			if tr.Authors == 0 || len(tr.Links) == 0 || tr.Links[0].Step != 1 {
				t.Fatalf("transitions: %+v", tr)
			}
			var ja JourneyAuthors
			admin.getJSON("/api/v1/journey/authors?"+week, &ja)
			if len(ja.Authors) == 0 {
				t.Fatal("no journey authors")
			}
			var tl Timeline
			admin.getJSON("/api/v1/journey/authors/"+ja.Authors[0].ID+"?"+week, &tl)
			if int64(len(tl.Events)) != ja.Authors[0].Mentions {
				t.Fatalf("timeline has %d events, author has %d mentions", len(tl.Events), ja.Authors[0].Mentions)
			}
			for i := 1; i < len(tl.Events); i++ {
				if tl.Events[i].PublishedAt.Before(tl.Events[i-1].PublishedAt) {
					t.Fatal("timeline out of order")
				}
			}
		})
	}
}

func TestCorrections(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			seed(t, e.Store, 40)
			ts := newTestServer(t, e.Store)
			admin := login(t, ts.URL, "admin", "admin-pass")
			viewer := login(t, ts.URL, "viewer", "viewer-pass")
			var before Summary
			admin.getJSON("/api/v1/summary?"+week, &before)
			var d MentionDetail
			admin.getJSON("/api/v1/mentions/m1", &d) // "Really happy…": positive
			if d.Mention.Sentiment != "positive" {
				t.Fatalf("m1 is %s", d.Mention.Sentiment)
			}
			if l := d.Learning; l == nil || l.ActiveModel != "shipped" || l.Corrections != 0 || l.NewCorrections != 0 || l.MinExamples < 1 {
				t.Fatalf("learning status before any correction: %+v", l)
			}
			body := `{"sentiment":"negative","journey_stage":"service","note":"sarcasm"}`
			if code, _ := viewer.post("/api/v1/mentions/m1/labels", body, true); code != http.StatusForbidden {
				t.Fatalf("viewer corrected a label: %d", code)
			}
			if code, _ := admin.post("/api/v1/mentions/m1/labels", body, false); code != http.StatusForbidden {
				t.Fatalf("correction without CSRF token: %d", code)
			}
			if code, b := admin.post("/api/v1/mentions/m1/labels", body, true); code != http.StatusOK {
				t.Fatalf("correct: %d %s", code, b)
			}
			admin.getJSON("/api/v1/mentions/m1", &d)
			if l := d.Learning; l == nil || l.Corrections != 1 || l.NewCorrections != 1 {
				t.Fatalf("learning status after a correction: %+v", l)
			}
			var after Summary
			admin.getJSON("/api/v1/summary?"+week, &after)
			if after.Current.Negative != before.Current.Negative+1 || after.Current.Positive != before.Current.Positive-1 ||
				after.Current.Mentions != before.Current.Mentions {
				t.Fatalf("summary before %+v after %+v", before.Current, after.Current)
			}
			// A second correction replaces the first rather than adding up.
			if code, b := admin.post("/api/v1/mentions/m1/labels", `{"touchpoint":"paid"}`, true); code != http.StatusOK {
				t.Fatalf("correct again: %d %s", code, b)
			}
			var again Summary
			admin.getJSON("/api/v1/summary?"+week, &again)
			if again.Current != after.Current {
				t.Fatalf("second correction changed counts: %+v vs %+v", again.Current, after.Current)
			}
			var list MentionList
			viewer.getJSON("/api/v1/mentions?sentiment=negative&touchpoint=paid&"+week, &list)
			if len(list.Mentions) != 1 || list.Mentions[0].ID != "m1" || !list.Mentions[0].Corrected ||
				list.Mentions[0].Original.Sentiment != "positive" || list.Mentions[0].JourneyStage != "service" {
				t.Fatalf("corrected list: %+v", list.Mentions)
			}
			csvText := viewer.text("GET", "/api/v1/mentions/export?sentiment=negative&touchpoint=paid&"+week, nil, http.StatusOK)
			if !strings.Contains(csvText, "m1,TietokoneKoijarit") || !strings.Contains(csvText, ",negative,") {
				t.Fatalf("export:\n%s", csvText)
			}
			tsv := viewer.text("GET", "/api/v1/corrections?format=tsv", nil, http.StatusOK)
			if tsv != "Really happy with the Koijarit laptop, fast delivery!\tneg\ten\n" {
				t.Fatalf("tsv: %q", tsv)
			}
		})
	}
}

func TestAuth(t *testing.T) {
	s := storetest.Embedded(t)
	ts := newTestServer(t, s)
	anon := &client{t: t, base: ts.URL, http: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
	if resp := anon.do("GET", "/mentions?brand=x", nil, nil); resp.StatusCode != http.StatusSeeOther ||
		resp.Header.Get("Location") != "/login?next=%2Fmentions%3Fbrand%3Dx" {
		t.Fatalf("anonymous page: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	anon.text("GET", "/api/v1/summary", nil, http.StatusUnauthorized)
	resp := anon.do("GET", "/api/v1/summary?"+week, nil, map[string]string{"Authorization": "Bearer " + testToken})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("bearer token: %d", resp.StatusCode)
	}
	if resp := anon.do("GET", "/api/v1/summary", nil, map[string]string{"Authorization": "Bearer wrong"}); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong token: %d", resp.StatusCode)
	}
	// The sign-in form needs its CSRF cookie and field; wrong passwords fail.
	if resp, _ := anon.http.PostForm(ts.URL+"/login", url.Values{"user": {"admin"}, "password": {"admin-pass"}}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("sign-in without CSRF: %d", resp.StatusCode)
	}
	jar, _ := cookiejar.New(nil)
	c := &client{t: t, base: ts.URL, http: &http.Client{Jar: jar}}
	page := c.text("GET", "/login", nil, http.StatusOK)
	tok := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(page)[1]
	if resp, _ := c.http.PostForm(ts.URL+"/login", url.Values{"user": {"admin"}, "password": {"nope"}, "csrf": {tok}}); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong password: %d", resp.StatusCode)
	}
	// Guessing is throttled per account (and per address): after ten
	// failures even the right password is refused for a while.
	attempt := func(password string) int {
		page := c.text("GET", "/login", nil, http.StatusOK)
		tok := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(page)[1]
		resp, err := c.http.PostForm(ts.URL+"/login", url.Values{"user": {"viewer"}, "password": {password}, "csrf": {tok}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	perAccount := config.Default().HTTP.AuthThrottle.PerAccount
	for range perAccount {
		if code := attempt("guess"); code != http.StatusUnauthorized {
			t.Fatalf("wrong password: %d", code)
		}
	}
	if code := attempt("viewer-pass"); code != http.StatusTooManyRequests {
		t.Fatalf("sign-in after %d failures: %d", perAccount, code)
	}
	ts = newTestServer(t, s) // a fresh server forgets the failures
	// Cookies are HttpOnly and SameSite=Strict; the page has a strict CSP.
	viewer := login(t, ts.URL, "viewer", "viewer-pass")
	resp = viewer.do("GET", "/", nil, nil)
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe") {
		t.Fatalf("CSP %q", csp)
	}
	// The jar hides cookie attributes: sign in once more without following
	// the redirect and read the Set-Cookie header.
	jar, _ = cookiejar.New(nil)
	direct := &client{t: t, base: ts.URL, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
	page = direct.text("GET", "/login", nil, http.StatusOK)
	tok = regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(page)[1]
	resp, err := direct.http.PostForm(ts.URL+"/login", url.Values{"user": {"viewer"}, "password": {"viewer-pass"}, "csrf": {tok}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for _, ck := range resp.Cookies() {
		if ck.Name == sessionCookie && ck.Value != "" {
			if !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode {
				t.Fatalf("session cookie %s", ck)
			}
			return
		}
	}
	t.Fatal("no session cookie")
}

// Another role's routes wrapped by WithSessions accept UI sessions: reads
// for viewers, writes only for admins with the CSRF token.
func TestWithSessions(t *testing.T) {
	ts := newTestServer(t, storetest.Embedded(t))
	viewer := login(t, ts.URL, "viewer", "viewer-pass")
	admin := login(t, ts.URL, "admin", "admin-pass")
	viewer.text("GET", "/api/v1/alerts", nil, http.StatusOK)
	if code, _ := viewer.post("/api/v1/alerts/a1/ack", "", true); code != http.StatusForbidden {
		t.Fatalf("viewer ack: %d", code)
	}
	if code, _ := admin.post("/api/v1/alerts/a1/ack", "", false); code != http.StatusForbidden {
		t.Fatalf("admin ack without CSRF token: %d", code)
	}
	if code, b := admin.post("/api/v1/alerts/a1/ack", "", true); code != http.StatusOK {
		t.Fatalf("admin ack: %d %s", code, b)
	}
	anon := &client{t: t, base: ts.URL, http: http.DefaultClient}
	anon.text("GET", "/api/v1/alerts", nil, http.StatusUnauthorized)
	if resp := anon.do("GET", "/api/v1/alerts", nil, map[string]string{"Authorization": "Bearer " + testToken}); resp.StatusCode != http.StatusOK {
		t.Fatalf("token read: %d", resp.StatusCode)
	}
}

func TestLocalPath(t *testing.T) {
	for in, want := range map[string]string{"/mentions?x=1": "/mentions?x=1", "//evil.example": "/", "https://evil.example": "/",
		"/\\evil.example": "/", "": "/", "/\t/evil.example": "/", "/\n/evil.example": "/", "/x\r\nSet-Cookie: a=b": "/", "/\x00": "/",
		"/\x7f": "/", "/mentions?q=%09": "/mentions?q=%09"} {
		if got := localPath(in); got != want {
			t.Errorf("localPath(%q) = %q, want %q", in, got, want)
		}
	}
}
