package forum

import (
	"encoding/json"
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ewom/ewom/internal/collector"
	"github.com/ewom/ewom/internal/collector/collectortest"
)

// parserFor builds the parser of a source configured by o.
func parserFor(t testing.TB, o Options) *Parser {
	t.Helper()
	if len(o.StartURLs) == 0 && len(o.Search) == 0 {
		o.StartURLs = []string{"https://forum.example/"}
	}
	c, err := New(&collector.Env{Name: "forum-test"}, o)
	if err != nil {
		t.Fatal(err)
	}
	return c.parser
}

func mustURL(t testing.TB, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// fetchedAt is the fetch time the fixtures are read at.
var fetchedAt = time.Date(2026, 12, 6, 18, 0, 0, 0, time.UTC)

var helsinki = func() *time.Location {
	l, err := time.LoadLocation("Europe/Helsinki")
	if err != nil {
		panic(err)
	}
	return l
}()

const vauvaThread = "https://www.vauva.fi/keskustelu/2936023/mika-laihduttamisen-kannalta-terveellisiin-riisi-vai-peruna"

// The vauva preset against a thread page saved from www.vauva.fi: every
// post is found, and the comments' times and texts agree with the page's
// own schema.org data (its JSON-LD lists each comment with its text,
// quotes included, and its local time).
func TestVauvaPresetOnASavedThread(t *testing.T) {
	body := collectortest.Fixture(t, "vauva_thread.html")
	pg, err := parserFor(t, Options{Preset: PresetVauva}).Parse(body, "text/html; charset=utf-8", mustURL(t, vauvaThread), fetchedAt)
	if err != nil {
		t.Fatal(err)
	}
	if pg.Title != "Mikä on laihduttamisen kannalta terveellisiin, riisi vai peruna?" || pg.Lang != "fi" ||
		pg.Canonical == nil || pg.Canonical.String() != vauvaThread || len(pg.ThreadLinks) != 0 {
		t.Errorf("page: title %q lang %q canonical %v links %v", pg.Title, pg.Lang, pg.Canonical, pg.ThreadLinks)
	}
	if pg.Next == nil || pg.Next.String() != vauvaThread+"?page=1" {
		t.Errorf("next %v", pg.Next)
	}
	if len(pg.Posts) != 21 {
		t.Fatalf("%d posts, want the opening post and 20 comments", len(pg.Posts))
	}
	op := pg.Posts[0]
	if op.Text != "." || op.Author != "Vierailija" || op.Permalink != "" || op.Err != nil ||
		!op.Time.Equal(time.Date(2017, 8, 1, 12, 9, 13, 0, helsinki)) {
		t.Errorf("opening post %+v", op)
	}

	var ld struct {
		Comment []struct {
			Text          string `json:"text"`
			DatePublished string `json:"datePublished"`
		} `json:"comment"`
	}
	m := regexp.MustCompile(`(?s)<script type="application/ld\+json">(.*?)</script>`).FindSubmatch(body)
	if m == nil || json.Unmarshal(m[1], &ld) != nil || len(ld.Comment) != 20 {
		t.Fatalf("the fixture's JSON-LD: %d comments", len(ld.Comment))
	}
	quoted := 0
	for i, c := range ld.Comment {
		p := pg.Posts[i+1]
		want, err := time.ParseInLocation("2006-01-02T15:04:05", c.DatePublished, helsinki)
		if err != nil {
			t.Fatal(err)
		}
		// Every comment is shown as a guest's (the JSON-LD names one
		// guest by a nickname the page does not show).
		if p.Err != nil || p.TimeErr != nil || !p.Time.Equal(want) || p.Author != "Vierailija" {
			t.Errorf("comment %d: %+v, want time %v", i, p, want)
		}
		if !regexp.MustCompile(`^#\d+$`).MatchString(p.Permalink) {
			t.Errorf("comment %d: permalink %q", i, p.Permalink)
		}
		// The page's text keeps the quotes ("Vierailija kirjoitti: …")
		// before the reply; ours is the reply alone.
		ours, theirs := squash(p.Text), squash(html.UnescapeString(c.Text))
		if ours == "" || !strings.HasSuffix(theirs, ours) {
			t.Errorf("comment %d: text %q is not the end of %q", i, ours, theirs)
		}
		if strings.Contains(theirs, "kirjoitti:") {
			quoted++
			if strings.Contains(ours, "kirjoitti:") != p.QuoteOnly {
				t.Errorf("comment %d: quote kept %v, quote only %v: %q", i, strings.Contains(ours, "kirjoitti:"), p.QuoteOnly, p.Text)
			}
		}
	}
	// Comment 11 wrote its reply inside the quote block: the text keeps
	// the quotes, flagged, rather than the reply being lost.
	if p := pg.Posts[12]; !p.QuoteOnly || !strings.HasSuffix(p.Text, "Mihin sitä leipää sitten tarvitaan?") {
		t.Errorf("reply inside its quote: %+v", p)
	}
	if quoted < 5 {
		t.Errorf("only %d quoting comments checked", quoted)
	}
	if p := pg.Posts[9]; p.Text != "Ja selitätkö vielä mihin sitä leipää ylipäänsä tarvitaan? Ihan yhtä tyhjää ravintoa kuin perunakin." {
		t.Errorf("reply with a quote: %q", p.Text)
	}
}

// squash collapses white space (including no-break spaces) for comparing
// texts laid out differently.
func squash(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\u00a0", " ")), " ")
}

// The vauva preset against a search results page saved from www.vauva.fi.
func TestVauvaPresetOnASavedSearchPage(t *testing.T) {
	p := parserFor(t, Options{Preset: PresetVauva})
	pg, err := p.Parse(collectortest.Fixture(t, "vauva_search.html"), "text/html", mustURL(t, "https://www.vauva.fi/haku?keys=peruna"), fetchedAt)
	if err != nil {
		t.Fatal(err)
	}
	// Ten results, one thread listed twice.
	if len(pg.Posts) != 0 || len(pg.ThreadLinks) != 9 {
		t.Fatalf("%d posts, %d thread links", len(pg.Posts), len(pg.ThreadLinks))
	}
	if pg.ThreadLinks[0].String() != "https://www.vauva.fi/node/5854531" {
		t.Errorf("first thread %s", pg.ThreadLinks[0])
	}
	for _, l := range pg.ThreadLinks {
		if !regexp.MustCompile(`^https://www\.vauva\.fi/node/\d+$`).MatchString(l.String()) {
			t.Errorf("thread link %s", l)
		}
	}
	if pg.Next == nil || pg.Next.String() != "https://www.vauva.fi/haku?keys=peruna&page=1" {
		t.Errorf("next %v", pg.Next)
	}
}

// The suomi24 preset against pages built to the markup public scrapers
// document (no saved page of keskustelu.suomi24.fi could be found).
func TestSuomi24PresetOnDocumentedMarkup(t *testing.T) {
	p := parserFor(t, Options{Preset: PresetSuomi24})
	thread := mustURL(t, "https://keskustelu.suomi24.fi/t/17411323/tilaus-jumissa---tietokonekoijarit")
	pg, err := p.Parse(collectortest.Fixture(t, "suomi24_thread.html"), "text/html", thread, fetchedAt)
	if err != nil {
		t.Fatal(err)
	}
	if pg.Title != "Tilaus jumissa – TietokoneKoijarit" || pg.Next == nil || pg.Next.String() != thread.String()+"?page=2" || len(pg.Posts) != 4 {
		t.Fatalf("page: title %q next %v, %d posts", pg.Title, pg.Next, len(pg.Posts))
	}
	now := fetchedAt.In(helsinki)
	want := []struct {
		author, text, link string
		t                  time.Time
	}{
		{"Moona_78", "Tilasin näytönohjaimen TietokoneKoijareilta marraskuussa, eikä pakettia vieläkään näy.\n\nKokemuksia?", "", time.Date(2026, 12, 6, 14, 5, 0, 0, helsinki)},
		{"Hanna K", "Sama kokemus, asiakaspalvelu ei vastaa.\n\nReklamoin kuluttajaneuvontaan.", "/t/17411323/tilaus-jumissa---tietokonekoijarit#comment-98765432", time.Date(2026, 12, 5, 21, 51, 0, 0, helsinki)},
		{"Moona_78", "Kiitos vinkistä, teen saman.", "#comment-98765500", time.Date(2026, 12, 6, 8, 10, 0, 0, helsinki)},
		{"vieras", "Minulle tuli perille ajallaan, hyvä kauppa.", "#comment-98765600", now.Add(-2 * time.Hour)},
	}
	for i, w := range want {
		got := pg.Posts[i]
		if got.Author != w.author || got.Text != w.text || got.Permalink != w.link || !got.Time.Equal(w.t) || got.Err != nil {
			t.Errorf("post %d: %+v\nwant %+v", i, got, w)
		}
	}
	if pg.Posts[1].AuthorURL != "https://keskustelu.suomi24.fi/profiili/hanna-k" || pg.Posts[0].AuthorURL != "" {
		t.Errorf("author links %q %q", pg.Posts[1].AuthorURL, pg.Posts[0].AuthorURL)
	}

	pg, err = p.Parse(collectortest.Fixture(t, "suomi24_search.html"), "text/html", mustURL(t, "https://keskustelu.suomi24.fi/haku?keyword=TietokoneKoijarit"), fetchedAt)
	if err != nil {
		t.Fatal(err)
	}
	if len(pg.Posts) != 0 || len(pg.ThreadLinks) != 2 || pg.ThreadLinks[0].String() != thread.String() ||
		pg.ThreadLinks[1].String() != "https://keskustelu.suomi24.fi/t/17399999/kokemuksia-tietokonekoijareista" {
		t.Errorf("search page: %d posts, links %v", len(pg.Posts), pg.ThreadLinks)
	}
}

func TestParseRejectsWhatIsNotHTML(t *testing.T) {
	p := parserFor(t, Options{Preset: PresetVauva})
	for _, ct := range []string{"application/json", "image/png", "text/plain; charset=utf-8", "html"} {
		if _, err := p.Parse([]byte(`{"a":1}`), ct, mustURL(t, "https://forum.example/"), fetchedAt); err == nil {
			t.Errorf("%s parsed", ct)
		}
	}
}

// A page in ISO-8859-1 (declared in the header, or only in a <meta>) is
// read as such; a malformed Content-Type parameter does not stop it.
func TestParseDecodesLatin1(t *testing.T) {
	p := parserFor(t, Options{Selectors: Selectors{Posts: "article", Text: "p"}})
	body := []byte("<html><head><meta charset=\"iso-8859-1\"></head><body><article><p>P\xe4\xe4t\xf6s on hyv\xe4</p></article></body></html>")
	for _, ct := range []string{"text/html; charset=iso-8859-1", "text/html", "text/html; charset"} {
		pg, err := p.Parse(body, ct, mustURL(t, "https://forum.example/"), fetchedAt)
		if err != nil || len(pg.Posts) != 1 || pg.Posts[0].Text != "Päätös on hyvä" {
			t.Errorf("%s: %v %+v", ct, err, pg)
		}
	}
}

// Fields are read from the post itself, not from a reply nested inside it.
func TestParseKeepsNestedPostsApart(t *testing.T) {
	p := parserFor(t, Options{Selectors: Selectors{Posts: "div.post", Text: "div.text", Author: ".who", Time: "time", Quotes: "q"}})
	body := `<div class="post"><span class="who">A</span><time datetime="2026-12-01T10:00:00Z"></time>
<div class="text">Ensimmäinen <q>lainaus</q> viesti</div>
<div class="post"><span class="who">B</span><time datetime="2026-12-02T10:00:00Z"></time><div class="text">Vastaus</div></div></div>`
	pg, err := p.Parse([]byte(body), "text/html", mustURL(t, "https://forum.example/t/1"), fetchedAt)
	if err != nil || len(pg.Posts) != 2 {
		t.Fatalf("%v %+v", err, pg)
	}
	a, b := pg.Posts[0], pg.Posts[1]
	if a.Author != "A" || a.Text != "Ensimmäinen viesti" || a.Time.Day() != 1 || b.Author != "B" || b.Text != "Vastaus" || b.Time.Day() != 2 {
		t.Errorf("posts %+v %+v", a, b)
	}
}

// A reply nested inside the text of the post it answers is left out of
// that text and read on its own, with selectors that look at its
// ancestors still matching (the document is not changed).
func TestParseReadsRepliesInsideText(t *testing.T) {
	p := parserFor(t, Options{Selectors: Selectors{Posts: "div.post", Text: "body .text", Quotes: "q"}})
	body := `<body><div class="post"><div class="text">Kysymys <q>lainaus</q><div class="post"><div class="text">Vastaus</div></div></div></div></body>`
	pg, err := p.Parse([]byte(body), "text/html", mustURL(t, "https://forum.example/t/1"), fetchedAt)
	if err != nil || len(pg.Posts) != 2 || pg.Posts[0].Text != "Kysymys" || pg.Posts[1].Text != "Vastaus" {
		t.Fatalf("%v %+v", err, pg)
	}
}

func TestStripInert(t *testing.T) {
	for in, want := range map[string]string{
		`<p>a</p><script>var x = "<p>";</script><p>b</p>`:                 `<p>a</p><p>b</p>`,
		`<SCRIPT type="text/javascript">x()</Script ><style>p{}</style>c`: `c`,
		`<svg viewBox="0 0 1 1"><path d="M0"/></svg><span>ok</span>`:      `<span>ok</span>`,
		`<scripts>kept</scripts><svgx>kept</svgx>`:                        `<scripts>kept</scripts><svgx>kept</svgx>`,
		`<p>a</p><script>never closed <p>b</p>`:                           `<p>a</p><script>never closed <p>b</p>`,
		`no markup at all`:                                                `no markup at all`,
	} {
		if got := string(stripInert([]byte(in))); got != want {
			t.Errorf("stripInert(%q) = %q, want %q", in, got, want)
		}
	}
	body := []byte(`<p>nothing inert</p>`)
	if got := stripInert(body); &got[0] != &body[0] {
		t.Error("a body without inert elements was copied")
	}
}
