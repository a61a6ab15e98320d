package rss

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/ewom/ewom/internal/collector"
	"github.com/ewom/ewom/internal/collector/collectortest"
	"github.com/ewom/ewom/internal/mention"
	"github.com/ewom/ewom/internal/netguard"
)

var fallback = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

func parseFixture(t *testing.T, name, contentType string, n Normaliser) []*mention.Mention {
	t.Helper()
	page := parsePage(t, name, contentType, n)
	if page.Damage != nil {
		t.Fatalf("%s: damaged: %v", name, page.Damage)
	}
	return page.Mentions
}

func parsePage(t *testing.T, name, contentType string, n Normaliser) Page {
	t.Helper()
	body := collectortest.Fixture(t, name)
	u, _ := url.Parse("https://feeds.example.net/path/feed.xml")
	page, err := n.Parse(body, contentType, u, fallback)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	for _, m := range page.Mentions {
		if err := m.Validate(); err != nil {
			t.Errorf("%s: invalid mention %+v: %v", name, m, err)
		}
	}
	return page
}

func TestParseRSS2(t *testing.T) {
	ms := parseFixture(t, "rss2.xml", "application/rss+xml", Normaliser{Source: "rss"})
	if len(ms) != 4 {
		t.Fatalf("%d mentions", len(ms))
	}
	m := ms[0]
	if m.ID != "blogi-1842" || m.URL != "https://blogi.example.fi/2026/11/toimitus" || m.Title != "TietokoneKoijarit & toimitusajat" {
		t.Errorf("first: %+v", m)
	}
	if m.Text != "Tilasin läppärin kolme viikkoa sitten 😡\n\nAsiakaspalvelu ei vastaa.\nKiitos ei." {
		t.Errorf("text %q", m.Text)
	}
	if m.Author.Name != "Moona Virtanen" || m.Lang != "fi" || !m.PublishedAt.Equal(time.Date(2026, 11, 20, 6, 15, 0, 0, time.UTC)) {
		t.Errorf("author/lang/time: %+v", m)
	}
	if ms[1].ID != "https://blogi.example.fi/2026/11/ilman" {
		t.Errorf("id from canonical link: %q", ms[1].ID)
	}
	// No date and no link: the channel's lastBuildDate, and a content hash id.
	if !ms[2].PublishedAt.Equal(time.Date(2026, 11, 20, 7, 0, 0, 0, time.UTC)) || !strings.HasPrefix(ms[2].ID, "sha256:") {
		t.Errorf("undated: %+v", ms[2])
	}
	again := parseFixture(t, "rss2.xml", "", Normaliser{Source: "rss"})
	if again[2].ID != ms[2].ID || again[2].Key() != ms[2].Key() {
		t.Error("hash id not deterministic")
	}
	if ms[3].Text != "とても良い店です。配送が速い！" || ms[3].PublishedAt.Hour() != 12 {
		t.Errorf("non-Latin / EST: %+v", ms[3])
	}
}

func TestParseOtherFormats(t *testing.T) {
	atom := parseFixture(t, "atom.xml", "application/atom+xml", Normaliser{Source: "rss"})
	if len(atom) != 2 || atom[0].Title != "Laptop deliveries delayed" || atom[0].URL != "https://news.example.com/articles/42" ||
		atom[0].Text != "Customers report weeks of delay." || atom[0].Author.Name != "Jane Roe" ||
		!atom[0].PublishedAt.Equal(time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)) {
		t.Errorf("atom: %+v", atom[0])
	}
	if !atom[1].PublishedAt.Equal(time.Date(2026, 11, 19, 9, 30, 0, 0, time.UTC)) || atom[1].Text != "Summary text" {
		t.Errorf("atom updated-only: %+v", atom[1])
	}
	rdf := parseFixture(t, "rdf.xml", "", Normaliser{Source: "rss"})
	if len(rdf) != 1 || rdf[0].Text != "Hello from RSS 1.0" || rdf[0].PublishedAt.Day() != 1 {
		t.Errorf("rdf: %+v", rdf)
	}
	legacy := parseFixture(t, "rss091.xml", "", Normaliser{Source: "rss"})
	if len(legacy) != 1 || !legacy[0].PublishedAt.Equal(fallback) || legacy[0].Lang != "en" {
		t.Errorf("0.91: %+v", legacy)
	}
	js := parseFixture(t, "feed.json", "application/feed+json", Normaliser{Source: "rss"})
	if len(js) != 2 || js[0].Text != "Snabb leverans & trevlig personal" || js[0].Author.Name != "Åsa" || js[0].Lang != "sv" ||
		js[1].Text != "Text only entry 🎉" || js[1].ID != "1" {
		t.Errorf("json feed: %+v %+v", js[0], js[1])
	}
}

func TestParseCharsets(t *testing.T) {
	ms := parseFixture(t, "latin1.xml", "text/xml", Normaliser{Source: "rss"})
	if ms[0].Title != "Käyttäjäkokemus" || ms[0].Text != "Hyvä palvelu, nopea toimitus" {
		t.Errorf("declared ISO-8859-1: %+v", ms[0])
	}
	// The header's charset wins when the document declares none.
	ms = parseFixture(t, "latin1-nodecl.xml", "application/rss+xml; charset=ISO-8859-1", Normaliser{Source: "rss"})
	if ms[0].Title != "Åäö" || ms[0].Text != "äiti" {
		t.Errorf("header charset: %+v", ms[0])
	}
	// A header charset must not double-decode a document that declares its own.
	ms = parseFixture(t, "latin1.xml", "text/xml; charset=windows-1252", Normaliser{Source: "rss"})
	if ms[0].Title != "Käyttäjäkokemus" {
		t.Errorf("declared and header: %q", ms[0].Title)
	}
	// Neither header nor declaration: bytes that are not UTF-8 are Windows-1252.
	for _, ct := range []string{"", "application/rss+xml", "text/xml; charset=\"\""} {
		ms = parseFixture(t, "latin1-noheader.xml", ct, Normaliser{Source: "rss"})
		if !strings.HasPrefix(ms[0].Text, "Rantakodosta ostettu pesukone") || !strings.Contains(ms[0].Text, "499 € ei ollut") {
			t.Errorf("undeclared latin-1 (%q): %q", ct, ms[0].Text)
		}
	}
	// A server that calls UTF-8 Latin-1: the bytes win over the header.
	ms = parseFixture(t, "rss2.xml", "application/rss+xml; charset=ISO-8859-1", Normaliser{Source: "rss"})
	if !utf8.ValidString(ms[0].Title) || strings.Contains(ms[0].Title+ms[0].Text, "Ã") {
		t.Errorf("UTF-8 under a Latin-1 header garbled: %q %q", ms[0].Title, ms[0].Text)
	}
}

func TestParseDamagedFeedsKeepItemsBeforeTheBreak(t *testing.T) {
	cut := parsePage(t, "cut-mid-item.xml", "application/rss+xml", Normaliser{Source: "rss"})
	if cut.Damage == nil || !strings.Contains(cut.Damage.Error(), "3 complete items") {
		t.Errorf("cut feed: damage %v", cut.Damage)
	}
	if len(cut.Mentions) != 3 || cut.Mentions[2].ID != "rk-103" || cut.Mentions[0].Title != "Rantakodon joulukalenteri avautuu" {
		t.Errorf("cut feed: %d mentions %+v", len(cut.Mentions), cut.Mentions)
	}
	mid := parsePage(t, "malformed-middle.atom", "application/atom+xml", Normaliser{Source: "rss"})
	if mid.Damage == nil || !strings.Contains(mid.Damage.Error(), "line 5") {
		t.Errorf("malformed middle: damage %v", mid.Damage)
	}
	if len(mid.Mentions) != 2 || mid.Mentions[1].Text != "Myymälät ovat auki joulun alla iltaan asti." {
		t.Errorf("malformed middle: %d mentions %+v", len(mid.Mentions), mid.Mentions)
	}
	// A stray end tag the parser would read past, silently dropping what
	// follows, is reported too.
	body := collectortest.Fixture(t, "malformed-middle.atom")
	body = bytes.Replace(body, []byte("alle < 20 euroa</title>"), []byte("alle 20 euroa</title></content>"), 1)
	u, _ := url.Parse("https://feeds.example.net/news.atom")
	stray, err := (Normaliser{Source: "rss"}).Parse(body, "", u, fallback)
	if err != nil || stray.Damage == nil || !strings.Contains(stray.Damage.Error(), "</content> closes <entry>") || len(stray.Mentions) != 2 {
		t.Errorf("stray end tag: %v, damage %v, %d mentions", err, stray.Damage, len(stray.Mentions))
	}
}

func TestParseRedditEscapedTwice(t *testing.T) {
	for _, name := range []string{"reddit.xml", "reddit-double-escaped.xml"} {
		rd := parseFixture(t, name, "", Normaliser{Source: "reddit", Preset: PresetReddit})
		if len(rd) != 1 || !strings.HasPrefix(rd[0].Text, "Onko muilla kokemusta TietokoneKoijareiden toimitusajoista?") ||
			strings.ContainsAny(rd[0].Text, "<>") || strings.Contains(rd[0].Text, "&") || strings.Contains(rd[0].Text, "SC_OFF") {
			t.Errorf("%s: %q", name, rd[0].Text)
		}
	}
}

func TestPresets(t *testing.T) {
	ga := parseFixture(t, "google_alerts.xml", "", Normaliser{Source: "google_alerts", Preset: PresetGoogleAlerts})
	if len(ga) != 1 || ga[0].URL != "https://uutiset.example.fi/talous/tietokonekoijarit-toimitukset?ref=ga" ||
		ga[0].Title != "TietokoneKoijarit lupaa nopeampia toimituksia" ||
		ga[0].Text != "Verkkokauppa TietokoneKoijarit kertoo, että ... toimitukset nopeutuvat." {
		t.Errorf("google alerts: %+v", ga[0])
	}
	yt := parseFixture(t, "youtube.xml", "", Normaliser{Source: "youtube", Preset: PresetYouTube})
	if len(yt) != 1 || yt[0].ID != "yt:video:dQw4w9WgXcQ" || yt[0].Text != "Avaamme paketin ja testaamme läppärin. Toimitus kesti 3 viikkoa." ||
		yt[0].Author.Name != "Tech Reviews FI" {
		t.Errorf("youtube: %+v", yt[0])
	}
	rd := parseFixture(t, "reddit.xml", "", Normaliser{Source: "reddit", Preset: PresetReddit})
	if len(rd) != 1 || rd[0].ID != "t3_1gx9abc" || rd[0].Author.Handle != "late_laptop" ||
		!strings.HasPrefix(rd[0].Text, "Onko muilla kokemusta TietokoneKoijareiden toimitusajoista?") {
		t.Errorf("reddit: %+v", rd[0])
	}
	ds := parseFixture(t, "discourse.xml", "", Normaliser{Source: "discourse", Preset: PresetDiscourse})
	if len(ds) != 1 || ds[0].Author.Name != "sam" || ds[0].ID != "forum.example.org-topic-123" {
		t.Errorf("discourse: %+v", ds[0])
	}
}

func TestPresetURLs(t *testing.T) {
	for _, c := range []struct {
		o    Options
		want string
	}{
		{Options{Preset: PresetYouTube, ChannelID: "UCabc"}, "https://www.youtube.com/feeds/videos.xml?channel_id=UCabc"},
		{Options{Preset: PresetReddit, Subreddit: "Suomi"}, "https://www.reddit.com/r/Suomi/new/.rss"},
		{Options{Preset: PresetReddit, Query: "tietokone koijarit"}, "https://www.reddit.com/search.rss?sort=new&q=tietokone+koijarit"},
		{Options{Preset: PresetDiscourse, BaseURL: "https://forum.example.org/"}, "https://forum.example.org/latest.rss"},
		{Options{Preset: PresetDiscourse, BaseURL: "https://forum.example.org", Tag: "delivery"}, "https://forum.example.org/tag/delivery.rss"},
		{Options{Preset: PresetDiscourse, BaseURL: "https://f.example", Query: "late order"}, "https://f.example/search.rss?q=late+order"},
	} {
		got, err := c.o.feedURL()
		if err != nil || got != c.want {
			t.Errorf("%+v: %q %v, want %q", c.o, got, err, c.want)
		}
	}
	for _, o := range []Options{{}, {Preset: "myspace"}, {Preset: PresetYouTube}, {Preset: PresetDiscourse}, {Preset: PresetReddit}} {
		if _, err := o.feedURL(); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
}

func TestNotAFeed(t *testing.T) {
	u, _ := url.Parse("https://x.example/feed")
	// truncated.xml breaks inside its first item: nothing to keep.
	for name, ct := range map[string]string{"error.html": "text/html", "truncated.xml": "application/xml"} {
		body := collectortest.Fixture(t, name)
		if _, err := (Normaliser{Source: "rss"}).Parse(body, ct, u, fallback); err == nil {
			t.Errorf("%s parsed", name)
		}
	}
	if _, err := (Normaliser{Source: "rss"}).Parse([]byte("  \n"), "", u, fallback); err == nil {
		t.Error("empty body parsed")
	}
}

// feedServer serves testdata files with ETag support and counts requests.
type feedServer struct {
	body     atomic.Value // []byte
	etag     atomic.Value // string
	requests atomic.Int32
	notMod   atomic.Int32
}

func (s *feedServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	etag := s.etag.Load().(string)
	if r.Header.Get("If-None-Match") == etag {
		s.notMod.Add(1)
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("ETag", etag)
	w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
	w.Write(s.body.Load().([]byte))
}

// serveFeed serves a testdata file on loopback and returns a harness for a
// source reading it.
func serveFeed(t *testing.T, file, etag, name string) (*feedServer, *collectortest.Harness, []byte) {
	t.Helper()
	body := collectortest.Fixture(t, file)
	fs := &feedServer{}
	fs.body.Store(body)
	fs.etag.Store(etag)
	srv := httptest.NewServer(fs)
	t.Cleanup(srv.Close)
	return fs, collectortest.New(t, "{type: rss, name: "+name+", url: '"+srv.URL+"/feed.xml', allow_networks: [127.0.0.1/32]}"), body
}

func TestCollectConditionalGetAndDedup(t *testing.T) {
	fs, h, body := serveFeed(t, "rss2.xml", `"v1"`, "blog")
	ctx := context.Background()

	ms, st := h.Pass(ctx)
	if st.Err != nil || len(ms) != 4 || st.Emitted != 4 {
		t.Fatalf("first pass: %d mentions, %+v", len(ms), st)
	}
	ms, st = h.Pass(ctx)
	if st.Err != nil || len(ms) != 0 || fs.notMod.Load() != 1 {
		t.Fatalf("second pass: %d mentions, %+v, %d not-modified", len(ms), st, fs.notMod.Load())
	}
	// A new item and a new ETag: only the new item is emitted.
	fs.body.Store([]byte(strings.Replace(string(body), "<item>", `<item><title>Uusi</title><guid>new-1</guid><pubDate>Fri, 20 Nov 2026 11:00:00 +0200</pubDate></item><item>`, 1)))
	fs.etag.Store(`"v2"`)
	ms, st = h.Pass(ctx)
	if st.Err != nil || len(ms) != 1 || ms[0].ID != "new-1" || st.Skipped != 4 {
		t.Fatalf("third pass: %v, %+v", ms, st)
	}
}

func TestCollectErrorsNameSourceAndURL(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<!DOCTYPE html><html><body>Oops</body></html>"))
	}))
	defer srv.Close()
	h := collectortest.New(t, "{type: rss, name: broken-blog, url: '"+srv.URL+"/feed', allow_networks: [127.0.0.1]}")
	_, st := h.Pass(context.Background())
	if st.Err == nil || !strings.Contains(st.Err.Error(), `source "broken-blog"`) || !strings.Contains(st.Err.Error(), srv.URL+"/feed") ||
		!strings.Contains(st.Err.Error(), "not an RSS, Atom or JSON feed") {
		t.Fatalf("err = %v", st.Err)
	}
	if h.Cursor() != nil {
		t.Error("cursor saved on failure")
	}
}

func TestCollectRefusesInternalWithoutAllowList(t *testing.T) {
	for _, u := range []string{"http://127.0.0.1:8080/feed", "http://2130706433/feed", "http://169.254.169.254/latest/meta-data/", "http://[::ffff:10.0.0.1]/"} {
		_, err := New(&collector.Env{Name: "x", Logger: slog.Default()}, Options{URL: u})
		if !errors.Is(err, netguard.ErrBlocked) || !strings.Contains(err.Error(), "url: ") {
			t.Errorf("%s: got %v, want a url: error wrapping ErrBlocked", u, err)
		}
	}
}

func TestCollectDamagedFeedStoresItemsBeforeTheBreak(t *testing.T) {
	_, h, _ := serveFeed(t, "cut-mid-item.xml", `"cut"`, "rantakoto-blog")
	ms, st := h.Pass(context.Background())
	if st.Err != nil || len(ms) != 3 || st.Emitted != 3 || st.Errors != 1 {
		t.Fatalf("damaged feed: %d mentions, %+v", len(ms), st)
	}
	if h.Cursor() == nil {
		t.Error("no cursor after a pass that stored items")
	}
}
