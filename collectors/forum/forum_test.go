package forum

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/ewom/ewom/internal/classify"
	"github.com/ewom/ewom/internal/collector"
	"github.com/ewom/ewom/internal/collector/collectortest"
	"github.com/ewom/ewom/internal/config"
	"github.com/ewom/ewom/internal/mention"
)

// site is a forum on loopback: pages by request URI, a robots.txt, ETags
// with 304 answers, and a log of every request.
type site struct {
	srv *httptest.Server
	// now stamps the log; the collector's fake clock when one is used.
	now func() time.Time

	mu           sync.Mutex
	pages        map[string]string
	robots       string
	robotsStatus int
	// fail answers a request URI with a status (429 with Retry-After).
	fail map[string]int
	log  []hit
}

type hit struct {
	uri         string
	at          time.Time
	ifNoneMatch string
	status      int
}

func newSite(t *testing.T) *site {
	s := &site{now: time.Now, fail: map[string]int{}, pages: map[string]string{
		"/haku?q=TietokoneKoijarit":     string(collectortest.Fixture(t, "site/haku.html")),
		"/t/1/toimitus-myohassa":        string(collectortest.Fixture(t, "site/t1.html")),
		"/t/1/toimitus-myohassa?page=2": string(collectortest.Fixture(t, "site/t1-2.html")),
	}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *site) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	uri := r.URL.RequestURI()
	h := hit{uri: uri, at: s.now(), ifNoneMatch: r.Header.Get("If-None-Match")}
	defer func() { s.log = append(s.log, h) }()
	if code := s.fail[uri]; code != 0 {
		h.status = code
		w.Header().Set("Retry-After", "120")
		http.Error(w, "hidasta", code)
		return
	}
	if uri == "/robots.txt" {
		h.status = max(s.robotsStatus, 200)
		if s.robotsStatus != 0 {
			http.Error(w, "robots", s.robotsStatus)
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprint(w, s.robots)
		return
	}
	body, ok := s.pages[uri]
	if !ok {
		h.status = 404
		http.NotFound(w, r)
		return
	}
	sum := sha256.Sum256([]byte(body))
	etag := `"` + hex.EncodeToString(sum[:6]) + `"`
	w.Header().Set("ETag", etag)
	if r.Header.Get("If-None-Match") == etag {
		h.status = 304
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.status = 200
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprint(w, body)
}

// answered changes the listing's reply count, as a new reply does.
func (s *site) answered(t *testing.T, replies int) {
	s.setPage("/haku?q=TietokoneKoijarit", strings.Replace(string(collectortest.Fixture(t, "site/haku.html")), "12 vastausta", fmt.Sprintf("%d vastausta", replies), 1))
}

func (s *site) setPage(uri, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pages[uri] = body
}

// hits returns the log from index from on, and its length.
func (s *site) hits(from int) ([]hit, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.log[from:]), len(s.log)
}

func uris(hs []hit) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = fmt.Sprintf("%s %d", h.uri, h.status)
	}
	return out
}

// siteSource is the generic forum configuration of the loopback site.
func siteSource(s *site, extra string) string {
	return `{type: forum, name: palsta, search_url: '` + s.srv.URL + `/haku?q={query}', search: [TietokoneKoijarit],
  selectors: {posts: article.post, text: div.body, author: .author, time: time, permalink: a.permalink, likes: .likes,
    quotes: blockquote, title: h1.thread-title, next_page: a.next, thread_links: a.thread-link},
  allow_networks: [127.0.0.1]` + extra + `}`
}

const robotsNoDelay = "User-agent: *\nDisallow: /yksityinen/\n"

// The loopback site crawled through the real runner: the listing's
// threads are followed (not the one robots.txt disallows, never fetched),
// a thread's next page is read, and every post comes out with the thread
// as its parent, the thread title, its permalink as id, quotes removed.
// Restarts resume from the cursor: unchanged pages are asked for
// conditionally (304), a thread is read again from its last page, and no
// post is stored twice.
func TestCrawlSiteAndResume(t *testing.T) {
	s := newSite(t)
	s.robots = robotsNoDelay
	h := collectortest.New(t, siteSource(s, ", rate: 1ms"))
	ctx := context.Background()
	before := time.Now()
	ms, st := h.Pass(ctx)
	after := time.Now()
	hs, n := s.hits(0)
	want := []string{"/robots.txt 200", "/haku?q=TietokoneKoijarit 200", "/t/1/toimitus-myohassa 200", "/t/1/toimitus-myohassa?page=2 200"}
	if !slices.Equal(uris(hs), want) {
		t.Errorf("requests %v, want %v", uris(hs), want)
	}
	// 6 stored; the removed post skipped as malformed and the disallowed
	// thread as such; errors: the malformed post and the estimated time.
	if st.Err != nil || len(ms) != 6 || st.Skipped != 2 || st.Errors != 2 {
		t.Fatalf("pass 1: %d mentions, %+v", len(ms), st)
	}
	thread := s.srv.URL + "/t/1/toimitus-myohassa"
	title := "Toimitus myöhässä – kokemuksia TietokoneKoijareista?"
	op := ms[0]
	if op.Source != "forum" || op.ID != thread+"#p100" || op.URL != op.ID || op.ParentURL != "" || op.Title != title || op.Lang != "fi" ||
		op.Author != (mention.Author{Handle: "Moona", Name: "Moona", URL: s.srv.URL + "/profiili/moona"}) || op.Engagement.Likes != 4 ||
		op.Text != "Tilasin läppärin TietokoneKoijareilta viikko sitten, ja toimitus on yhä myöhässä.\n\nAsiakaspalvelu ei vastaa puhelimeen. Onko muilla samaa?" ||
		!op.PublishedAt.Equal(time.Date(2026, 12, 4, 17, 12, 0, 0, time.UTC)) {
		t.Errorf("opening post %+v", op)
	}
	for i, m := range ms[1:] {
		if m.ParentURL != thread || m.Title != title || !strings.HasPrefix(m.ID, thread+"#p10") || m.URL != m.ID {
			t.Errorf("reply %d: id %q url %q parent %q title %q", i+1, m.ID, m.URL, m.ParentURL, m.Title)
		}
		if err := m.Validate(); err != nil {
			t.Error(err)
		}
	}
	if m := ms[1]; m.Text != "Sama juttu, tilaus jumissa kolme viikkoa & chat ei vastaa. En suosittele." || m.Author.Handle != "" || m.Author.Name != "Vierailija" ||
		!m.PublishedAt.Equal(time.Date(2026, 12, 5, 6, 3, 0, 0, time.UTC)) {
		t.Errorf("guest reply %+v", m)
	}
	// The shop's own reply, quoting the customer: the quote is left out;
	// a registered author has a handle, for owned accounts to match.
	if m := ms[2]; m.Text != "Pahoittelemme viivettä! Laittakaa tilausnumero yksityisviestillä, niin selvitämme asian heti." ||
		m.Author.Handle != "TietokoneKoijarit_Asiakaspalvelu" {
		t.Errorf("shop's reply %+v", m)
	}
	// "eilen 14:05" is yesterday's, counted from the fetch.
	y := ms[3].PublishedAt.In(helsinki)
	if h, mi, _ := y.Clock(); h != 14 || mi != 5 || !(sameDay(y, before.In(helsinki).AddDate(0, 0, -1)) || sameDay(y, after.In(helsinki).AddDate(0, 0, -1))) {
		t.Errorf("yesterday's post at %v", y)
	}
	// An unreadable time: stored with the fetch time, flagged.
	if m := ms[4]; string(m.Extra[collector.ExtraTimeEstimated]) != "true" || m.PublishedAt.Before(before.Add(-time.Second)) || m.PublishedAt.After(after) {
		t.Errorf("estimated post %+v", m)
	}
	// A reply written only as a quote keeps it, flagged.
	if m := ms[5]; m.Text != "Paketti tuli lopulta perille." || string(m.Extra[ExtraTextIsQuote]) != "true" {
		t.Errorf("quote-only post %+v", m)
	}
	// The shop's account, listed as the brand's own, makes its reply
	// owned; a customer's post on the forum is shared media.
	cls, err := classify.New([]config.Brand{{Name: "TietokoneKoijarit", Owned: config.Owned{Accounts: []string{"forum:@TietokoneKoijarit_Asiakaspalvelu"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if c := cls.Classify(ms[2]); c.Touchpoint != "owned" {
		t.Errorf("shop's reply: %s (%s)", c.Touchpoint, c.TouchpointReason)
	}
	if c := cls.Classify(ms[0]); c.Touchpoint != "shared" || !strings.Contains(c.TouchpointReason, "forum thread") {
		t.Errorf("customer's post: %s (%s)", c.Touchpoint, c.TouchpointReason)
	}
	if c := cls.Classify(ms[1]); c.Touchpoint != "shared" {
		t.Errorf("customer's reply: %s (%s)", c.Touchpoint, c.TouchpointReason)
	}
	stored := collectortest.IDs(ms)

	// A restart with nothing changed: the listing is asked for
	// conditionally and is unchanged, so no thread is read.
	ms, st = h.Pass(ctx)
	hs, n = s.hits(n)
	if st.Err != nil || len(ms) != 0 || !slices.Equal(uris(hs), []string{"/robots.txt 200", "/haku?q=TietokoneKoijarit 304"}) || hs[1].ifNoneMatch == "" {
		t.Fatalf("pass 2: %d mentions %+v, requests %v", len(ms), st, uris(hs))
	}

	// A new reply on the thread's last page, and the listing shows it:
	// the thread is read from its last page, and only the new post is
	// stored.
	s.answered(t, 13)
	s.setPage("/t/1/toimitus-myohassa?page=2", strings.Replace(string(collectortest.Fixture(t, "site/t1-2.html")), `<nav class="pager">`,
		`<article class="post" id="p107"><div class="meta"><span class="author">Uusi</span><a class="permalink" href="#p107">#8</a><time>6.12.2026 klo 12.00</time></div>
<div class="body"><p>Uusi vastaus: hyvitys tuli tilille.</p></div></article><nav class="pager">`, 1))
	ms, st = h.Pass(ctx)
	hs, n = s.hits(n)
	if st.Err != nil || len(ms) != 1 || ms[0].ID != thread+"#p107" || ms[0].Text != "Uusi vastaus: hyvitys tuli tilille." ||
		!slices.Equal(uris(hs), []string{"/robots.txt 200", "/haku?q=TietokoneKoijarit 200", "/t/1/toimitus-myohassa?page=2 200"}) || hs[2].ifNoneMatch == "" {
		t.Fatalf("pass 3: %d mentions %+v, requests %v", len(ms), st, uris(hs))
	}
	stored = append(stored, collectortest.IDs(ms)...)

	// The listing changes again but the thread does not: its last page
	// answers 304 and nothing is stored.
	s.answered(t, 14)
	ms, st = h.Pass(ctx)
	hs, _ = s.hits(n)
	if st.Err != nil || len(ms) != 0 ||
		!slices.Equal(uris(hs), []string{"/robots.txt 200", "/haku?q=TietokoneKoijarit 200", "/t/1/toimitus-myohassa?page=2 304"}) {
		t.Fatalf("pass 4: %d mentions %+v, requests %v", len(ms), st, uris(hs))
	}
	// The page the thread was to go on from is gone and the first page
	// no longer links to it: the thread is read again from its first page.
	s.mu.Lock()
	delete(s.pages, "/t/1/toimitus-myohassa?page=2")
	s.mu.Unlock()
	s.setPage("/t/1/toimitus-myohassa", strings.Replace(string(collectortest.Fixture(t, "site/t1.html")), `<a class="next" href="/t/1/toimitus-myohassa?page=2">Seuraava sivu</a>`, "", 1))
	s.answered(t, 15)
	_, n = s.hits(0)
	ms, st = h.Pass(ctx)
	hs, _ = s.hits(n)
	if st.Err != nil || len(ms) != 0 || st.Skipped != 4 || // 3 seen, 1 disallowed
		!slices.Equal(uris(hs), []string{"/robots.txt 200", "/haku?q=TietokoneKoijarit 200", "/t/1/toimitus-myohassa?page=2 404", "/t/1/toimitus-myohassa 200"}) {
		t.Fatalf("pass 5: %d mentions %+v, requests %v", len(ms), st, uris(hs))
	}
	all, _ := s.hits(0)
	for _, h := range all {
		if strings.HasPrefix(h.uri, "/yksityinen/") {
			t.Errorf("fetched %s, which robots.txt disallows", h.uri)
		}
	}
	if len(stored) != 7 || len(unique(stored)) != 7 {
		t.Errorf("stored %v", stored)
	}
}

func sameDay(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd
}

func unique(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	return slices.Compact(c)
}

// fakeClock is a clock whose sleeps pass at once and move it on.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
	return ctx.Err()
}

// recorder is an Output that keeps what a pass emitted.
type recorder struct {
	mentions []*mention.Mention
	skipped  map[string]int
	warned   []error
	cursor   []byte
}

func (r *recorder) Emit(m *mention.Mention) error { r.mentions = append(r.mentions, m); return nil }
func (r *recorder) Skip(reason string) {
	if r.skipped == nil {
		r.skipped = map[string]int{}
	}
	r.skipped[reason]++
}
func (r *recorder) SkipBad(err error)           { r.Skip("malformed"); r.warned = append(r.warned, err) }
func (r *recorder) Warn(_ string, err error)    { r.warned = append(r.warned, err) }
func (r *recorder) Checkpoint(cur []byte) error { r.cursor = cur; return nil }

// newCollector builds the site's collector with a fake clock, so that its
// request schedule is recorded without waiting.
func newCollector(t *testing.T, s *site, extra string) (*Collector, *fakeClock) {
	t.Helper()
	src := collectortest.Source(t, siteSource(s, extra))
	var o Options
	if err := src.Decode(&o); err != nil {
		t.Fatal(err)
	}
	c, err := New(&collector.Env{Name: "palsta"}, o)
	if err != nil {
		t.Fatal(err)
	}
	clk := &fakeClock{now: time.Date(2026, 12, 6, 18, 0, 0, 0, time.UTC)}
	c.web.clock = clk
	s.now = clk.Now
	return c, clk
}

// collect runs one pass of c from cursor.
func collect(t *testing.T, c *Collector, cursor []byte) *recorder {
	t.Helper()
	out := &recorder{}
	if err := c.Collect(context.Background(), cursor, out); err != nil {
		t.Fatal(err)
	}
	return out
}

// Requests to a host are spaced by the longer of rate and robots.txt's
// Crawl-delay, across passes too: asserted on the server's log, stamped
// with the collector's (fake) clock, so no real time passes.
func TestPacingPerHost(t *testing.T) {
	for _, tc := range []struct {
		name, robots, rate string
		want               time.Duration
	}{
		{"crawl-delay longer than rate", string(collectortest.Fixture(t, "site/robots.txt")), "2s", 3 * time.Second},
		{"rate longer than crawl-delay", string(collectortest.Fixture(t, "site/robots.txt")), "5s", 5 * time.Second},
		{"default rate", robotsNoDelay, "", 2 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSite(t)
			s.robots = tc.robots
			extra := ""
			if tc.rate != "" {
				extra = ", rate: " + tc.rate
			}
			c, clk := newCollector(t, s, extra)
			out := collect(t, c, nil)
			clk.Sleep(context.Background(), time.Second) // the next pass starts soon after
			collect(t, c, out.cursor)
			hs, _ := s.hits(0)
			if len(hs) != 5 || len(out.mentions) != 6 {
				t.Fatalf("requests %v, %d mentions", uris(hs), len(out.mentions))
			}
			for i := 1; i < len(hs); i++ {
				if gap := hs[i].at.Sub(hs[i-1].at); gap < tc.want {
					t.Errorf("%s came %v after %s, want at least %v", hs[i].uri, gap, hs[i-1].uri, tc.want)
				}
			}
			// The pass took no longer than the spacing asks for.
			if total := hs[len(hs)-1].at.Sub(hs[0].at); total != time.Duration(len(hs)-1)*tc.want {
				t.Errorf("requests spread over %v, want %v", total, time.Duration(len(hs)-1)*tc.want)
			}
		})
	}
}

// Page caps bound a pass; a thread cut short is read on from where it
// stopped on the next pass, and a listing cut short is read again.
func TestPageCaps(t *testing.T) {
	s := newSite(t)
	s.robots = robotsNoDelay
	c, _ := newCollector(t, s, ", max_thread_pages: 1")
	out := collect(t, c, nil)
	hs, n := s.hits(0)
	if len(out.mentions) != 3 || !slices.Equal(uris(hs), []string{"/robots.txt 200", "/haku?q=TietokoneKoijarit 200", "/t/1/toimitus-myohassa 200"}) {
		t.Fatalf("pass 1: %d mentions, requests %v", len(out.mentions), uris(hs))
	}
	s.answered(t, 13)
	out2 := collect(t, c, out.cursor)
	hs, _ = s.hits(n)
	if len(out2.mentions) != 3 || !slices.Equal(uris(hs), []string{"/haku?q=TietokoneKoijarit 200", "/t/1/toimitus-myohassa?page=2 200"}) {
		t.Fatalf("pass 2: %d mentions, requests %v", len(out2.mentions), uris(hs))
	}

	// max_pages: the budget ends the pass (not an error).
	s2 := newSite(t)
	s2.robots = robotsNoDelay
	c2, _ := newCollector(t, s2, ", max_pages: 2")
	out3 := collect(t, c2, nil)
	if hs, _ := s2.hits(0); len(out3.mentions) != 3 || len(hs) != 3 {
		t.Errorf("max_pages 2: %d mentions, requests %v", len(out3.mentions), uris(hs))
	}
}

// A 429 with Retry-After ends the pass with a rate-limit error the runner
// backs off by; what was read before is kept.
func TestRateLimited(t *testing.T) {
	s := newSite(t)
	s.robots = robotsNoDelay
	s.fail["/t/1/toimitus-myohassa?page=2"] = http.StatusTooManyRequests
	h := collectortest.New(t, siteSource(s, ", rate: 1ms"))
	ms, st := h.Pass(context.Background())
	d, limited := collector.RetryAfter(st.Err, time.Now())
	if !limited || d < 100*time.Second || len(ms) != 3 {
		t.Fatalf("%d mentions, %+v", len(ms), st)
	}
	delete(s.fail, "/t/1/toimitus-myohassa?page=2")
	ms, st = h.Pass(context.Background())
	if st.Err != nil || len(ms) != 3 || ms[0].ID != s.srv.URL+"/t/1/toimitus-myohassa#p103" {
		t.Fatalf("after the limit: %d mentions %+v", len(ms), st)
	}
}

// robots.txt that cannot be read (5xx) keeps the collector off the host;
// a missing one (404) allows everything; a start page it disallows is an
// error naming the page, and is not fetched.
func TestRobotsUnreadableMissingOrDisallowingTheStart(t *testing.T) {
	s := newSite(t)
	s.robotsStatus = http.StatusInternalServerError
	ms, st := collectortest.New(t, siteSource(s, ", rate: 1ms")).Pass(context.Background())
	hs, _ := s.hits(0)
	if st.Err == nil || !strings.Contains(st.Err.Error(), "robots.txt cannot be read") || len(ms) != 0 || len(hs) != 1 {
		t.Fatalf("5xx: %d mentions %+v, requests %v", len(ms), st, uris(hs))
	}
	s2 := newSite(t)
	s2.robotsStatus = http.StatusNotFound
	ms, st = collectortest.New(t, siteSource(s2, ", rate: 1ms")).Pass(context.Background())
	hs, _ = s2.hits(0)
	// Without robots.txt the private thread is read too (it is not there: 404).
	if st.Err != nil || len(ms) != 6 || !slices.Contains(uris(hs), "/yksityinen/t/2/sisainen-keskustelu 404") || st.Errors != 3 {
		t.Fatalf("404: %d mentions %+v, requests %v", len(ms), st, uris(hs))
	}
	s3 := newSite(t)
	s3.robots = "User-agent: ewom\nDisallow: /haku\n\nUser-agent: *\nAllow: /\n"
	ms, st = collectortest.New(t, siteSource(s3, ", rate: 1ms")).Pass(context.Background())
	hs, _ = s3.hits(0)
	if st.Err == nil || !strings.Contains(st.Err.Error(), "/haku?q=TietokoneKoijarit: disallowed by robots.txt") || len(ms) != 0 || len(hs) != 1 {
		t.Fatalf("disallowed start: %d mentions %+v, requests %v", len(ms), st, uris(hs))
	}
}

// The vauva preset end to end against the saved Vauva.fi pages served on
// loopback (base_url): the search page's threads are followed, the saved
// thread's posts are stored, the threads not saved fail on their own.
func TestVauvaPresetOnLoopback(t *testing.T) {
	s := newSite(t)
	s.robotsStatus = http.StatusNotFound
	s.pages = map[string]string{
		"/haku?keys=peruna":        string(collectortest.Fixture(t, "vauva_search.html")),
		"/haku?keys=peruna&page=1": "<html><body><ol></ol></body></html>",
		"/node/2936023":            string(collectortest.Fixture(t, "vauva_thread.html")),
	}
	h := collectortest.New(t, `{type: forum, name: vauva, preset: vauva, search: [peruna], base_url: '`+s.srv.URL+`', rate: 1ms, allow_networks: [127.0.0.1]}`)
	ms, st := h.Pass(context.Background())
	// 8 other threads and the saved thread's second page are not there.
	if st.Err != nil || len(ms) != 21 || st.Errors != 9 {
		t.Fatalf("%d mentions, %+v", len(ms), st)
	}
	thread := s.srv.URL + "/node/2936023"
	if ms[0].Source != "vauva" || ms[0].ID != thread || ms[1].ID != thread+"#30578564" || ms[1].ParentURL != thread ||
		ms[1].Title != "Mikä on laihduttamisen kannalta terveellisiin, riisi vai peruna?" {
		t.Errorf("posts %+v %+v", ms[0], ms[1])
	}
	if len(unique(collectortest.IDs(ms))) != 21 {
		t.Errorf("ids %v", collectortest.IDs(ms))
	}
	// The listing had threads that failed, so it is read again; the saved
	// thread has not changed (304).
	_, n := s.hits(0)
	ms, st = h.Pass(context.Background())
	hs, _ := s.hits(n)
	if len(ms) != 0 || st.Errors != 9 || !slices.Contains(uris(hs), "/haku?keys=peruna 200") || !slices.Contains(uris(hs), "/node/2936023 304") {
		t.Errorf("second pass: %d mentions %+v, requests %v", len(ms), st, uris(hs))
	}
}

func TestSearchURL(t *testing.T) {
	for tmpl, want := range map[string]string{
		"https://www.vauva.fi/haku?keys={query}":        "https://www.vauva.fi/haku?keys=Tietokone+Koijarit+%26+co%2Fst%C3%B6",
		"https://forum.example/search/{query}/newest":   "https://forum.example/search/Tietokone%20Koijarit%20&%20co%2Fst%C3%B6/newest",
		"https://forum.example/s?q={query}&sort=latest": "https://forum.example/s?q=Tietokone+Koijarit+%26+co%2Fst%C3%B6&sort=latest",
	} {
		if got := searchURL(tmpl, "Tietokone Koijarit & co/stö"); got != want {
			t.Errorf("%s: %s", tmpl, got)
		}
	}
}

func TestNewValidates(t *testing.T) {
	for y, want := range map[string]string{
		"{type: forum, start_urls: ['https://f.example/']}":                                                 "selectors.posts",
		"{type: forum, preset: phpbb}":                                                                      "preset",
		"{type: forum, preset: vauva}":                                                                      "start_urls or search",
		"{type: forum, selectors: {posts: 'div[', text: p}, start_urls: ['https://f.example/']}":            "selectors.posts",
		"{type: forum, selectors: {posts: div, text: 'p:nope'}, start_urls: ['https://f.example/']}":        "selectors.text",
		"{type: forum, selectors: {posts: div}, search: [a]}":                                               "search_url",
		"{type: forum, selectors: {posts: div}, search: [a], search_url: 'https://f.example/s'}":            "{query}",
		"{type: forum, preset: vauva, search: [a], time_locale: sv}":                                        "time_locale",
		"{type: forum, preset: vauva, search: [a], time_zone: Mars/Olympus}":                                "time_zone",
		"{type: forum, preset: vauva, start_urls: ['http://127.0.0.1/']}":                                   "start_urls[0]",
		"{type: forum, preset: vauva, search: [a], rate: -1s}":                                              "rate",
		"{type: forum, preset: vauva, search: [a], max_depth: -1}":                                          "max_depth",
		"{type: forum, preset: vauva, search: [a], base_url: 'http://10.0.0.1'}":                            "base_url",
		"{type: forum, preset: vauva, search: [a], selectors: {post: div}}":                                 "post",
		"{type: forum, preset: suomi24, search: [a], search_url: 'https://f.example/s?q={query}', oops: 1}": "oops",
	} {
		src := collectortest.Source(t, y)
		var o Options
		err := src.Decode(&o)
		if err == nil {
			_, err = New(&collector.Env{Name: "forum-test"}, o)
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", y, err, want)
		}
	}
}

// Presets fill what is not set; a set key wins.
func TestPresetDefaultsAndOverrides(t *testing.T) {
	o := Options{Preset: PresetSuomi24, Search: []string{"TietokoneKoijarit"}, Selectors: Selectors{Text: "div.viesti"}}
	c, err := New(&collector.Env{Name: "s24"}, o)
	if err != nil {
		t.Fatal(err)
	}
	if c.source != "suomi24" || len(c.starts) != 1 || c.starts[0].String() != "https://keskustelu.suomi24.fi/haku?keyword=TietokoneKoijarit" {
		t.Errorf("source %q starts %v", c.source, c.starts)
	}
	pg, err := c.parser.Parse([]byte(`<main><article><div class="viesti">Oma</div><p class="CommentListItem__Text-x">Esiasetus</p></article></main>`), "text/html", mustURL(t, "https://keskustelu.suomi24.fi/t/1/x"), fetchedAt)
	if err != nil || len(pg.Posts) != 1 || pg.Posts[0].Text != "Oma" {
		t.Errorf("%v %+v", err, pg)
	}
}

// Every source in sample.yaml builds.
func TestSampleConfig(t *testing.T) {
	var srcs []config.Source
	if err := yaml.Unmarshal(collectortest.Fixture(t, "../sample.yaml"), &srcs); err != nil {
		t.Fatal(err)
	}
	if len(srcs) != 3 {
		t.Fatalf("%d sources", len(srcs))
	}
	for i, src := range srcs {
		var o Options
		err := src.Decode(&o)
		if err == nil {
			_, err = New(&collector.Env{Name: src.DisplayName(i)}, o)
		}
		if err != nil {
			t.Errorf("sources[%d]: %v", i, err)
		}
	}
}

// A robots.txt that cannot be read closes the host for a while, without
// being asked for again on every page or pass; then it is tried again.
func TestRobotsFailureIsRetriedLater(t *testing.T) {
	s := newSite(t)
	s.robotsStatus = http.StatusBadGateway
	c, clk := newCollector(t, s, "")
	for range 2 {
		if err := c.Collect(context.Background(), nil, &recorder{}); err == nil || !strings.Contains(err.Error(), "robots.txt cannot be read") {
			t.Fatalf("pass: %v", err)
		}
	}
	if hs, _ := s.hits(0); len(hs) != 1 {
		t.Fatalf("requests %v", uris(hs))
	}
	clk.Sleep(context.Background(), robotsRetry)
	s.robotsStatus, s.robots = 0, robotsNoDelay
	out := collect(t, c, nil)
	if hs, _ := s.hits(0); len(out.mentions) != 6 || len(hs) != 5 || hs[1].uri != "/robots.txt" {
		t.Fatalf("after %v: %d mentions, requests %v", robotsRetry, len(out.mentions), uris(hs))
	}
}
