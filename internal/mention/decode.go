package mention

import (
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// decodeFast decodes the shape nearly every mention has — one object of
// contract fields, exactly spelled, with strings and integers where the
// contract has them — in a single pass without reflection: decoding is on
// the pipeline's hot path. It reports false as soon as the input strays from
// that shape (unknown or differently cased keys, nulls, a string rating,
// invalid JSON, …); Parse then decodes with encoding/json, so both paths
// give the same result. data must be valid UTF-8.
func decodeFast(data []byte, m *Mention) bool {
	d := decoder{data: data}
	ok := d.object(func(key []byte) bool {
		switch string(key) {
		case "source":
			return d.str(&m.Source)
		case "id":
			return d.str(&m.ID)
		case "url":
			return d.str(&m.URL)
		case "title":
			return d.str(&m.Title)
		case "text":
			return d.str(&m.Text)
		case "lang":
			return d.str(&m.Lang)
		case "parent_url":
			return d.str(&m.ParentURL)
		case "published_at":
			var s string
			if !d.str(&s) {
				return false
			}
			t, err := ParseTime(s)
			m.PublishedAt = t
			return err == nil
		case "rating":
			f, ok := d.float()
			m.Rating = &f
			return ok
		case "author":
			return d.object(func(key []byte) bool {
				switch string(key) {
				case "handle":
					return d.str(&m.Author.Handle)
				case "name":
					return d.str(&m.Author.Name)
				case "url":
					return d.str(&m.Author.URL)
				case "followers":
					return d.int(&m.Author.Followers)
				}
				return false
			})
		case "engagement":
			return d.object(func(key []byte) bool {
				switch string(key) {
				case "likes":
					return d.int(&m.Engagement.Likes)
				case "reposts":
					return d.int(&m.Engagement.Reposts)
				case "replies":
					return d.int(&m.Engagement.Replies)
				}
				return false
			})
		}
		return false
	})
	d.space()
	return ok && d.i == len(d.data)
}

type decoder struct {
	data []byte
	i    int
}

func (d *decoder) space() {
	for d.i < len(d.data) {
		switch d.data[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// next skips white space and consumes c if it comes next.
func (d *decoder) next(c byte) bool {
	d.space()
	if d.i < len(d.data) && d.data[d.i] == c {
		d.i++
		return true
	}
	return false
}

// object decodes {"key": value, …}, letting field decode each value.
func (d *decoder) object(field func(key []byte) bool) bool {
	if !d.next('{') {
		return false
	}
	if d.next('}') {
		return true
	}
	for {
		d.space()
		key, ok := d.rawKey()
		if !ok || !d.next(':') {
			return false
		}
		d.space()
		if !field(key) {
			return false
		}
		if d.next('}') {
			return true
		}
		if !d.next(',') {
			return false
		}
	}
}

// rawKey reads a key without escapes (keys with escapes take the slow path).
func (d *decoder) rawKey() ([]byte, bool) {
	if d.i >= len(d.data) || d.data[d.i] != '"' {
		return nil, false
	}
	start := d.i + 1
	for j := start; j < len(d.data); j++ {
		switch c := d.data[j]; {
		case c == '"':
			d.i = j + 1
			return d.data[start:j], true
		case c == '\\' || c < 0x20:
			return nil, false
		}
	}
	return nil, false
}

func (d *decoder) str(dst *string) bool {
	if d.i >= len(d.data) || d.data[d.i] != '"' {
		return false
	}
	start := d.i + 1
	for j := start; j < len(d.data); j++ {
		switch c := d.data[j]; {
		case c == '"':
			*dst = string(d.data[start:j])
			d.i = j + 1
			return true
		case c == '\\':
			return d.escapedStr(dst, start, j)
		case c < 0x20:
			return false
		}
	}
	return false
}

// escapedStr finishes a string that has escapes, from the first one at j,
// unquoting as encoding/json does (a lone surrogate becomes U+FFFD).
func (d *decoder) escapedStr(dst *string, start, j int) bool {
	buf := make([]byte, 0, j-start+64)
	buf = append(buf, d.data[start:j]...)
	for j < len(d.data) {
		c := d.data[j]
		switch {
		case c == '"':
			*dst = string(buf)
			d.i = j + 1
			return true
		case c < 0x20:
			return false
		case c != '\\':
			buf = append(buf, c)
			j++
			continue
		}
		if j+1 >= len(d.data) {
			return false
		}
		switch e := d.data[j+1]; e {
		case '"', '\\', '/':
			buf = append(buf, e)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			r, ok := hex4(d.data, j+2)
			if !ok {
				return false
			}
			j += 6
			if utf16.IsSurrogate(r) {
				if r2, ok := hex4(d.data, j+2); ok && j+1 < len(d.data) && d.data[j] == '\\' && d.data[j+1] == 'u' {
					if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
						buf = utf8.AppendRune(buf, dec)
						j += 6
						continue
					}
				}
				r = utf8.RuneError
			}
			buf = utf8.AppendRune(buf, r)
			continue
		default:
			return false
		}
		j += 2
	}
	return false
}

func hex4(data []byte, at int) (rune, bool) {
	if at+4 > len(data) {
		return 0, false
	}
	var r rune
	for _, c := range data[at : at+4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r*16 + rune(c)
	}
	return r, true
}

// number reads a JSON number literal and reports whether it is an integer.
func (d *decoder) number() (lit []byte, integer, ok bool) {
	start, j := d.i, d.i
	digits := func() int {
		n := 0
		for j < len(d.data) && '0' <= d.data[j] && d.data[j] <= '9' {
			j++
			n++
		}
		return n
	}
	if j < len(d.data) && d.data[j] == '-' {
		j++
	}
	switch {
	case j < len(d.data) && d.data[j] == '0':
		j++
	case digits() == 0:
		return nil, false, false
	}
	integer = true
	if j < len(d.data) && d.data[j] == '.' {
		j++
		if digits() == 0 {
			return nil, false, false
		}
		integer = false
	}
	if j < len(d.data) && (d.data[j] == 'e' || d.data[j] == 'E') {
		j++
		if j < len(d.data) && (d.data[j] == '+' || d.data[j] == '-') {
			j++
		}
		if digits() == 0 {
			return nil, false, false
		}
		integer = false
	}
	d.i = j
	return d.data[start:j], integer, true
}

func (d *decoder) int(dst *int64) bool {
	lit, integer, ok := d.number()
	if !ok || !integer {
		return false
	}
	n, err := strconv.ParseInt(string(lit), 10, 64)
	*dst = n
	return err == nil
}

func (d *decoder) float() (float64, bool) {
	lit, _, ok := d.number()
	if !ok {
		return 0, false
	}
	f, err := strconv.ParseFloat(string(lit), 64)
	return f, err == nil
}
