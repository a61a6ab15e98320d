package web

import (
	"bytes"
	"compress/zlib"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/ewom/ewom/internal/store/storetest"
)

// TestExportPDF renders the overview with a brand filter as the signed-in
// user sees it: the answer is a PDF whose pages carry the page's text.
// Other paths, and requests without a session, render nothing.
func TestExportPDF(t *testing.T) {
	s := storetest.Embedded(t)
	seed(t, s, 50)
	ts := newTestServer(t, s)
	c := login(t, ts.URL, "admin", "admin-pass")
	page := c.text("GET", "/", nil, http.StatusOK)
	if !strings.Contains(page, `href="/export/overview.pdf"`) {
		t.Fatal("the overview has no Download PDF link")
	}
	resp := c.do("GET", "/export/overview.pdf?brand=Rival&"+week[1:], nil, nil)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("%d %s: %.300s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	if !bytes.HasPrefix(body, []byte("%PDF-")) || !bytes.Contains(body[max(0, len(body)-64):], []byte("%%EOF")) {
		t.Fatalf("not a PDF: %.40q … %q", body, body[max(0, len(body)-40):])
	}
	text := pdfText(t, body)
	for _, want := range []string{"Overview", "Mentions", "Net sentiment"} {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF lacks %q; its text: %.2000s", want, text)
		}
	}
	for _, bad := range []string{"/export/settings.pdf", "/export/..%2f..%2fapi%2fv1%2fmeta.pdf"} {
		resp := c.do("GET", bad, nil, nil)
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", bad, resp.StatusCode)
		}
	}
	resp, err := http.Get(ts.URL + "/export/overview.pdf")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Request.URL.Path != "/login" {
		t.Errorf("without a session the export led to %s", resp.Request.URL)
	}
}

var (
	pdfStream = regexp.MustCompile(`(?s)stream\r?\n(.*?)\r?\nendstream`)
	pdfShow   = regexp.MustCompile(`<([0-9A-Fa-f]+)>\s*Tj|\[(.*?)\]\s*TJ`)
	pdfHex    = regexp.MustCompile(`<([0-9A-Fa-f]+)>`)
)

// pdfText is enough of a PDF reader for Chromium's output: it inflates the
// content streams and collects the glyphs they show. Chromium writes
// Identity-H fonts whose glyph ids map to text through each font's
// ToUnicode CMap, so those maps are read too.
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	var streams [][]byte
	for _, m := range pdfStream.FindAllSubmatch(pdf, -1) {
		r, err := zlib.NewReader(bytes.NewReader(m[1]))
		if err != nil {
			continue
		}
		b, _ := io.ReadAll(r)
		streams = append(streams, b)
	}
	// bfchar and bfrange entries of every ToUnicode map, merged: glyph ids
	// of different fonts may clash, which only adds noise to the search.
	cmap := map[string]string{}
	char := regexp.MustCompile(`<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>`)
	for _, s := range streams {
		if !bytes.Contains(s, []byte("begincmap")) {
			continue
		}
		for _, blk := range regexp.MustCompile(`(?s)beginbfchar(.*?)endbfchar`).FindAllSubmatch(s, -1) {
			for _, m := range char.FindAllSubmatch(blk[1], -1) {
				cmap[strings.ToUpper(string(m[1]))] = utf16hex(string(m[2]))
			}
		}
		for _, blk := range regexp.MustCompile(`(?s)beginbfrange(.*?)endbfrange`).FindAllSubmatch(s, -1) {
			for _, m := range regexp.MustCompile(`<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>`).FindAllSubmatch(blk[1], -1) {
				lo, hi, dst := hexInt(string(m[1])), hexInt(string(m[2])), hexInt(string(m[3]))
				for g := lo; g <= hi && g-lo < 256; g++ {
					cmap[strings.ToUpper(hexOf(g, len(m[1])))] = string(rune(dst + g - lo))
				}
			}
		}
	}
	var out strings.Builder
	for _, s := range streams {
		for _, m := range pdfShow.FindAllSubmatch(s, -1) {
			hexes := [][]byte{m[1]}
			if m[1] == nil {
				hexes = nil
				for _, h := range pdfHex.FindAllSubmatch(m[2], -1) {
					hexes = append(hexes, h[1])
				}
			}
			for _, h := range hexes {
				for i := 0; i+4 <= len(h); i += 4 {
					out.WriteString(cmap[strings.ToUpper(string(h[i:i+4]))])
				}
			}
		}
		out.WriteByte(' ')
	}
	return out.String()
}

func hexInt(s string) int {
	n := 0
	for _, c := range s {
		n <<= 4
		switch {
		case c >= '0' && c <= '9':
			n |= int(c - '0')
		case c >= 'a' && c <= 'f':
			n |= int(c-'a') + 10
		case c >= 'A' && c <= 'F':
			n |= int(c-'A') + 10
		}
	}
	return n
}

func hexOf(n, width int) string {
	const digits = "0123456789ABCDEF"
	b := make([]byte, width)
	for i := width - 1; i >= 0; i-- {
		b[i] = digits[n&15]
		n >>= 4
	}
	return string(b)
}

func utf16hex(s string) string {
	var out []rune
	for i := 0; i+4 <= len(s); i += 4 {
		out = append(out, rune(hexInt(s[i:i+4])))
	}
	return string(out)
}
