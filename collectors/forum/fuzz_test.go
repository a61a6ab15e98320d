package forum

import (
	"bytes"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/net/html"

	"github.com/ewom/ewom/internal/collector"
	"github.com/ewom/ewom/internal/collector/collectortest"
	"github.com/ewom/ewom/internal/memstat"
)

func FuzzParse(f *testing.F) {
	// The saved Vauva.fi pages are cut to their posts and results: the
	// fuzzer is slow on inputs of hundreds of kilobytes.
	vauva := collectortest.Fixture(f, "vauva_thread.html")
	f.Add(cut(f, vauva, `<div class="node`, `<div class="comment comment-30578591`), uint8(0))
	f.Add(cut(f, vauva, `<div class="comment comment-30578735`, `<div class="comment comment-30578737`), uint8(0))
	f.Add(cut(f, collectortest.Fixture(f, "vauva_search.html"), `<h2>Hakutulokset`, `</body>`), uint8(0))
	f.Add(collectortest.Fixture(f, "suomi24_thread.html"), uint8(1))
	f.Add(collectortest.Fixture(f, "suomi24_search.html"), uint8(1))
	f.Add(collectortest.Fixture(f, "site/t1.html"), uint8(2))
	f.Add(collectortest.Fixture(f, "site/haku.html"), uint8(2))
	f.Add([]byte(`<div class="comment"><div class="content"><blockquote><blockquote>x</blockquote></blockquote></div><time datetime="9999-99-99">eilen 25:61</time></div>`), uint8(0))
	f.Add([]byte("<main><article><p class=\"a__ListItem__Text\">\xff\xfe</p><time>31.2.</time><a href=\"#comment-\">#</a></article></main>"), uint8(1))
	parsers := fuzzParsers(f)
	c, err := New(&collector.Env{Name: "forum-test"}, Options{Preset: PresetVauva, Search: []string{"x"}})
	if err != nil {
		f.Fatal(err)
	}
	page := &url.URL{Scheme: "https", Host: "forum.example", Path: "/t/1/ketju", RawQuery: "page=2"}
	thread := &url.URL{Scheme: "https", Host: "forum.example", Path: "/t/1/ketju"}
	f.Fuzz(func(t *testing.T, body []byte, which uint8) {
		pg := parseBoth(t, parsers[int(which)%len(parsers)], body, page)
		if len(pg.Posts) > 0 && len(pg.ThreadLinks) > 0 {
			t.Fatal("a page with posts is not a listing")
		}
		for _, u := range append(pg.ThreadLinks, pg.Next, pg.Canonical) {
			if u != nil && (u.Scheme != "http" && u.Scheme != "https" || u.Host == "" || u.Fragment != "") {
				t.Fatalf("link %q", u)
			}
		}
		for i, p := range pg.Posts {
			if p.Time.IsZero() != (p.TimeErr != nil) {
				t.Fatalf("post %d: time %v, error %v", i, p.Time, p.TimeErr)
			}
			if p.Err != nil && p.Text != "" || !utf8.ValidString(p.Text) || !utf8.ValidString(p.Author) || strings.TrimSpace(p.Text) != p.Text {
				t.Fatalf("post %d: %+v", i, p)
			}
			m := c.mention(p, pg, thread, page, i == 0)
			if m.ID == "" || len(m.ID) > 512 || m.URL == "" || m.Source != "vauva" || (i > 0) != (m.ParentURL == thread.String()) {
				t.Fatalf("post %d: mention %+v", i, m)
			}
		}
	})
}

// fuzzParsers are the parsers of the presets and of the loopback site.
func fuzzParsers(t testing.TB) []*Parser {
	return []*Parser{parserFor(t, Options{Preset: PresetVauva}), parserFor(t, Options{Preset: PresetSuomi24}),
		parserFor(t, Options{Selectors: Selectors{Posts: "article.post", Text: "div.body", Author: ".author", Time: "time", Permalink: "a.permalink",
			Likes: ".likes", Quotes: "blockquote", Title: "h1", NextPage: "a.next", ThreadLinks: "a.thread-link"}})}
}

// cut returns body from the first from up to the first to after it.
func cut(t testing.TB, body []byte, from, to string) []byte {
	i := bytes.Index(body, []byte(from))
	j := bytes.Index(body[max(i, 0):], []byte(to))
	if i < 0 || j < 0 {
		t.Fatalf("no %q … %q", from, to)
	}
	return body[i : i+j]
}

// BenchmarkParse reads forum pages into mentions and reports posts per
// second of wall time and per second of CPU time (the process's: on a
// machine shared with other jobs, the figure for one core of its own).
//
// vauva is the thread page saved from Vauva.fi: 171 kB for the opening
// post and 20 comments amid the site's navigation, scripts, icons and ads.
// Building its tree is most of the cost, so html.Parse alone on the same
// page is the baseline: vauva/html.Parse runs it on its own, and
// vauva/posts runs it once after every page it reads (its time left out of
// ns/op) and reports the ratio of the two in x-html.Parse, so that the
// machine's drift, large when it is shared, falls on both alike.
// vauva/tree is the tree alone as Parse builds it (the inert elements cut
// out, buildTree). lean is a page of 60 posts in the loopback site's markup
// (its thread's three posts, twenty times), where the posts are most of the
// page.
func BenchmarkParse(b *testing.B) {
	vauva := collectortest.Fixture(b, "vauva_thread.html")
	thread, _ := url.Parse(vauvaThread)
	b.Run("vauva/html.Parse", func(b *testing.B) {
		b.SetBytes(int64(len(vauva)))
		cpu := memstat.CPU()
		for b.Loop() {
			if _, err := html.Parse(bytes.NewReader(vauva)); err != nil {
				b.Fatal(err)
			}
		}
		reportPosts(b, 21*b.N, cpu)
	})
	b.Run("vauva/tree", func(b *testing.B) {
		b.SetBytes(int64(len(vauva)))
		b.ReportAllocs()
		cpu := memstat.CPU()
		for b.Loop() {
			if _, ok := buildTree(stripInert(vauva)); !ok {
				b.Fatal("left to html.Parse")
			}
		}
		reportPosts(b, 21*b.N, cpu)
	})
	b.Run("vauva/posts", func(b *testing.B) {
		benchPosts(b, Options{Preset: PresetVauva, Search: []string{"x"}}, vauva, thread, 21, true)
	})
	site := string(collectortest.Fixture(b, "site/t1.html"))
	start, end := strings.Index(site, "<article"), strings.LastIndex(site, "</article>")+len("</article>")
	var posts strings.Builder
	for i := range 20 {
		posts.WriteString(strings.ReplaceAll(site[start:end], `href="#p1`, fmt.Sprintf(`href="#p%d`, i)))
	}
	lean := []byte(site[:start] + posts.String() + site[end:])
	b.Run("lean/posts", func(b *testing.B) {
		benchPosts(b, Options{StartURLs: []string{"https://forum.example/"}, Selectors: Selectors{Posts: "article.post", Text: "div.body", Author: ".author",
			Time: "time", Permalink: "a.permalink", Likes: ".likes", Quotes: "blockquote", Title: "h1", NextPage: "a.next"}}, lean, thread, 60, false)
	})
}

// benchPosts reads body, which holds want posts, into mentions; with
// baseline, html.Parse also builds the page's tree after each read, its
// CPU time kept apart, and x-html.Parse is posts/cpu-s over html.Parse's.
func benchPosts(b *testing.B, o Options, body []byte, thread *url.URL, want int, baseline bool) {
	c, err := New(&collector.Env{Name: "forum-test"}, o)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	var cpu, baseCPU time.Duration
	posts := 0
	b.ResetTimer()
	for range b.N {
		before := memstat.CPU()
		pg, err := c.parser.Parse(body, "text/html; charset=utf-8", thread, fetchedAt)
		if err != nil || len(pg.Posts) != want {
			b.Fatal(err, len(pg.Posts))
		}
		for i, p := range pg.Posts {
			if m := c.mention(p, pg, thread, thread, i == 0); m.Text == "" || m.PublishedAt.IsZero() {
				b.Fatalf("post %d: %+v", i, m)
			}
		}
		posts += len(pg.Posts)
		cpu += memstat.CPU() - before
		if baseline {
			b.StopTimer()
			before = memstat.CPU()
			if _, err := html.Parse(bytes.NewReader(body)); err != nil {
				b.Fatal(err)
			}
			baseCPU += memstat.CPU() - before
			b.StartTimer()
		}
	}
	b.ReportMetric(float64(posts)/b.Elapsed().Seconds(), "posts/s")
	b.ReportMetric(float64(posts)/cpu.Seconds(), "posts/cpu-s")
	if baseline {
		b.ReportMetric(float64(posts)/baseCPU.Seconds(), "html.Parse-posts/cpu-s")
		b.ReportMetric(baseCPU.Seconds()/cpu.Seconds(), "x-html.Parse")
	}
}

func reportPosts(b *testing.B, posts int, cpuBefore time.Duration) {
	b.ReportMetric(float64(posts)/b.Elapsed().Seconds(), "posts/s")
	b.ReportMetric(float64(posts)/(memstat.CPU()-cpuBefore).Seconds(), "posts/cpu-s")
}

// cpuTime is the CPU time the process has used.
