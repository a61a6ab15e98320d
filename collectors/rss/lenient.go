package rss

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"mime"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding/charmap"
)

// xmlDeclEncoding finds the encoding named in an XML declaration.
var xmlDeclEncoding = regexp.MustCompile(`^(\s*<\?xml[^>]*?encoding\s*=\s*["'])([A-Za-z0-9._:-]+)(["'])`)

// toUTF8 returns body as UTF-8 with any XML declaration saying so. The
// charset comes from the HTTP header, then the XML declaration, then the
// bytes: valid UTF-8 is taken as such, anything else as Windows-1252 (the
// superset of ISO-8859-1 that feeds without a declaration are written in).
// A header naming a single-byte charset for a body that is valid UTF-8 with
// multi-byte characters is a misconfigured server: the bytes win, as
// decoding them as Latin-1 would only garble them. A body declared UTF-8
// with stray invalid bytes keeps its text, the bytes become U+FFFD.
func toUTF8(body []byte, contentType string) ([]byte, error) {
	label := ""
	if _, params, err := mime.ParseMediaType(contentType); err == nil {
		label = params["charset"]
	}
	decl := xmlDeclEncoding.FindSubmatch(body)
	if label == "" && decl != nil {
		label = string(decl[2])
	}
	valid := utf8.Valid(body)
	var out []byte
	switch {
	case isUTF8Label(label) || (valid && (label == "" || hasMultiByte(body))):
		out = body
		if !valid {
			out = bytes.ToValidUTF8(body, []byte("\uFFFD"))
		}
	case label != "":
		enc, _ := charset.Lookup(label)
		if enc == nil {
			return nil, fmt.Errorf("charset %q is not known", label)
		}
		var err error
		if out, err = enc.NewDecoder().Bytes(body); err != nil {
			return nil, fmt.Errorf("charset %q: %w", label, err)
		}
	default:
		var err error
		if out, err = charmap.Windows1252.NewDecoder().Bytes(body); err != nil {
			return nil, fmt.Errorf("charset windows-1252: %w", err)
		}
	}
	if decl != nil && !isUTF8Label(string(decl[2])) {
		out = xmlDeclEncoding.ReplaceAll(out, []byte("${1}UTF-8${3}"))
	}
	return out, nil
}

func isUTF8Label(l string) bool {
	l = strings.ToLower(l)
	return l == "utf-8" || l == "utf8"
}

func hasMultiByte(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return true
		}
	}
	return false
}

// salvage cuts a broken XML feed after its last complete item or entry
// before the break and closes the elements still open there, so that the
// parser reads every item before the break. cause is nil when the document
// is not broken; items is how many items the kept part holds (fixed is nil
// when none).
func salvage(body []byte) (fixed []byte, items int, cause error) {
	d := xml.NewDecoder(bytes.NewReader(body))
	// Lenient like the feed parser, so the cut is not made before a break
	// the parser would have read past (an HTML entity, say).
	d.Strict = false
	d.Entity = xml.HTMLEntity
	var (
		stack  []string // raw names, prefix kept, of open elements
		cut    int64
		closes []string
	)
scan:
	for {
		tok, err := d.RawToken()
		if err != nil {
			if errors.Is(err, io.EOF) && len(stack) == 0 {
				return nil, 0, nil
			}
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			cause = fmt.Errorf("line %d: %w", lineAt(body, d.InputOffset()), err)
			break scan
		}
		switch t := tok.(type) {
		case xml.StartElement:
			stack = append(stack, rawName(t.Name))
		case xml.EndElement:
			name := rawName(t.Name)
			if len(stack) == 0 || stack[len(stack)-1] != name {
				cause = fmt.Errorf("line %d: </%s> closes <%s>", lineAt(body, d.InputOffset()), name, top(stack))
				break scan
			}
			stack = stack[:len(stack)-1]
			if t.Name.Local == "item" || t.Name.Local == "entry" {
				items++
				cut = d.InputOffset()
				closes = append(closes[:0], stack...)
			}
		}
	}
	if items == 0 {
		return nil, 0, cause
	}
	var b bytes.Buffer
	b.Grow(int(cut) + 64)
	b.Write(body[:cut])
	for i := len(closes) - 1; i >= 0; i-- {
		b.WriteString("</" + closes[i] + ">")
	}
	return b.Bytes(), items, cause
}

func rawName(n xml.Name) string {
	if n.Space != "" {
		return n.Space + ":" + n.Local
	}
	return n.Local
}

func top(stack []string) string {
	if len(stack) == 0 {
		return ""
	}
	return stack[len(stack)-1]
}

func lineAt(b []byte, off int64) int {
	return bytes.Count(b[:min(int(off), len(b))], []byte("\n")) + 1
}
