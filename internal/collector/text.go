package collector

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// maxEscapeDepth bounds how many layers of escaped markup HTMLToText peels.
const maxEscapeDepth = 4

// HTMLToText turns an HTML fragment (Mastodon statuses, feed content, Stack
// Exchange bodies) into clean text: tags dropped, entities decoded, script
// and style content removed, block elements and <br> as line breaks,
// whitespace collapsed. Plain text passes through with whitespace tidied.
//
// Markup escaped more than once (Reddit's feeds put "&lt;div class=…" in
// an element that is itself escaped) is peeled layer by layer: a layer
// without any tag whose decoded text starts with markup is decoded again.
// Markup shown as text inside real tags (a code sample in <code>) is a
// layer with tags, so it stays readable.
func HTMLToText(s string) string {
	for range maxEscapeDepth {
		text := htmlLayerToText(s)
		if strings.Contains(s, "<") || !startsWithMarkup(text) {
			return text
		}
		s = text
	}
	return htmlLayerToText(s)
}

// startsWithMarkup reports whether s opens with a tag, a comment or an
// escaped one: "<div", "</p", "<!--", "&lt;div".
func startsWithMarkup(s string) bool {
	s = strings.TrimLeft(s, " \t\r\n")
	if rest, ok := strings.CutPrefix(s, "&lt;"); ok {
		s = "<" + rest
	}
	if strings.HasPrefix(s, "<!--") {
		return true
	}
	if len(s) < 2 || s[0] != '<' {
		return false
	}
	c := s[1]
	if c == '/' && len(s) > 2 {
		c = s[2]
	}
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// htmlLayerToText decodes one layer of markup.
func htmlLayerToText(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return tidy(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	z := html.NewTokenizer(strings.NewReader(s))
	skip := 0 // depth inside script/style/…
	for {
		switch z.Next() {
		case html.ErrorToken:
			return tidy(b.String())
		case html.TextToken:
			if skip == 0 {
				b.Write(z.Text())
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			switch {
			case dropContent(a):
				if z.Token().Type == html.StartTagToken {
					skip++
				}
			case a == atom.Br || a == atom.Hr:
				b.WriteByte('\n')
			case isBlock(a):
				b.WriteString("\n\n")
			case a == atom.Td || a == atom.Th:
				b.WriteByte(' ')
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			switch {
			case dropContent(a):
				if skip > 0 {
					skip--
				}
			case isBlock(a):
				b.WriteString("\n\n")
			}
		}
	}
}

func dropContent(a atom.Atom) bool {
	switch a {
	case atom.Script, atom.Style, atom.Noscript, atom.Template, atom.Iframe, atom.Object, atom.Svg, atom.Head:
		return true
	}
	return false
}

func isBlock(a atom.Atom) bool {
	switch a {
	case atom.P, atom.Div, atom.Li, atom.Ul, atom.Ol, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6,
		atom.Blockquote, atom.Pre, atom.Tr, atom.Table, atom.Section, atom.Article, atom.Header, atom.Footer,
		atom.Aside, atom.Figure, atom.Figcaption, atom.Dl, atom.Dt, atom.Dd, atom.Main, atom.Nav:
		return true
	}
	return false
}

// tidy collapses runs of spaces and tabs, trims every line and keeps at most
// one blank line between paragraphs. Invalid UTF-8 becomes U+FFFD.
func tidy(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	var b strings.Builder
	b.Grow(len(s))
	newlines := 0
	space := false
	for _, r := range s {
		switch r {
		case '\n':
			newlines++
			space = false
		case ' ', '\t', '\r', '\f', '\v', '\u00a0', '\u200b':
			space = true
		default:
			if b.Len() > 0 {
				switch {
				case newlines > 1:
					b.WriteString("\n\n")
				case newlines == 1:
					b.WriteByte('\n')
				case space:
					b.WriteByte(' ')
				}
			}
			newlines, space = 0, false
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Clip shortens s to at most n bytes at a rune boundary, adding "…" when it
// cut something.
func Clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const ell = "…"
	n -= len(ell)
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:max(n, 0)] + ell
}
