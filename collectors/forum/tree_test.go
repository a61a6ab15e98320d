package forum

import (
	"bytes"
	"fmt"
	"math/rand"
	"net/url"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/ewom/ewom/internal/collector/collectortest"
)

// dumpTree writes every node of n's tree: its type, namespace, name or
// data, atom and attributes, one a line, indented by depth.
func dumpTree(n *html.Node) string {
	var b strings.Builder
	var rec func(*html.Node, int)
	rec = func(n *html.Node, depth int) {
		fmt.Fprintf(&b, "%s%d %s %q %d %q\n", strings.Repeat(" ", depth), n.Type, n.Namespace, n.Data, n.DataAtom, n.Attr)
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Parent != n {
				b.WriteString("bad parent\n")
			}
			rec(c, depth+1)
		}
	}
	rec(n, 0)
	return b.String()
}

// sameTree checks that buildTree either declines body or builds exactly
// the tree html.Parse builds, and reports whether it built it.
func sameTree(t testing.TB, body []byte) bool {
	t.Helper()
	got, ok := buildTree(body)
	if ok && bytes.IndexByte(body, 0) < 0 {
		// Both ways of cutting the page build the same tree.
		if doc, ok, cut := scanTree(body, string(body)); cut {
			if !ok {
				t.Fatalf("scanned, then declined: %q", body)
			}
			equalTrees(t, body, doc, got)
		}
		if doc, ok := tokenTree(body, string(body)); ok {
			equalTrees(t, body, doc, got)
		}
	}
	if !ok {
		return false
	}
	want, err := html.Parse(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("built a tree where html.Parse fails (%v) for %q", err, body)
	}
	equalTrees(t, body, got, want)
	return true
}

func equalTrees(t testing.TB, body []byte, got, want *html.Node) {
	t.Helper()
	if g, w := dumpTree(got), dumpTree(want); g != w {
		gl, wl := strings.Split(g, "\n"), strings.Split(w, "\n")
		for i := range min(len(gl), len(wl)) {
			if gl[i] != wl[i] {
				t.Fatalf("tree differs from html.Parse's at line %d:\n got  %s\n want %s\nfor %q", i, gl[i], wl[i], body)
			}
		}
		t.Fatalf("tree differs from html.Parse's in length (%d, %d lines) for %q", len(gl), len(wl), body)
	}
}

// Every saved and built page of the collector's tests is read by the
// builder (not left to html.Parse) into html.Parse's tree, once Parse has
// cut its inert elements out, and cut into tokens by its scanner (not left
// to html.Tokenizer).
func TestBuildTreeOnFixtures(t *testing.T) {
	pages, err := filepath.Glob("testdata/*.html")
	if err != nil {
		t.Fatal(err)
	}
	site, _ := filepath.Glob("testdata/site/*.html")
	pages = append(pages, site...)
	if len(pages) < 7 {
		t.Fatalf("fixtures: %v", pages)
	}
	for _, p := range pages {
		body := collectortest.Fixture(t, strings.TrimPrefix(p, "testdata/"))
		// Left as they are, the Vauva.fi pages' svg icons are left to
		// html.Parse; Parse cuts them out first.
		sameTree(t, body)
		stripped := stripInert(body)
		if !sameTree(t, stripped) {
			t.Errorf("%s: left to html.Parse", p)
		}
		if _, _, cut := scanTree(stripped, string(stripped)); !cut {
			t.Errorf("%s: left to html.Tokenizer", p)
		}
	}
}

// Malformed markup the builder reads as html.Parse does, and markup it
// leaves to html.Parse.
func TestBuildTreeMalformed(t *testing.T) {
	built := []string{
		"",
		"   ",
		"text alone",
		"<!-- c --><!DOCTYPE html><!-- d --> <html><!-- e --><head> <title>t</title> </head> <!-- f --> <body><p>x</body> <!-- g --> </html> <!-- h -->",
		"<title>t",
		"<html lang=fi><html><body><body></body></html>",
		"<head><meta charset=utf-8></head><script>a<b</script><p>x",
		"<head></head> <link rel=canonical href=/x> <style>p{}</style><div>y</div>",
		"<p>one<p>two<div>three</div>four</p></p>",
		"<ul><li>a<li>b<ul><li>c</ul><li>d</ul><dl><dt>x<dd>y<dt>z</dl>",
		"<h1>a<h2>b</h1>c</h3>",
		"<div><span>x</div>y</span>",
		"<span><div>x</span>y</div>",
		"<pre>\nkeep one\n</pre><textarea>\r\nx</textarea><listing>\n\ny</listing>",
		"<b>x</b><i><b>y</b></i><a href=#1>z</a>",
		"<form><form><input></form></form>",
		"<button><button>x</button>",
		"<p>x<hr>y<br/>z<img src=a.png/>",
		"<select-like><option>a<option>b<optgroup>c</option>",
		"<td>cell outside a table</td><tr>",
		"</p></x></div></a>stray",
		"<div>a</div></body>tail<!-- after -->",
		"</html><p>after html",
		"<noscript><img src=x></noscript><iframe><p>raw</iframe><xmp><b></xmp>",
		"<custom-el><x-y>a</x-y></custom-el>",
		"<p>a<!--c-->b&amp;c&lt;d</p>",
	}
	for _, s := range built {
		if !sameTree(t, []byte(s)) {
			t.Errorf("%q left to html.Parse", s)
		}
	}
	declined := []string{
		"<b><div>x</b>y</div>",
		"<p><b>x<div>y",
		"<a href=1>x<a href=2>y",
		"<table><tr><td>x</table>",
		"<svg><circle/></svg>",
		"<!DOCTYPE html PUBLIC \"-//W3C//DTD HTML 4.01//EN\">",
		"<html><body><html lang=fi>",
		"<div>\x00</div>",
		"<select><option>a</select>",
		"<template><p>x</template>",
		"x</br>y",
		strings.Repeat("<div>", 600),
	}
	for _, s := range declined {
		if sameTree(t, []byte(s)) {
			t.Errorf("%q built: the builder was to leave it to html.Parse", s)
		}
	}
}

// markupBits are pieces of markup, well-formed and not, that mutatePage
// puts into pages.
var markupBits = []string{"<p>", "</p>", "<div>", "</div>", "<b>", "</b>", "<a href=x>", "</a>", "<li>", "</li>", "<ul>", "</ul>",
	"<dd>", "<dt>", "</dl>", "<h1>", "</h2>", "<pre>\n", "<textarea>\r\n", "</textarea>", "<form>", "</form>", "<button>", "</button>",
	"<hr>", "<br/>", "</br>", "<option>", "<optgroup>", "<head>", "</head>", "<body>", "</body>", "<html>", "</html>", "<!--c-->",
	"<!DOCTYPE html>", " ", "\n", "<title>", "</title>", "<script>", "</script>", "<span>", "</span>", "<x-y>", "</x-y>", "<noscript>",
	"</noscript>", "<meta a=b>", "<link>", "<style>", "<listing>", "</listing>", "<i c=1 b=2>", "</i>", "<nobr>", "<td>", "<tr>",
	"</table>", "<ruby>", "<rt>", "<frameset>", "<body a=1>", "<xmp>", "</xmp>", "<iframe>", "</iframe>", "<address>", "</address>",
	"<em>", "</em>", "<strong>", "</strong>", "&amp;", "text", "<a HREF=x Href=y>", "<div a=b/c>", "<p =x>", "<i a='1' b=\"2\" c=3 d>",
	"\r", "<DIV Class=A>", "<sPaN data-X=1 =>", "<a b=c/>", "<a b = 'c' / d>", "<x a=\"&lt;\">", "<q a=&amp>", "</DIV >", "</p/>",
	"<a/b>", "<img src=x/>", "<b a=\">\">", "<c a='", "\"", "'", "=", "/", ">", "<", "<a ==b>", "<a =b=c>", "&para=1", "&para;",
	"&#x41;", "&#65", "&notit;", "&notit", "<a href='?a=1&para=2'>", "<a href='?a=1&amp;b=2'>", "<a t='&#13;x\r\ny'>", "<!---->",
	"<!-- a -- b -->", "<!--->", "<!-->", "<?x>", "</>", "</ x>", "<!x>", "<!doctype html>", "<!DOCTYPE HTML>", "<!doctype html >",
	"<script><!--</script>", "<title>&amp;</title>", "</TITLE>", "</title x>", "<style>&amp;</style>", "\r\n", "<plaintext>",
	"</script ", "<!--&amp;-->", "<svg>", "<table>"}

// mutatePage changes a few places of page: a byte, a cut, a copied run,
// or one of markupBits put in.
func mutatePage(r *rand.Rand, page []byte) []byte {
	b := bytes.Clone(page)
	for range 1 + r.Intn(8) {
		if len(b) == 0 {
			b = append(b, markupBits[r.Intn(len(markupBits))]...)
			continue
		}
		switch j := r.Intn(len(b)); r.Intn(5) {
		case 0:
			b[j] = byte(r.Intn(256))
		case 1:
			b = append(b[:j], b[min(len(b), j+r.Intn(20)):]...)
		case 2:
			from := r.Intn(len(b))
			b = slices.Insert(b, j, slices.Clone(b[from:min(len(b), from+30)])...)
		default:
			b = slices.Insert(b, j, []byte(markupBits[r.Intn(len(markupBits))])...)
		}
	}
	return b
}

// The saved and built pages, changed in many ways (a fixed sequence of
// changes), give html.Parse's tree whenever the builder builds one. The
// builder builds most of them.
func TestBuildTreeOnMutatedPages(t *testing.T) {
	vauva := stripInert(collectortest.Fixture(t, "vauva_thread.html"))
	pages := [][]byte{collectortest.Fixture(t, "suomi24_thread.html"), collectortest.Fixture(t, "site/t1.html"),
		vauva[:6000], vauva[60000:66000], []byte("<p>x")}
	r := rand.New(rand.NewSource(18))
	const n = 1000
	built := 0
	for range n {
		if sameTree(t, mutatePage(r, pages[r.Intn(len(pages))])) {
			built++
		}
	}
	if built < n/2 {
		t.Errorf("built %d of %d changed pages", built, n)
	}
}

func FuzzBuildTree(f *testing.F) {
	for _, p := range []string{"vauva_thread.html", "vauva_search.html", "suomi24_thread.html", "suomi24_search.html", "site/t1.html", "site/haku.html"} {
		body := collectortest.Fixture(f, p)
		if len(body) > 8000 {
			body = body[len(body)/2 : len(body)/2+8000]
		}
		f.Add(body)
	}
	f.Add([]byte("<p>a<li>b<dd>c<h1>d<form><button>e</form></button>"))
	for _, bit := range markupBits {
		f.Add([]byte("<div>" + bit + "x</div>"))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		sameTree(t, body)
	})
}

// parseBoth reads body with p through the builder (Parse) and through
// html.Parse's tree, and fails t where the pages differ.
func parseBoth(t testing.TB, p *Parser, body []byte, page *url.URL) *Page {
	t.Helper()
	got, err := p.Parse(body, "text/html", page, fetchedAt)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	doc, err := html.Parse(bytes.NewReader(stripInert(utf8Body(body, "text/html"))))
	if err != nil {
		t.Fatalf("html.Parse: %v", err)
	}
	if want := p.read(doc, page, fetchedAt); !reflect.DeepEqual(got, want) {
		t.Fatalf("pages differ:\n got  %+v\n want %+v\nfor %q", got, want, body)
	}
	return got
}

// Every fixture read with every preset (and the loopback site's
// selectors) gives the same posts — text, author, time, permalink, quotes,
// likes — and title, links and next page through the builder as through
// html.Parse.
func TestParseSameAsHTMLParse(t *testing.T) {
	parsers := fuzzParsers(t)
	pages, _ := filepath.Glob("testdata/*.html")
	site, _ := filepath.Glob("testdata/site/*.html")
	page := mustURL(t, vauvaThread)
	posts := 0
	for _, p := range append(pages, site...) {
		body := collectortest.Fixture(t, strings.TrimPrefix(p, "testdata/"))
		for _, parser := range parsers {
			posts += len(parseBoth(t, parser, body, page).Posts)
		}
	}
	if posts < 21+20 {
		t.Errorf("%d posts in all: the selectors found too few to compare", posts)
	}
}
