package web

import (
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"

	"golang.org/x/text/language"
)

// sheet writes CSV that spreadsheets open as meant: UTF-8 with a byte
// order mark (without it Excel reads the bytes as the system code page and
// garbles ä and ö), fields separated by the list separator the reader's
// Excel expects — a semicolon where the decimal separator is a comma
// (Finnish, Swedish), numbers then written with a decimal comma — and every
// text cell defused against formulas (csvCell), while numbers stay plain
// numbers.
type sheet struct {
	cw           *csv.Writer
	decimalComma bool
}

// bom is UTF-8's byte order mark, with which Excel reads a CSV as UTF-8.
const bom = "\uFEFF"

// semicolonLangs are the UI languages whose Excel separates a CSV's fields
// with semicolons and decimals with a comma.
var semicolonLangs = []string{"fi", "sv"}

// exportDelimiter reads ?delimiter=semicolon|comma; without it the
// semicolon is for a browser whose first language is Finnish or Swedish
// (Accept-Language), the comma for others.
func exportDelimiter(r *http.Request) (rune, error) {
	switch d := r.URL.Query().Get("delimiter"); d {
	case "semicolon":
		return ';', nil
	case "comma":
		return ',', nil
	case "":
	default:
		return 0, badf("delimiter: %q is not semicolon or comma", d)
	}
	tags, _, err := language.ParseAcceptLanguage(r.Header.Get("Accept-Language"))
	if err == nil && len(tags) > 0 {
		base, _ := tags[0].Base()
		for _, l := range semicolonLangs {
			if base.String() == l {
				return ';', nil
			}
		}
	}
	return ',', nil
}

// newSheet starts a CSV download named filename, or answers 400 for a bad
// delimiter and returns nil.
func (s *Server) newSheet(w http.ResponseWriter, r *http.Request, filename string) *sheet {
	comma, err := exportDelimiter(r)
	if err != nil {
		s.fail(w, r, err)
		return nil
	}
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="`+filename+`"`)
	h.Add("Vary", "Accept-Language")
	cw := csv.NewWriter(w)
	cw.Comma = comma
	// Excel ends rows with CRLF; its reader takes either.
	cw.UseCRLF = true
	_, _ = w.Write([]byte(bom))
	return &sheet{cw: cw, decimalComma: comma == ';'}
}

// cell is one field: text, or a number already formatted.
type cell struct {
	s   string
	num bool
}

func text(s string) cell { return cell{s: s} }

// number is f with prec decimals.
func number(f float64, prec int) cell {
	return cell{s: strconv.FormatFloat(f, 'f', prec, 64), num: true}
}

// integer is n.
func integer(n int64) cell { return cell{s: strconv.FormatInt(n, 10), num: true} }

// row writes one record: text defused, numbers in the sheet's notation.
func (s *sheet) row(cells ...cell) {
	rec := make([]string, len(cells))
	for i, c := range cells {
		switch {
		case c.num && s.decimalComma:
			rec[i] = strings.Replace(c.s, ".", ",", 1)
		case c.num:
			rec[i] = c.s
		default:
			rec[i] = csvCell(c.s, s.decimalComma)
		}
	}
	_ = s.cw.Write(rec) // a write error is the client's connection; Flush reports it
}

// header writes the column names.
func (s *sheet) header(names ...string) {
	cells := make([]cell, len(names))
	for i, n := range names {
		cells[i] = text(n)
	}
	s.row(cells...)
}

func (s *sheet) flush() { s.cw.Flush() }

// csvCell defuses spreadsheet formulas (OWASP CSV injection): a cell whose
// first character other than spaces and line breaks is = + - or @, or
// that starts with a tab or carriage return, is prefixed with a quote.
// Spreadsheets skip leading whitespace before a formula. A plain number in
// the sheet's notation ("-0.5", or "-0,5" with a decimal comma) is left as
// it is: it is no formula, and stays a number.
func csvCell(s string, decimalComma bool) string {
	t := strings.TrimLeft(s, " \t\r\n")
	if s != "" && (s[0] == '\t' || s[0] == '\r') || t != "" && strings.ContainsRune("=+-@", rune(t[0])) {
		if !plainNumber(s, decimalComma) {
			return "'" + s
		}
	}
	return s
}

// plainNumber reports whether s is a decimal number a spreadsheet reads as
// one: an optional sign, digits, and at most one decimal separator (the
// sheet's) followed by digits. No exponents, spaces, infinities or NaN.
func plainNumber(s string, decimalComma bool) bool {
	sep := byte('.')
	if decimalComma {
		sep = ','
	}
	if s != "" && (s[0] == '-' || s[0] == '+') {
		s = s[1:]
	}
	intPart, frac, hasFrac := strings.Cut(s, string(sep))
	digits := func(x string) bool {
		if x == "" {
			return false
		}
		for i := 0; i < len(x); i++ {
			if x[i] < '0' || x[i] > '9' {
				return false
			}
		}
		return true
	}
	return digits(intPart) && (!hasFrac || digits(frac))
}
