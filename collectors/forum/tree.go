package forum

import (
	"bytes"
	"cmp"
	"io"
	"slices"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// buildTree builds the document tree html.Parse builds of body, without
// the HTML5 tree construction algorithm's bookkeeping (active formatting
// elements, insertion modes beyond head and body, foster parenting), which
// on a forum page costs more than the tokens themselves, and without
// copying the page's strings. The tokens are cut by scan where the markup
// is of the usual kinds, else by html.Tokenizer. The builder follows
// html.Parse (x/net/html's parse.go) for what well-formed and commonly
// malformed pages hold: the implied html, head and body elements, void
// elements, raw text elements, the start tags that close an open p, li,
// dd, dt, option or heading, the end tags that close what is open above
// them, stray end tags (ignored), a lone </p> (an empty p), and text
// merged as html.Parse merges it.
//
// Where html.Parse would do what this builder does not — reopen a
// formatting element closed by another tag (<b><div></b>), build a table,
// select, template, frameset, ruby or foreign (svg, MathML) content, read a
// legacy doctype, merge attributes of a repeated html or body tag, drop or
// replace a NUL — ok is false and the caller parses the page with
// html.Parse. The tests hold the builder to giving exactly html.Parse's
// tree whenever ok is true.
func buildTree(body []byte) (doc *html.Node, ok bool) {
	if bytes.IndexByte(body, 0) >= 0 {
		return nil, false // NUL is dropped or replaced depending on where it stands
	}
	src := string(body)
	if doc, ok, cut := scanTree(body, src); cut {
		return doc, ok
	}
	// Markup the scanner does not cut: html.Tokenizer cuts it.
	return tokenTree(body, src)
}

// scanTree builds the tree from the tokens scan cuts; cut is false where
// it gave up.
func scanTree(body []byte, src string) (doc *html.Node, ok, cut bool) {
	t := newTreeBuilder(body, src, nil)
	if !t.scan() && t.ok {
		return nil, false, false
	}
	doc, ok = t.finish()
	return doc, ok, true
}

// tokenTree builds the tree from html.Tokenizer's tokens.
func tokenTree(body []byte, src string) (*html.Node, bool) {
	t := newTreeBuilder(body, src, html.NewTokenizer(bytes.NewReader(body)))
	for t.ok {
		tt := t.z.Next()
		if tt == html.ErrorToken {
			if t.z.Err() != io.EOF {
				return nil, false
			}
			break
		}
		t.token(tt)
	}
	return t.finish()
}

// finish ends the tree at the end of the page.
func (t *treeBuilder) finish() (*html.Node, bool) {
	if !t.ok {
		return nil, false
	}
	if t.raw { // cut short inside a raw text element
		t.stack = t.stack[:len(t.stack)-1]
	}
	t.implyBody() // an empty document still gets html, head and body
	return t.doc, t.ok
}

func newTreeBuilder(body []byte, src string, z *html.Tokenizer) *treeBuilder {
	t := &treeBuilder{body: body, src: src, z: z, ok: true}
	t.doc = t.node(html.DocumentNode, 0, "")
	return t
}

// The builder's phases: the insertion modes of html.Parse it follows.
const (
	phaseInitial = iota
	phaseBeforeHTML
	phaseBeforeHead
	phaseInHead
	phaseAfterHead
	phaseInBody
	phaseAfterBody
	phaseAfterAfterBody
)

type treeBuilder struct {
	// z cuts the page into tokens when scan cannot.
	z     *html.Tokenizer
	ok    bool
	phase int
	// raw is set after a raw text element's start tag (script, style,
	// title, textarea, …): its text comes next, then its end tag.
	raw bool

	// body and src are the page, off the offset of the token read by z:
	// the tokens' strings are cut from src.
	body  []byte
	src   string
	off   int
	lower []byte // a name lower-cased

	doc, html, head, form *html.Node
	stack                 []*html.Node // the open elements, html first
	slab                  []html.Node  // nodes are allocated in blocks
	attrs                 []html.Attribute
}

func (t *treeBuilder) node(typ html.NodeType, a atom.Atom, data string) *html.Node {
	if len(t.slab) == 0 {
		t.slab = make([]html.Node, 256)
	}
	n := &t.slab[0]
	t.slab = t.slab[1:]
	n.Type, n.DataAtom, n.Data = typ, a, data
	return n
}

func (t *treeBuilder) fail() { t.ok = false }

func (t *treeBuilder) top() *html.Node { return t.stack[len(t.stack)-1] }

// tag is a start or end tag as html.Tokenizer.Token reads it.
type tag struct {
	a     atom.Atom
	name  string
	attrs []html.Attribute
}

func (t *treeBuilder) token(tt html.TokenType) {
	raw := t.z.Raw()
	at := t.off
	t.off += len(raw)
	switch tt {
	case html.TextToken:
		if plain(raw) {
			t.text(t.src[at : at+len(raw)])
		} else {
			t.text(string(t.z.Text()))
		}
	case html.StartTagToken, html.SelfClosingTagToken:
		g, _, _ := t.readTag(raw, at, true)
		t.start(g)
	case html.EndTagToken:
		g, _, _ := t.readTag(raw, at, false)
		t.end(g)
	case html.CommentToken:
		t.comment(string(t.z.Text()))
	case html.DoctypeToken:
		t.doctype(string(t.z.Text()))
	}
}

// plain reports whether a token's raw markup is its text: no character
// reference to decode, no carriage return to convert (and no NUL, which
// buildTree leaves to html.Parse).
func plain(raw []byte) bool {
	return bytes.IndexByte(raw, '&') < 0 && bytes.IndexByte(raw, '\r') < 0
}

// readTag reads the tag whose markup begins raw, at src[at:], and returns
// where it ends in raw. Strings are cut from src rather than copied where
// the markup is the value. Attribute values with character references are
// decoded by the tokenizer z or, when scanning, by html.UnescapeString
// where that decodes them as the tokenizer would (ok is false where it
// would not, or where the tag is not closed).
func (t *treeBuilder) readTag(raw []byte, at int, attrs bool) (g tag, end int, ok bool) {
	i := 1 // <name, </name
	if raw[1] == '/' {
		i = 2
	}
	name := nameEnd(raw, i)
	g.a, g.name = t.word(raw[i:name], at+i)
	t.attrs = t.attrs[:0]
	if t.z == nil || plain(raw) {
		if end, ok = t.readAttrs(raw, at, name, attrs); !ok {
			return g, 0, false
		}
	} else if attrs {
		for more := true; more; {
			var k, v []byte
			k, v, more = t.z.TagAttr()
			if k != nil {
				t.attrs = append(t.attrs, html.Attribute{Key: atom.String(k), Val: string(v)})
			}
		}
	}
	if len(t.attrs) > 0 {
		g.attrs = append([]html.Attribute(nil), t.attrs...)
	}
	return g, end, true
}

// word is a tag or attribute name b, at src[at:], lower-cased (ASCII, as
// the tokenizer does), with its atom.
func (t *treeBuilder) word(b []byte, at int) (atom.Atom, string) {
	upper := false
	for _, c := range b {
		upper = upper || 'A' <= c && c <= 'Z'
	}
	if upper {
		t.lower = append(t.lower[:0], b...)
		for i, c := range t.lower {
			if 'A' <= c && c <= 'Z' {
				t.lower[i] = c + 'a' - 'A'
			}
		}
		b = t.lower
	}
	if a := atom.Lookup(b); a != 0 {
		return a, a.String()
	}
	if upper {
		return 0, string(b)
	}
	return 0, t.src[at : at+len(b)]
}

func tagNameEnd(c byte) bool {
	switch c {
	case ' ', '\n', '\r', '\t', '\f', '/', '>':
		return true
	}
	return false
}

func space(c byte) bool {
	switch c {
	case ' ', '\n', '\r', '\t', '\f':
		return true
	}
	return false
}

// readAttrs reads the attributes of the tag in b at src[at:], from b[i:]
// on, as html.Tokenizer's readTag does: keys lower-cased, a key's later
// repeats dropped. It returns the end of the tag, after its ">", and false
// where the tag is not closed or a value cannot be decoded. Without save it
// only finds the end.
func (t *treeBuilder) readAttrs(b []byte, at, i int, save bool) (end int, ok bool) {
	skip := func() {
		for i < len(b) && space(b[i]) {
			i++
		}
	}
	skip()
	for i < len(b) && b[i] != '>' {
		// The key: an "=" may begin it.
		ks := i
		if b[i] == '=' {
			i++
		}
		for i < len(b) && b[i] != '=' && !tagNameEnd(b[i]) {
			i++
		}
		ke := i
		// The value.
		vs, ve := i, i
		skip()
		switch {
		case i < len(b) && b[i] == '/':
			i++
		case i < len(b) && b[i] == '=':
			i++
			skip()
			switch {
			case i >= len(b) || b[i] == '>':
			case b[i] == '"' || b[i] == '\'':
				q := b[i]
				i++
				vs = i
				for i < len(b) && b[i] != q {
					i++
				}
				ve = i
				i++
			default:
				vs = i
				for i < len(b) && !space(b[i]) && b[i] != '>' {
					i++
				}
				ve = i
				if i < len(b) && b[i] != '>' {
					i++
				}
			}
		}
		if save && ke > ks {
			_, key := t.word(b[ks:ke], at+ks)
			if !slices.ContainsFunc(t.attrs, func(a html.Attribute) bool { return a.Key == key }) {
				val, ok := t.attrValue(at+vs, at+ve)
				if !ok {
					return 0, false
				}
				t.attrs = append(t.attrs, html.Attribute{Key: key, Val: val})
			}
		}
		skip()
	}
	if i >= len(b) {
		return 0, false
	}
	return i + 1, true
}

// attrValue is the value at src[from:to] decoded as html.Tokenizer
// decodes attribute values, false where html.UnescapeString would decode
// it otherwise: a named reference without its ";" (in a value, "&para=1"
// stays as it is) or one that is not a reference but begins with one.
func (t *treeBuilder) attrValue(from, to int) (string, bool) {
	v := t.src[from:to]
	if strings.IndexByte(v, '&') < 0 {
		return newlines(v), true
	}
	for i := 0; i < len(v); i++ {
		if v[i] != '&' {
			continue
		}
		j := i + 1
		for j < len(v) && ('a' <= v[j] && v[j] <= 'z' || 'A' <= v[j] && v[j] <= 'Z' || '0' <= v[j] && v[j] <= '9') {
			j++
		}
		if j == i+1 {
			continue // "&#…" and a lone "&" are decoded alike
		}
		if j == len(v) || v[j] != ';' {
			return "", false
		}
		// html.UnescapeString reads "&notit;" as "&not" and "it;": in a
		// value it stays as it is.
		if ref := v[i : j+1]; ref != "&semi;" {
			if d := html.UnescapeString(ref); d != ref && strings.HasSuffix(d, ";") {
				return "", false
			}
		}
	}
	return html.UnescapeString(newlines(v)), true
}

// newlines converts "\r\n" and "\r" to "\n", as html.Tokenizer does.
func newlines(s string) string {
	if strings.IndexByte(s, '\r') < 0 {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}

// scan cuts the page into tokens as html.Tokenizer does and builds the
// tree from them, where the markup is of the kinds pages are made of: text,
// start and end tags, comments and the html doctype. It gives up (false,
// with t.ok still true) on what it does not cut — a bogus comment, "<?",
// "</>", a tag cut off by the end of the page, a script holding "<!--",
// an attribute value with a legacy character reference — and the page is
// then cut by html.Tokenizer.
func (t *treeBuilder) scan() bool {
	b := t.body
	for i := 0; i < len(b) && t.ok; {
		// Text runs to the next "<" that opens markup.
		j := i
		for {
			k := bytes.IndexByte(b[j:], '<')
			if k < 0 || j+k+1 >= len(b) {
				j = len(b)
				break
			}
			j += k
			if c := b[j+1]; letter(c) || c == '/' || c == '!' || c == '?' {
				break
			}
			j++
		}
		if j > i {
			t.text(t.textAt(i, j, true))
		}
		if j >= len(b) {
			break
		}
		i = j
		switch c := b[i+1]; {
		case letter(c):
			g, end, ok := t.readTag(b[i:], i, true)
			if !ok {
				return false
			}
			t.start(g)
			if i, ok = t.rawText(i+end, g.a); !ok {
				return false
			}
		case c == '/':
			if i+2 >= len(b) || !letter(b[i+2]) {
				return false
			}
			g, end, ok := t.readTag(b[i:], i, false)
			if !ok {
				return false
			}
			t.end(g)
			i += end
		case bytes.HasPrefix(b[i:], []byte("<!--")):
			k := bytes.Index(b[i+4:], []byte("-->"))
			if k < 0 {
				return false
			}
			data := b[i+4 : i+4+k]
			if bytes.HasPrefix(data, []byte(">")) || bytes.HasPrefix(data, []byte("->")) || bytes.HasSuffix(data, []byte("-")) ||
				bytes.Contains(data, []byte("--")) || bytes.Contains(data, []byte("<!")) || !plain(data) {
				return false
			}
			t.comment(t.src[i+4 : i+4+k])
			i += 4 + k + 3
		case len(b) >= i+15 && asciiFold(b[i:i+10], "<!doctype ") && string(b[i+10:i+15]) == "html>":
			t.doctype("html")
			i += 15
		default:
			return false
		}
	}
	return true
}

// asciiFold is b == s ignoring the case of ASCII letters (s lower-case).
func asciiFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}

func letter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// nameEnd is the end of the tag name that begins at b[i].
func nameEnd(b []byte, i int) int {
	for i < len(b) && !tagNameEnd(b[i]) {
		i++
	}
	return i
}

// textAt is the text at src[i:j], its newlines converted and, with refs,
// its character references decoded.
func (t *treeBuilder) textAt(i, j int, refs bool) string {
	s := newlines(t.src[i:j])
	if refs {
		return html.UnescapeString(s)
	}
	return s
}

// rawText reads the text of a raw text element whose start tag a ends at
// b[i], up to its end tag, as html.Tokenizer does, and returns where the
// end tag begins. Other tags return i.
func (t *treeBuilder) rawText(i int, a atom.Atom) (int, bool) {
	switch a {
	case atom.Iframe, atom.Noembed, atom.Noframes, atom.Noscript, atom.Script, atom.Style, atom.Textarea, atom.Title, atom.Xmp:
	case atom.Plaintext:
		return i, false
	default:
		return i, true
	}
	if !t.raw {
		return i, false // the builder did not open it as raw text
	}
	b, name := t.body, a.String()
	j := i
	for {
		k := bytes.Index(b[j:], []byte("</"))
		if k < 0 {
			j = len(b)
			break
		}
		j += k
		if e := j + 2 + len(name); e < len(b) && asciiFold(b[j+2:e], name) && tagNameEnd(b[e]) {
			break
		}
		j++
	}
	if a == atom.Script && bytes.Contains(b[i:j], []byte("<!--")) {
		return i, false // script data's escaped states
	}
	if j > i {
		t.text(t.textAt(i, j, a == atom.Textarea || a == atom.Title))
	}
	return j, true
}

func (t *treeBuilder) doctype(data string) {
	if t.phase == phaseAfterBody {
		t.phase = phaseInBody // and ignored there
	}
	if t.phase != phaseInitial {
		return // ignored everywhere but at the start
	}
	if data != "html" {
		t.fail() // a legacy or quirky doctype: html.Parse reads its identifiers
		return
	}
	t.doc.AppendChild(t.node(html.DoctypeNode, 0, "html"))
	t.phase = phaseBeforeHTML
}

func (t *treeBuilder) comment(data string) {
	c := t.node(html.CommentNode, 0, data)
	switch {
	case t.phase <= phaseBeforeHTML || t.phase == phaseAfterAfterBody:
		t.doc.AppendChild(c)
	case t.phase == phaseAfterBody:
		t.html.AppendChild(c)
	default:
		t.top().AppendChild(c)
	}
}

func (t *treeBuilder) text(s string) {
	if t.raw {
		if n := t.top(); n.DataAtom == atom.Textarea && n.FirstChild == nil {
			s = strings.TrimPrefix(strings.TrimPrefix(s, "\r"), "\n")
		}
		t.addText(s)
		return
	}
	rest := strings.TrimLeft(s, whitespace)
	switch t.phase {
	case phaseInitial, phaseBeforeHTML, phaseBeforeHead:
		if rest == "" {
			return
		}
		t.implyHead()
		t.text(rest)
		return
	case phaseInHead, phaseAfterHead:
		t.addText(s[:len(s)-len(rest)])
		if rest == "" {
			return
		}
		t.implyBody()
		s = rest
	case phaseAfterBody, phaseAfterAfterBody:
		if rest != "" {
			t.phase = phaseInBody
		}
	}
	if n := t.top(); (n.DataAtom == atom.Pre || n.DataAtom == atom.Listing) && n.FirstChild == nil {
		s = strings.TrimPrefix(strings.TrimPrefix(s, "\r"), "\n")
	}
	t.addText(s)
}

const whitespace = " \t\r\n\f"

// addText appends s to the current node, merged into a text node that ends it.
func (t *treeBuilder) addText(s string) {
	if s == "" {
		return
	}
	n := t.top()
	if last := n.LastChild; last != nil && last.Type == html.TextNode {
		last.Data += s
		return
	}
	n.AppendChild(t.node(html.TextNode, 0, s))
}

// implyHTML, implyHead and implyBody open the elements a page left out.
func (t *treeBuilder) implyHTML() {
	if t.phase < phaseBeforeHead {
		t.html = t.node(html.ElementNode, atom.Html, "html")
		t.doc.AppendChild(t.html)
		t.stack = append(t.stack, t.html)
		t.phase = phaseBeforeHead
	}
}

func (t *treeBuilder) implyHead() {
	t.implyHTML()
	if t.phase == phaseBeforeHead {
		t.head = t.push(tag{a: atom.Head, name: "head"})
		t.phase = phaseInHead
	}
}

func (t *treeBuilder) implyBody() {
	t.implyHead()
	if t.phase == phaseInHead {
		t.stack = t.stack[:len(t.stack)-1] // head
		t.phase = phaseAfterHead
	}
	if t.phase == phaseAfterHead {
		t.push(tag{a: atom.Body, name: "body"})
		t.phase = phaseInBody
	}
}

// push appends an element to the current node and opens it.
func (t *treeBuilder) push(g tag) *html.Node {
	n := t.node(html.ElementNode, g.a, g.name)
	n.Attr = g.attrs
	t.top().AppendChild(n)
	t.stack = append(t.stack, n)
	if len(t.stack) > 512 {
		t.fail() // html.Parse refuses such a page
	}
	return n
}

// pushVoid appends an element that has no content.
func (t *treeBuilder) pushVoid(g tag) {
	t.push(g)
	t.stack = t.stack[:len(t.stack)-1]
}

// pushRaw appends a raw text element: its text and end tag follow.
func (t *treeBuilder) pushRaw(g tag) {
	t.push(g)
	t.raw = true
}

// popTo closes the open elements from i up. html.Parse would reopen a
// formatting element closed this way (<b> closed by </div>) where text
// follows: the builder leaves that to it.
func (t *treeBuilder) popTo(i int) {
	for _, n := range t.stack[i:] {
		if formatting(n.DataAtom) {
			t.fail()
		}
	}
	t.stack = t.stack[:i]
}

// inScope is the index of the topmost open element named a, or -1. With
// no table, template, applet, object, marquee or select ever open (the
// builder leaves those to html.Parse), html.Parse's default scope is the
// whole stack; button scope also stops at a button, list item scope at
// ol and ul.
func (t *treeBuilder) inScope(stop func(atom.Atom) bool, as ...atom.Atom) int {
	for i := len(t.stack) - 1; i >= 0; i-- {
		n := t.stack[i]
		for _, a := range as {
			if n.DataAtom == a {
				return i
			}
		}
		if stop != nil && stop(n.DataAtom) {
			return -1
		}
	}
	return -1
}

func buttonScope(a atom.Atom) bool   { return a == atom.Button }
func listItemScope(a atom.Atom) bool { return a == atom.Ol || a == atom.Ul }

// closeP closes an open p, as the start tags of blocks do.
func (t *treeBuilder) closeP() {
	if i := t.inScope(buttonScope, atom.P); i >= 0 {
		t.popTo(i)
	}
}

// generateImpliedEndTags closes the elements whose end tag may be left
// out (p, li, option, …), except one named except.
func (t *treeBuilder) generateImpliedEndTags(except atom.Atom) {
	i := len(t.stack)
	for i > 0 {
		a := t.stack[i-1].DataAtom
		if a == except || !impliedEnd(a) {
			break
		}
		i--
	}
	t.stack = t.stack[:i]
}

func (t *treeBuilder) start(g tag) {
	switch t.phase {
	case phaseInitial, phaseBeforeHTML:
		t.implyHTML()
		if g.a == atom.Html {
			t.html.Attr = g.attrs
			return
		}
		t.start(g)
		return
	case phaseBeforeHead:
		switch g.a {
		case atom.Head:
			t.head = t.push(g)
			t.phase = phaseInHead
			return
		case atom.Html:
			t.repeated(g)
			return
		}
		t.implyHead()
		t.start(g)
		return
	case phaseInHead:
		switch g.a {
		case atom.Html:
			t.repeated(g)
		case atom.Head:
		case atom.Base, atom.Basefont, atom.Bgsound, atom.Link, atom.Meta, atom.Noscript, atom.Script,
			atom.Title, atom.Noframes, atom.Style:
			t.headElement(g)
		case atom.Template:
			t.fail()
		default:
			t.stack = t.stack[:len(t.stack)-1] // head
			t.phase = phaseAfterHead
			t.start(g)
		}
		return
	case phaseAfterHead:
		switch g.a {
		case atom.Html:
			t.repeated(g)
		case atom.Head:
		case atom.Body:
			t.push(g)
			t.phase = phaseInBody
		case atom.Base, atom.Basefont, atom.Bgsound, atom.Link, atom.Meta, atom.Script, atom.Title,
			atom.Noframes, atom.Style:
			// Put into the head after all, as html.Parse does: the
			// head is opened for it and taken out from under it.
			t.stack = append(t.stack, t.head)
			t.headElement(g)
			t.stack = slices.DeleteFunc(t.stack, func(n *html.Node) bool { return n == t.head })
		case atom.Template, atom.Frameset:
			t.fail()
		default:
			t.implyBody()
			t.startInBody(g)
		}
		return
	case phaseAfterBody, phaseAfterAfterBody:
		if g.a != atom.Html {
			t.phase = phaseInBody
		}
	}
	t.startInBody(g)
}

// headElement opens an element that belongs in the head.
func (t *treeBuilder) headElement(g tag) {
	switch g.a {
	case atom.Base, atom.Basefont, atom.Bgsound, atom.Link, atom.Meta:
		t.pushVoid(g)
	default: // noscript (scripting is on), script, title, noframes, style
		t.pushRaw(g)
	}
}

// repeated is a second html or body start tag: html.Parse adds its
// attributes to the element; without attributes it changes nothing.
func (t *treeBuilder) repeated(g tag) {
	if len(g.attrs) > 0 {
		t.fail()
	}
}

func (t *treeBuilder) startInBody(g tag) {
	if formatting(g.a) {
		// html.Parse sorts a formatting element's attributes (to compare
		// elements), which decides the first of repeated ones.
		slices.SortFunc(g.attrs, func(a, b html.Attribute) int {
			return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Key, b.Key), cmp.Compare(a.Val, b.Val))
		})
	}
	switch g.a {
	case atom.Html, atom.Body:
		t.repeated(g)
	case atom.Base, atom.Basefont, atom.Bgsound, atom.Link, atom.Meta, atom.Noframes, atom.Script, atom.Style, atom.Title:
		t.headElement(g)
	case atom.Address, atom.Article, atom.Aside, atom.Blockquote, atom.Center, atom.Details, atom.Dialog, atom.Dir,
		atom.Div, atom.Dl, atom.Fieldset, atom.Figcaption, atom.Figure, atom.Footer, atom.Header, atom.Hgroup,
		atom.Main, atom.Menu, atom.Nav, atom.Ol, atom.P, atom.Search, atom.Section, atom.Summary, atom.Ul,
		atom.Pre, atom.Listing:
		t.closeP()
		t.push(g)
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		t.closeP()
		if heading(t.top().DataAtom) {
			t.stack = t.stack[:len(t.stack)-1]
		}
		t.push(g)
	case atom.Form:
		if t.form != nil {
			return // html.Parse ignores a form inside a form
		}
		t.closeP()
		t.form = t.push(g)
	case atom.Li, atom.Dd, atom.Dt:
		for i := len(t.stack) - 1; i >= 0; i-- {
			a := t.stack[i].DataAtom
			if a == g.a || g.a != atom.Li && (a == atom.Dd || a == atom.Dt) {
				t.popTo(i)
				break
			}
			if a != atom.Address && a != atom.Div && a != atom.P && special(t.stack[i]) {
				break
			}
		}
		t.closeP()
		t.push(g)
	case atom.Button:
		if i := t.inScope(nil, atom.Button); i >= 0 {
			t.generateImpliedEndTags(0)
			t.popTo(t.inScope(nil, atom.Button))
		}
		t.push(g)
	case atom.A:
		// An a inside an a closes the outer one by the adoption agency.
		for i := len(t.stack) - 1; i >= 0; i-- {
			if t.stack[i].DataAtom == atom.A {
				t.fail()
			}
		}
		t.push(g)
	case atom.Nobr:
		if t.inScope(nil, atom.Nobr) >= 0 {
			t.fail()
		}
		t.push(g)
	case atom.Area, atom.Br, atom.Embed, atom.Img, atom.Keygen, atom.Wbr, atom.Input, atom.Param, atom.Source, atom.Track:
		t.pushVoid(g)
	case atom.Hr:
		if t.inScope(buttonScope, atom.P) >= 0 {
			t.generateImpliedEndTags(atom.P)
			t.popTo(t.inScope(nil, atom.P))
		}
		t.pushVoid(g)
	case atom.Textarea, atom.Iframe, atom.Noembed, atom.Noscript:
		t.pushRaw(g)
	case atom.Xmp:
		t.closeP()
		t.pushRaw(g)
	case atom.Option, atom.Optgroup:
		if t.top().DataAtom == atom.Option {
			t.stack = t.stack[:len(t.stack)-1]
		}
		t.push(g)
	case atom.Rb, atom.Rtc, atom.Rp, atom.Rt:
		if t.inScope(nil, atom.Ruby) >= 0 {
			t.fail()
		}
		t.push(g)
	case atom.Caption, atom.Col, atom.Colgroup, atom.Frame, atom.Head, atom.Tbody, atom.Td, atom.Tfoot, atom.Th, atom.Thead, atom.Tr:
		// Ignored outside a table.
	case atom.Table, atom.Select, atom.Template, atom.Frameset, atom.Plaintext, atom.Image,
		atom.Applet, atom.Marquee, atom.Object, atom.Math, atom.Svg:
		t.fail()
	default:
		t.push(g)
	}
}

func (t *treeBuilder) end(g tag) {
	if t.raw {
		t.stack = t.stack[:len(t.stack)-1]
		t.raw = false
		return
	}
	switch t.phase {
	case phaseInitial, phaseBeforeHTML, phaseBeforeHead:
		if t.phase == phaseInitial {
			t.phase = phaseBeforeHTML // no doctype: it is too late for one
		}
		switch g.a {
		case atom.Head, atom.Body, atom.Html, atom.Br:
			t.implyHead()
			t.end(g)
		}
		return // other end tags are ignored
	case phaseInHead, phaseAfterHead:
		switch g.a {
		case atom.Head:
			if t.phase == phaseInHead { // ignored after the head
				t.stack = t.stack[:len(t.stack)-1]
				t.phase = phaseAfterHead
			}
		case atom.Body, atom.Html, atom.Br:
			t.implyBody()
			t.end(g)
		case atom.Template:
			t.fail()
		}
		return // other end tags are ignored
	case phaseAfterBody, phaseAfterAfterBody:
		if g.a == atom.Html && t.phase == phaseAfterBody {
			t.phase = phaseAfterAfterBody
			return
		}
		t.phase = phaseInBody
	}
	t.endInBody(g)
}

func (t *treeBuilder) endInBody(g tag) {
	switch g.a {
	case atom.Body:
		t.phase = phaseAfterBody // the body is always in scope
	case atom.Html:
		t.phase = phaseAfterAfterBody
	case atom.Address, atom.Article, atom.Aside, atom.Blockquote, atom.Button, atom.Center, atom.Details, atom.Dialog,
		atom.Dir, atom.Div, atom.Dl, atom.Fieldset, atom.Figcaption, atom.Figure, atom.Footer, atom.Header, atom.Hgroup,
		atom.Listing, atom.Main, atom.Menu, atom.Nav, atom.Ol, atom.Pre, atom.Search, atom.Section, atom.Select,
		atom.Summary, atom.Ul:
		if t.inScope(nil, g.a) < 0 {
			return
		}
		t.generateImpliedEndTags(0)
		t.popTo(t.inScope(nil, g.a))
	case atom.Form:
		node := t.form
		t.form = nil
		i := t.inScope(nil, atom.Form)
		if node == nil || i < 0 || t.stack[i] != node {
			return
		}
		t.generateImpliedEndTags(0)
		if t.top() != node {
			t.fail() // html.Parse takes the form out from under what is open in it
			return
		}
		t.stack = t.stack[:len(t.stack)-1]
	case atom.P:
		i := t.inScope(buttonScope, atom.P)
		if i < 0 {
			t.pushVoid(tag{a: atom.P, name: "p"}) // </p> alone is an empty p
			return
		}
		t.popTo(i)
	case atom.Li:
		if i := t.inScope(listItemScope, atom.Li); i >= 0 {
			t.popTo(i)
		}
	case atom.Dd, atom.Dt:
		if i := t.inScope(nil, g.a); i >= 0 {
			t.popTo(i)
		}
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		if i := t.inScope(nil, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6); i >= 0 {
			t.popTo(i)
		}
	case atom.A, atom.B, atom.Big, atom.Code, atom.Em, atom.Font, atom.I, atom.Nobr, atom.S, atom.Small,
		atom.Strike, atom.Strong, atom.Tt, atom.U:
		if t.top().DataAtom == g.a {
			t.stack = t.stack[:len(t.stack)-1]
			return
		}
		if t.inScope(nil, g.a) >= 0 {
			t.fail() // misnested: the adoption agency algorithm
		}
	case atom.Br, atom.Template:
		t.fail()
	default:
		for i := len(t.stack) - 1; i >= 0; i-- {
			n := t.stack[i]
			if n.DataAtom == g.a && (g.a != 0 || n.Data == g.name) {
				t.popTo(i)
				return
			}
			if special(n) {
				return
			}
		}
	}
}

func formatting(a atom.Atom) bool {
	switch a {
	case atom.A, atom.B, atom.Big, atom.Code, atom.Em, atom.Font, atom.I, atom.Nobr, atom.S, atom.Small,
		atom.Strike, atom.Strong, atom.Tt, atom.U:
		return true
	}
	return false
}

func heading(a atom.Atom) bool {
	switch a {
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		return true
	}
	return false
}

func impliedEnd(a atom.Atom) bool {
	switch a {
	case atom.Dd, atom.Dt, atom.Li, atom.Optgroup, atom.Option, atom.P, atom.Rb, atom.Rp, atom.Rt, atom.Rtc:
		return true
	}
	return false
}

// special is html.Parse's special category of elements (the HTML
// standard's, as x/net/html lists it).
func special(n *html.Node) bool {
	switch n.DataAtom {
	case atom.Address, atom.Applet, atom.Area, atom.Article, atom.Aside, atom.Base, atom.Basefont, atom.Bgsound,
		atom.Blockquote, atom.Body, atom.Br, atom.Button, atom.Caption, atom.Center, atom.Col, atom.Colgroup, atom.Dd,
		atom.Details, atom.Dir, atom.Div, atom.Dl, atom.Dt, atom.Embed, atom.Fieldset, atom.Figcaption, atom.Figure,
		atom.Footer, atom.Form, atom.Frame, atom.Frameset, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6,
		atom.Head, atom.Header, atom.Hgroup, atom.Hr, atom.Html, atom.Iframe, atom.Img, atom.Input, atom.Keygen,
		atom.Li, atom.Link, atom.Listing, atom.Main, atom.Marquee, atom.Menu, atom.Meta, atom.Nav, atom.Noembed,
		atom.Noframes, atom.Noscript, atom.Object, atom.Ol, atom.P, atom.Param, atom.Plaintext, atom.Pre,
		atom.Script, atom.Section, atom.Select, atom.Source, atom.Style, atom.Summary, atom.Table, atom.Tbody,
		atom.Td, atom.Template, atom.Textarea, atom.Tfoot, atom.Th, atom.Thead, atom.Title, atom.Tr, atom.Track,
		atom.Ul, atom.Wbr, atom.Xmp:
		return true
	}
	return false
}
