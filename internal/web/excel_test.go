package web

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ewom/ewom/internal/store"
	"github.com/ewom/ewom/internal/store/storetest"
)

// excelCell is a CSV field as Excel takes it when it opens the file.
type excelCell struct {
	kind  string // number, text or formula
	num   float64
	value string
}

// excelOpen reads a CSV as Excel does when a user double-clicks it, in a
// locale whose list separator is sep and decimal separator dec: without a
// UTF-8 byte order mark the bytes are taken as the system code page
// (Windows-1252: every byte one character, so "ä" becomes "Ã¤"); fields
// are split at sep, with RFC 4180 quoting; a field that reads as a number
// in the locale's notation is a number; a field whose first character
// other than spaces is = + - or @ is run as a formula; everything else is
// text (a leading apostrophe included, shown as typed).
func excelOpen(t *testing.T, body []byte, sep, dec rune) [][]excelCell {
	t.Helper()
	s := string(body)
	if !strings.HasPrefix(s, bom) {
		var sb strings.Builder
		for _, b := range body {
			sb.WriteRune(rune(b)) // Latin-1 is Windows-1252 for the letters that matter here
		}
		s = sb.String()
	}
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(s, bom)))
	r.Comma, r.FieldsPerRecord = sep, -1
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatalf("excel: %v", err)
	}
	out := make([][]excelCell, len(recs))
	for i, rec := range recs {
		for _, f := range rec {
			c := excelCell{kind: "text", value: f}
			if v, ok := localeNumber(f, dec); ok {
				c.kind, c.num = "number", v
			} else if t := strings.TrimLeft(f, " "); t != "" && strings.ContainsRune("=+-@", rune(t[0])) {
				c.kind = "formula"
			}
			out[i] = append(out[i], c)
		}
	}
	return out
}

// localeNumber parses a number written with the decimal separator dec.
func localeNumber(f string, dec rune) (float64, bool) {
	other := ','
	if dec == ',' {
		other = '.'
	}
	if f == "" || strings.ContainsAny(f, " eE") || strings.ContainsRune(f, other) {
		return 0, false
	}
	v, err := strconv.ParseFloat(strings.Replace(f, string(dec), ".", 1), 64)
	return v, err == nil
}

// TestExportsOpenInExcel opens the CSV exports as Excel would in a Finnish,
// Swedish and English locale. A Finnish or Swedish browser gets semicolons
// and decimal commas by default, an English one commas and decimal points,
// and ?delimiter= chooses either; in each case every row has every column,
// negative scores and follower counts are numbers with their values,
// Finnish letters survive, and no cell runs as a formula. A file without
// the byte order mark would garble the letters.
func TestExportsOpenInExcel(t *testing.T) {
	s := storetest.Embedded(t)
	texts := []string{"Toimitus myöhässä; asiakaspalvelu ei vastaa, ärsyttää", "=HYPERLINK(\"http://evil.example\",\"x\")",
		"-2+3 åäö", "rivi 1\nrivi 2 \"lainaus\"", "@SUM(A1)", "-0.5"}
	scores := []float32{-0.973, 0.25, -1, 0, 0.5, -0.5}
	var rows []store.Row
	for i, x := range texts {
		at := weekStart.Add(time.Duration(i) * time.Hour)
		id := fmt.Sprintf("e%d", i)
		rows = append(rows, store.Row{MentionID: id, Brand: "Rival", Source: "rss", SourceID: id, Title: x, Text: x + " Rival",
			AuthorHandle: "@käyttäjä" + id, AuthorName: "Mä " + id, AuthorFollowers: uint64(1000 * i), PublishedAt: at, IngestedAt: at,
			Lang: "fi", Sentiment: "negative", SentimentScore: scores[i], Touchpoint: "earned", JourneyStage: "delivery",
			Brands: []string{"Rival"}, ClassifierVersion: "t", Raw: `{"source":"rss","text":"x","published_at":"2026-11-20T00:00:00Z"}`})
	}
	if err := s.Insert(context.Background(), rows); err != nil {
		t.Fatal(err)
	}
	ts := newTestServer(t, s)
	admin := login(t, ts.URL, "admin", "admin-pass")
	if code, b := admin.post("/api/v1/mentions/e1/labels", `{"sentiment":"neutral","note":"=cmd|' /C calc'!A0; ärsyttävä"}`, true); code != http.StatusOK {
		t.Fatalf("correct e1: %d %s", code, b)
	}
	get := func(path, acceptLanguage string) (int, []byte) {
		resp := admin.do("GET", path, nil, map[string]string{"Accept-Language": acceptLanguage})
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	for _, c := range []struct {
		name, query, acceptLanguage string
		sep, dec                    rune
	}{
		{"finnish browser", "", "fi-FI,fi;q=0.9,en;q=0.8", ';', ','},
		{"swedish browser", "", "sv-SE,sv;q=0.9", ';', ','},
		{"english browser", "", "en-GB,en;q=0.9,fi;q=0.5", ',', '.'},
		{"no language", "", "", ',', '.'},
		{"finnish, comma chosen", "&delimiter=comma", "fi", ',', '.'},
		{"english, semicolon chosen", "&delimiter=semicolon", "en-US", ';', ','},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, body := get("/api/v1/mentions/export?"+week+c.query, c.acceptLanguage)
			if code != http.StatusOK {
				t.Fatalf("export: %d %s", code, body)
			}
			sheet := excelOpen(t, body, c.sep, c.dec)
			if len(sheet) != len(texts)+1 {
				t.Fatalf("%d rows, want %d", len(sheet), len(texts)+1)
			}
			col := map[string]int{}
			for i, h := range sheet[0] {
				col[h.value] = i
			}
			for i, r := range sheet[1:] {
				if len(r) != len(sheet[0]) {
					t.Fatalf("row %d has %d columns, want %d: %+v", i, len(r), len(sheet[0]), r)
				}
				for j, cell := range r {
					if cell.kind == "formula" {
						t.Errorf("row %d, %s: %q runs as a formula", i, sheet[0][j].value, cell.value)
					}
				}
				id := r[col["mention_id"]].value
				n, _ := strconv.Atoi(strings.TrimPrefix(id, "e"))
				score, followers := r[col["sentiment_score"]], r[col["author_followers"]]
				if score.kind != "number" || float32(score.num) != scores[n] {
					t.Errorf("%s: sentiment_score %+v, want the number %v", id, score, scores[n])
				}
				if followers.kind != "number" || followers.num != float64(1000*n) {
					t.Errorf("%s: author_followers %+v, want the number %d", id, followers, 1000*n)
				}
				title := strings.TrimPrefix(r[col["title"]].value, "'")
				if title != texts[n] || r[col["author_name"]].value != "Mä "+id {
					t.Errorf("%s: title %q, author %q; want %q and %q", id, title, r[col["author_name"]].value, texts[n], "Mä "+id)
				}
			}
		})
	}
	// The corrections' CSV opens the same way.
	code, body := get("/api/v1/corrections?format=csv", "fi")
	sheet := excelOpen(t, body, ';', ',')
	if code != http.StatusOK || len(sheet) != 2 || len(sheet[1]) != len(sheet[0]) {
		t.Fatalf("corrections: %d %q", code, body)
	}
	for _, c := range sheet[1] {
		if c.kind == "formula" {
			t.Errorf("corrections: %q runs as a formula", c.value)
		}
	}
	if !strings.Contains(sheet[1][12].value, "ärsyttävä") {
		t.Errorf("corrections' note: %q", sheet[1][12].value)
	}
	// Without the byte order mark Excel would garble the letters.
	code, body = get("/api/v1/mentions/export?"+week, "fi")
	if noBOM := excelOpen(t, bytes.TrimPrefix(body, []byte(bom)), ';', ','); code != http.StatusOK || !strings.Contains(noBOM[1][8].value, "MÃ¤") {
		t.Errorf("the test's Excel read a file without a BOM as UTF-8: %q", noBOM[1][8].value)
	}
	if code, body := get("/api/v1/mentions/export?delimiter=tab&"+week, "fi"); code != http.StatusBadRequest ||
		!strings.Contains(string(body), `delimiter: \"tab\" is not semicolon or comma`) {
		t.Errorf("a bad delimiter: %d %s", code, body)
	}
}

// TestBrowserExportFormat: the Mentions page offers the export's format;
// an English browser starts with commas, choosing Excel's semicolons
// changes both export links and is remembered, and the file the link
// fetches starts with the byte order mark and splits at semicolons.
func TestBrowserExportFormat(t *testing.T) {
	s := storetest.Embedded(t)
	seed(t, s, 40)
	ts := newTestServer(t, s)
	b := newBrowser(t, 1366, 900)
	b.signIn(t, ts.URL, "admin", "admin-pass")
	b.open(t, ts.URL+"/mentions?"+week)
	links := `[...document.querySelectorAll('#export, a[href^="/api/v1/corrections"]')].map(a => new URL(a.href).searchParams.get("delimiter"))`
	if got := eval[[]string](t, b, links); len(got) != 2 || got[0] != "comma" || got[1] != "comma" {
		t.Fatalf("export links' delimiters in an English browser: %q", got)
	}
	eval[bool](t, b, `(() => { const s = document.querySelector('select[name="delimiter"]'); s.value = "semicolon";
		s.dispatchEvent(new Event("change")); return true })()`)
	if got := eval[[]string](t, b, links); got[0] != "semicolon" || got[1] != "semicolon" {
		t.Fatalf("after choosing Excel: %q", got)
	}
	b.open(t, ts.URL+"/mentions?"+week)
	if got := eval[[]string](t, b, links); got[0] != "semicolon" {
		t.Fatalf("the choice was not remembered: %q", got)
	}
	b.run(t, chromedp.Evaluate[chromedp.Void](`fetch(document.getElementById("export").href).then(r => r.arrayBuffer()).then(b => {
		const u = new Uint8Array(b); window.__head = [u[0], u[1], u[2]].join(",") + "|" + new TextDecoder().decode(u.slice(3, 35)) })`))
	b.waitFor(t, `window.__head`)
	if head := eval[string](t, b, `window.__head`); head != "239,187,191|mention_id;brand;published_at;so" {
		t.Errorf("the exported file begins %q", head)
	}
	b.noErrors(t)
}
