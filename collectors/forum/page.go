package forum

import (
	"bytes"
	"errors"
	"fmt"
	"mime"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/andybalholm/cascadia"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/net/html/charset"

	"github.com/ewom/ewom/internal/collector"
)

// Selectors are the CSS selectors that find a forum's posts and links. A
// selector that is a group ("a, b") matches either.
type Selectors struct {
	// Posts matches each post's container. A page where it matches
	// nothing is a listing.
	Posts string `yaml:"posts"`
	// Text, Author, Time, Permalink and Likes are looked up inside a post,
	// outside any post nested in it. The text is every match (paragraphs)
	// joined; of the others the first match is used.
	Text      string `yaml:"text"`
	Author    string `yaml:"author"`
	Time      string `yaml:"time"`
	Permalink string `yaml:"permalink"`
	Likes     string `yaml:"likes"`
	// Quotes are removed from the text (replies quoting earlier posts).
	Quotes string `yaml:"quotes"`
	// Title is the thread's title, looked up in the page (the
	// document's <title> when it matches nothing).
	Title string `yaml:"title"`
	// NextPage is the link to the next page of a thread or listing.
	NextPage string `yaml:"next_page"`
	// ThreadLinks are the links a listing (search results, a board) gives
	// to threads.
	ThreadLinks string `yaml:"thread_links"`
}

// merge fills the selectors o leaves empty from def.
func (s Selectors) merge(def Selectors) Selectors {
	pick := func(a, b string) string {
		if a != "" {
			return a
		}
		return b
	}
	return Selectors{
		Posts: pick(s.Posts, def.Posts), Text: pick(s.Text, def.Text), Author: pick(s.Author, def.Author),
		Time: pick(s.Time, def.Time), Permalink: pick(s.Permalink, def.Permalink), Likes: pick(s.Likes, def.Likes),
		Quotes: pick(s.Quotes, def.Quotes), Title: pick(s.Title, def.Title), NextPage: pick(s.NextPage, def.NextPage),
		ThreadLinks: pick(s.ThreadLinks, def.ThreadLinks),
	}
}

// compiled are Selectors parsed; nil matchers are unset.
type compiled struct {
	posts, text, author, time, permalink, likes, quotes, title, next, threads cascadia.Matcher
}

func compile(s Selectors) (compiled, error) {
	var c compiled
	for _, f := range []struct {
		key, sel string
		dst      *cascadia.Matcher
	}{
		{"posts", s.Posts, &c.posts}, {"text", s.Text, &c.text}, {"author", s.Author, &c.author},
		{"time", s.Time, &c.time}, {"permalink", s.Permalink, &c.permalink}, {"likes", s.Likes, &c.likes},
		{"quotes", s.Quotes, &c.quotes}, {"title", s.Title, &c.title}, {"next_page", s.NextPage, &c.next},
		{"thread_links", s.ThreadLinks, &c.threads},
	} {
		if strings.TrimSpace(f.sel) == "" {
			continue
		}
		m, err := cascadia.ParseGroup(f.sel)
		if err != nil {
			return compiled{}, fmt.Errorf("selectors.%s: %q is not a CSS selector: %w", f.key, f.sel, err)
		}
		*f.dst = m
	}
	return c, nil
}

// Post is one post as read from a page.
type Post struct {
	// Permalink is the post's link as written (resolved later against the
	// thread: "#123" names a post of the thread); empty when none.
	Permalink string
	Author    string
	// AuthorURL is the author's profile link, resolved; empty for guests.
	AuthorURL string
	Text      string
	// TimeText is the time as shown; Time is it read (zero when it could
	// not be, with TimeErr saying why).
	TimeText string
	Time     time.Time
	TimeErr  error
	Likes    int64
	// QuoteOnly is true when the text is all quotes: written inside the
	// quote block, the reply could not be told from what it quotes.
	QuoteOnly bool
	// Err says why the post cannot be stored (no text element).
	Err error
}

// Page is what a forum page holds.
type Page struct {
	Posts []Post
	// ThreadLinks are the links the thread_links selector found, resolved,
	// without fragments, in page order, each once.
	ThreadLinks []*url.URL
	Next        *url.URL
	Canonical   *url.URL
	Title       string
	// Lang is the page's <html lang>, as a two- or three-letter code.
	Lang string
}

// Parser reads forum pages with a source's selectors and time settings.
type Parser struct {
	sel   compiled
	times timeParser
}

// Parse reads a page fetched from pageURL at now. contentType is the HTTP
// Content-Type: its charset comes first, then the page's <meta>, then
// detection. Parse fails only when the body is not HTML. The page's tree
// is built by buildTree, or by html.Parse where buildTree leaves it to it:
// the same tree either way.
func (p *Parser) Parse(body []byte, contentType string, pageURL *url.URL, now time.Time) (*Page, error) {
	// A malformed parameter (a bare "charset") does not make the page
	// other than HTML.
	if mt, _, err := mime.ParseMediaType(contentType); contentType != "" && (err != nil && !errors.Is(err, mime.ErrInvalidMediaParameter) || mt != "text/html" && mt != "application/xhtml+xml") {
		return nil, fmt.Errorf("got %q, want an HTML page", contentType)
	}
	body = stripInert(utf8Body(body, contentType))
	doc, ok := buildTree(body)
	if !ok {
		var err error
		if doc, err = html.Parse(bytes.NewReader(body)); err != nil {
			return nil, fmt.Errorf("parsing HTML: %w", err)
		}
	}
	return p.read(doc, pageURL, now), nil
}

// read reads a page's document tree.
func (p *Parser) read(doc *html.Node, pageURL *url.URL, now time.Time) *Page {
	// One walk finds what the page holds.
	var (
		baseEl, canonEl, titleEl, docTitleEl, nextEl *html.Node
		posts, links                                 []*html.Node
	)
	walk(doc, func(n *html.Node) (descend, more bool) {
		if n.Namespace == "" {
			switch n.DataAtom {
			case atom.Base:
				if baseEl == nil && attr(n, "href") != "" {
					baseEl = n
				}
			case atom.Link:
				if canonEl == nil && canonicalLink.Match(n) {
					canonEl = n
				}
			case atom.Title:
				if docTitleEl == nil {
					docTitleEl = n
				}
			}
		}
		if titleEl == nil && p.sel.title != nil && p.sel.title.Match(n) {
			titleEl = n
		}
		if nextEl == nil && p.sel.next != nil && p.sel.next.Match(n) {
			nextEl = n
		}
		if p.sel.posts != nil && p.sel.posts.Match(n) {
			posts = append(posts, n)
		}
		if p.sel.threads != nil && p.sel.threads.Match(n) {
			links = append(links, n)
		}
		return true, true
	})
	base := pageURL
	if baseEl != nil {
		if u, err := pageURL.Parse(attr(baseEl, "href")); err == nil {
			base = u
		}
	}
	pg := &Page{Lang: pageLang(doc)}
	if canonEl != nil {
		pg.Canonical = resolve(base, attr(canonEl, "href"))
	}
	if titleEl != nil {
		pg.Title = nodeText(titleEl)
	}
	if pg.Title == "" && docTitleEl != nil {
		pg.Title = nodeText(docTitleEl)
	}
	if nextEl != nil {
		pg.Next = resolve(base, attr(nextEl, "href"))
	}
	if len(posts) == 0 {
		seen := map[string]bool{}
		for _, a := range links {
			if u := resolve(base, attr(a, "href")); u != nil && !seen[u.String()] {
				seen[u.String()] = true
				pg.ThreadLinks = append(pg.ThreadLinks, u)
			}
		}
	}
	isPost := make(map[*html.Node]bool, len(posts))
	for _, n := range posts {
		isPost[n] = true
	}
	pg.Posts = make([]Post, len(posts))
	for i, n := range posts {
		pg.Posts[i] = p.post(n, isPost, base, now)
	}
	return pg
}

var canonicalLink = cascadia.MustCompile(`link[rel~="canonical"][href]`)

// post reads one post's fields from inside n, leaving out posts nested in
// it (replies shown inside the post they answer).
func (p *Parser) post(n *html.Node, isPost map[*html.Node]bool, base *url.URL, now time.Time) Post {
	f := ownFirst(n, isPost, p.sel.author, p.sel.time, p.sel.permalink, p.sel.likes)
	authorEl, timeEl, linkEl, likesEl := f[0], f[1], f[2], f[3]
	var post Post
	if linkEl != nil {
		post.Permalink = strings.TrimSpace(attr(linkEl, "href"))
	}
	if authorEl != nil {
		post.Author = nodeText(authorEl)
		if a := linkIn(authorEl); a != nil {
			if u := resolve(base, attr(a, "href")); u != nil {
				post.AuthorURL = u.String()
			}
		}
	}
	if timeEl != nil {
		dt := attr(timeEl, "datetime")
		if dt == "" {
			if t := cascadia.Query(timeEl, timeWithDatetime); t != nil {
				dt = attr(t, "datetime")
			}
		}
		post.TimeText = nodeText(timeEl)
		post.Time, post.TimeErr = p.times.parse(dt, post.TimeText, now)
	} else {
		post.TimeErr = fmt.Errorf("the time selector matched nothing in the post")
	}
	if likesEl != nil {
		post.Likes = firstNumber(nodeText(likesEl))
	}
	var texts []*html.Node
	if p.sel.text != nil {
		walk(n, func(c *html.Node) (descend, more bool) {
			switch {
			case c != n && isPost[c]:
				return false, true
			case p.sel.text.Match(c):
				texts = append(texts, c)
				return false, true
			}
			return true, true
		})
	}
	if len(texts) == 0 {
		post.Err = fmt.Errorf("the text selector matched nothing in the post")
		return post
	}
	parts := make([]string, 0, len(texts))
	for _, el := range texts {
		t, quoteOnly := p.text(el, isPost)
		if t != "" {
			parts = append(parts, t)
			post.QuoteOnly = post.QuoteOnly || quoteOnly
		}
	}
	post.Text = strings.Join(parts, "\n\n")
	return post
}

var timeWithDatetime = cascadia.MustCompile("time[datetime]")

// text renders a post's text element as clean text, without the posts
// nested in it (read on their own) and without quotes. When the quotes are
// all there is — a reply written inside the quote it answers — the text
// keeps them and quoteOnly is true, rather than the post being lost. The
// document is left as it was.
func (p *Parser) text(el *html.Node, isPost map[*html.Node]bool) (text string, quoteOnly bool) {
	var nested, quotes []*html.Node
	walk(el, func(n *html.Node) (descend, more bool) {
		switch {
		case n == el:
		case isPost[n]:
			nested = append(nested, n)
			return false, true
		case p.sel.quotes != nil && p.sel.quotes.Match(n):
			quotes = append(quotes, n)
			return false, true
		}
		return true, true
	})
	if len(nested) == 0 && len(quotes) == 0 {
		return renderText(el), false
	}
	restoreNested := detach(nested)
	defer restoreNested()
	restoreQuotes := detach(quotes)
	text = renderText(el)
	restoreQuotes()
	if text != "" || len(quotes) == 0 {
		return text, false
	}
	return renderText(el), true
}

// detach takes nodes out of the tree and returns what puts them back.
func detach(nodes []*html.Node) (restore func()) {
	type place struct{ node, parent, next *html.Node }
	at := make([]place, len(nodes))
	for i, n := range nodes {
		at[i] = place{n, n.Parent, n.NextSibling}
		n.Parent.RemoveChild(n)
	}
	return func() {
		for i := len(at) - 1; i >= 0; i-- {
			at[i].parent.InsertBefore(at[i].node, at[i].next)
		}
	}
}

// renderText is the clean text of an element.
func renderText(el *html.Node) string {
	var b bytes.Buffer
	if err := html.Render(&b, el); err != nil {
		return ""
	}
	// The element itself is rendered around its content, so that markup
	// shown as text ("&lt;b&gt;") is not taken for an escaped layer and
	// decoded twice.
	return collector.HTMLToText(b.String())
}

// ownFirst returns, for each matcher, its first match inside post that is
// not inside another post nested in it (nil when none, or for a nil
// matcher), in one walk.
func ownFirst(post *html.Node, isPost map[*html.Node]bool, ms ...cascadia.Matcher) []*html.Node {
	found := make([]*html.Node, len(ms))
	left := 0
	for _, m := range ms {
		if m != nil {
			left++
		}
	}
	walk(post, func(n *html.Node) (descend, more bool) {
		if n != post && isPost[n] {
			return false, true
		}
		for i, m := range ms {
			if m != nil && found[i] == nil && m.Match(n) {
				found[i] = n
				left--
			}
		}
		return true, left > 0
	})
	return found
}

// walk visits the elements of n's subtree in document order, n first.
// visit says whether to go into the element's children and whether to go
// on at all; walk reports false when the walk was ended.
func walk(n *html.Node, visit func(*html.Node) (descend, more bool)) bool {
	if n.Type == html.ElementNode {
		descend, more := visit(n)
		if !more {
			return false
		}
		if !descend {
			return true
		}
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if !walk(c, visit) {
			return false
		}
	}
	return true
}

// nodeText is the text inside n with white space collapsed and invalid
// UTF-8 replaced.
func nodeText(n *html.Node) string {
	var b strings.Builder
	var rec func(*html.Node)
	rec = func(n *html.Node) {
		switch {
		case n.Type == html.TextNode:
			b.WriteString(n.Data)
			b.WriteByte(' ')
		case n.Type == html.ElementNode && (n.DataAtom == atom.Script || n.DataAtom == atom.Style || n.DataAtom == atom.Template):
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			rec(c)
		}
	}
	rec(n)
	return strings.Join(strings.Fields(strings.ToValidUTF8(b.String(), "\uFFFD")), " ")
}

// linkIn is n when it is a link, else the first link inside it.
func linkIn(n *html.Node) *html.Node {
	if n.DataAtom == atom.A && attr(n, "href") != "" {
		return n
	}
	return cascadia.Query(n, anyLink)
}

var anyLink = cascadia.MustCompile("a[href]")

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Namespace == "" && a.Key == key {
			return a.Val
		}
	}
	return ""
}

// resolve resolves href against base, dropping the fragment; nil for an
// empty, unparsable or non-HTTP link.
func resolve(base *url.URL, href string) *url.URL {
	href = strings.TrimSpace(href)
	if href == "" {
		return nil
	}
	u, err := base.Parse(href)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil
	}
	u.Fragment, u.RawFragment = "", ""
	return u
}

// pageLang reads <html lang="fi-FI"> as "fi".
func pageLang(doc *html.Node) string {
	for c := doc.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && c.DataAtom == atom.Html {
			l, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(attr(c, "lang"))), "-")
			if len(l) == 2 || len(l) == 3 {
				return l
			}
		}
	}
	return ""
}

// firstNumber reads the first run of digits in s ("12 tykkäystä" → 12).
func firstNumber(s string) int64 {
	start := strings.IndexFunc(s, func(r rune) bool { return r >= '0' && r <= '9' })
	if start < 0 {
		return 0
	}
	end := start
	for end < len(s) && s[end] >= '0' && s[end] <= '9' {
		end++
	}
	n, err := strconv.ParseInt(s[start:end], 10, 64)
	if err != nil {
		return 0
	}
	return n
}

// utf8Body decodes body to UTF-8: the charset of the Content-Type, else
// of a <meta> in the first 1024 bytes, else detection (UTF-8 when valid,
// else Windows-1252).
func utf8Body(body []byte, contentType string) []byte {
	enc, name, _ := charset.DetermineEncoding(body, contentType)
	if name == "utf-8" {
		return body
	}
	out, err := enc.NewDecoder().Bytes(body)
	if err != nil {
		return body
	}
	return out
}

// inertElements hold nothing a post is made of (code, styles, icons), and
// on a chrome-heavy page building their nodes is a good part of the
// parse: they are cut out of the markup first.
var inertElements = []string{"script", "style", "svg"}

// stripInert returns body without its script, style and svg elements
// (an element whose end tag is missing is kept, and the rest with it).
// body is not changed; a body without them is returned as it is.
func stripInert(body []byte) []byte {
	var out []byte // nil until something is cut
	last := 0      // body[last:] is not copied yet

	for i := 0; i < len(body); {
		lt := bytes.IndexByte(body[i:], '<')
		if lt < 0 {
			break
		}
		i += lt
		name, ok := inertAt(body, i)
		if !ok {
			i++
			continue
		}
		end := indexFold(body[i:], "</"+name)
		if end < 0 {
			break
		}
		close := bytes.IndexByte(body[i+end:], '>')
		if close < 0 {
			break
		}
		if out == nil {
			out = make([]byte, 0, len(body))
		}
		out = append(out, body[last:i]...)
		i += end + close + 1
		last = i
	}
	if out == nil {
		return body
	}
	return append(out, body[last:]...)
}

// inertAt reports the inert element whose start tag begins at body[i].
func inertAt(body []byte, i int) (string, bool) {
	if i+1 >= len(body) || body[i+1]|0x20 != 's' {
		return "", false // all of them begin with an s
	}
	for _, name := range inertElements {
		j := i + 1 + len(name)
		if j < len(body) && bytes.EqualFold(body[i+1:j], []byte(name)) {
			switch body[j] {
			case ' ', '\t', '\n', '\r', '\f', '>', '/':
				return name, true
			}
		}
	}
	return "", false
}

// indexFold is bytes.Index ignoring ASCII case.
func indexFold(s []byte, sep string) int {
	for i := 0; i+len(sep) <= len(s); i++ {
		j := bytes.IndexByte(s[i:], '<')
		if j < 0 {
			return -1
		}
		i += j
		if i+len(sep) <= len(s) && bytes.EqualFold(s[i:i+len(sep)], []byte(sep)) {
			return i
		}
	}
	return -1
}
