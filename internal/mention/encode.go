package mention

import (
	"math"
	"strconv"
	"time"
	"unicode/utf8"
)

// appendJSON encodes m's contract fields exactly as encoding/json does,
// without reflection: every mention is encoded once on its way onto the
// bus. It reports false for what it leaves to encoding/json: a rating that
// is not a finite number, a time outside years 0–9999.
func (m *Mention) appendJSON(b []byte) ([]byte, bool) {
	if m.Rating != nil && (math.IsNaN(*m.Rating) || math.IsInf(*m.Rating, 0)) {
		return b, false
	}
	if y := m.PublishedAt.Year(); y < 0 || y > 9999 {
		return b, false
	}
	b = append(b, `{"source":`...)
	b = appendString(b, m.Source)
	b = appendField(b, "id", m.ID)
	b = appendField(b, "url", m.URL)
	b = appendField(b, "title", m.Title)
	b = appendField(b, "text", m.Text)
	if m.Author != (Author{}) {
		b = appendObject(b, "author", func(b []byte) []byte {
			b = appendField(b, "handle", m.Author.Handle)
			b = appendField(b, "name", m.Author.Name)
			b = appendField(b, "url", m.Author.URL)
			return appendCount(b, "followers", m.Author.Followers)
		})
	}
	b = append(b, `,"published_at":"`...)
	b = m.PublishedAt.AppendFormat(b, time.RFC3339Nano)
	b = append(b, '"')
	b = appendField(b, "lang", m.Lang)
	if m.Rating != nil {
		b = append(b, `,"rating":`...)
		b = appendFloat(b, *m.Rating)
	}
	if m.Engagement != (Engagement{}) {
		b = appendObject(b, "engagement", func(b []byte) []byte {
			b = appendCount(b, "likes", m.Engagement.Likes)
			b = appendCount(b, "reposts", m.Engagement.Reposts)
			return appendCount(b, "replies", m.Engagement.Replies)
		})
	}
	b = appendField(b, "parent_url", m.ParentURL)
	return append(b, '}'), true
}

// appendField adds ,"name":value, omitted when empty (omitempty).
func appendField(b []byte, name, value string) []byte {
	if value == "" {
		return b
	}
	b = append(append(append(append(b, ',', '"'), name...), '"'), ':')
	return appendString(b, value)
}

func appendCount(b []byte, name string, n int64) []byte {
	if n == 0 {
		return b
	}
	b = append(append(append(append(b, ',', '"'), name...), '"'), ':')
	return strconv.AppendInt(b, n, 10)
}

// appendObject adds ,"name":{…} with the fields fill appends, each of
// which starts with a comma (the first one's is dropped).
func appendObject(b []byte, name string, fill func([]byte) []byte) []byte {
	b = append(append(append(b, ',', '"'), name...), '"', ':', '{')
	mark := len(b)
	if b = fill(b); len(b) > mark && b[mark] == ',' {
		b = append(b[:mark], b[mark+1:]...)
	}
	return append(b, '}')
}

// appendFloat formats like encoding/json: %f for ordinary magnitudes,
// exponent form (with a one-digit negative exponent as e-7) otherwise.
func appendFloat(b []byte, f float64) []byte {
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

const hexDigits = "0123456789abcdef"

// appendString quotes s as encoding/json does, HTML-safe: <, > and & and
// the line and paragraph separators are escaped, invalid UTF-8 becomes
// U+FFFD.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
