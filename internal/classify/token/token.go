// Package token splits social-media text into the units the classifier
// scores: words, hashtags, handles, URLs, numbers, emoji, emoticons and
// sentence punctuation.
package token

import (
	"encoding/binary"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Kind is the type of a token.
type Kind uint8

// Token kinds.
const (
	Word     Kind = iota + 1
	Number        // digits, possibly with . , / inside ("4.5", "5/5")
	Hashtag       // Text without the '#'
	Handle        // Text with the '@'
	URL           // http(s)://… or www.…
	Emoji         // one pictograph; modifiers and joiners are dropped
	Emoticon      // ASCII emoticon such as ":)" or "<3"
	Punct         // one of . , ; : ! ? and newline (as ".")
)

// Token is one unit of lowercased text.
// Its fields are ordered so that it takes 24 bytes, not 32: posts are
// copied into token slices, and per brand into clause texts.
type Token struct {
	Text string // lowercased; a substring of the lowercased input, no copy
	// Off is where the token starts in the lowercased input, in bytes
	// (the '#' of a hashtag): brand hits are placed in clauses by it.
	Off  int32
	Kind Kind
	Caps bool // an all-capitals word of two or more letters in the original
	// Title: a word of two or more letters written with a capital first
	// letter and not in capitals throughout ("Finnair", not "FINNAIR").
	Title bool
}

// emoticons are matched longest first; keys are lowercase because the input
// is. emoticonStart has their first bytes, to pass other punctuation by
// without a lookup per emoticon length.
var emoticons, emoticonStart = func() (map[string]bool, [256]bool) {
	m := map[string]bool{}
	var start [256]bool
	for _, e := range strings.Fields(`:) :-) :)) :))) :] :} :> :-> =) =] ;) ;-) ;] ;d :d :-d =d xd xdd :p :-p ;p =p :'( :'-( :'-) :') :( :-( :(( :((( :[ :{ :< =( =[ :/ :-/ :\ :-\ =/ :| :-| :o :-o :s :-s :@ >:( >:-( <3 <33 <333 </3 :* :-* ^^ ^_^ -_- >_< ;_;`) {
		m[e] = true
		start[e[0]] = true
	}
	return m, start
}()

const maxEmoticonLen = 5

// Append tokenizes text (already lowercased by the caller as lower; orig is
// the same text before lowercasing, used only to spot capitals) and appends
// the tokens to dst. It never allocates beyond growing dst.
func Append(dst []Token, orig, lower string) []Token {
	capsOK := len(orig) == len(lower)
	i := 0
	for i < len(lower) {
		// Most of a post is ASCII: spaces and words need no decoding.
		r, size := rune(lower[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(lower[i:])
		}
		switch {
		case r == ' ':
			i++
		case r == '\n':
			dst = append(dst, Token{Text: ".", Kind: Punct, Off: int32(i)})
			i += size
		case isWordRune(r):
			end := wordEnd(lower, i)
			switch lower[i] {
			case 'w', 'h':
				if end-i >= 4 && strings.HasPrefix(lower[i:end], "www.") ||
					(lower[i:end] == "http" || lower[i:end] == "https") && strings.HasPrefix(lower[end:], "://") {
					end = fieldEnd(lower, i)
					dst = append(dst, Token{Text: lower[i:end], Kind: URL, Off: int32(i)})
					i = end
					continue
				}
			case 'x':
				if e, ok := emoticonAt(lower, i); ok {
					dst = append(dst, Token{Text: lower[i:e], Kind: Emoticon, Off: int32(i)})
					i = e
					continue
				}
			}
			dst = appendWord(dst, orig, lower, i, end, capsOK)
			i = end
		case unicode.IsSpace(r):
			i += size
		case r == '#' || r == '@':
			end := i + size
			for end < len(lower) {
				r2, s2 := utf8.DecodeRuneInString(lower[end:])
				if !isWordRune(r2) && r2 != '_' && !(r == '@' && (r2 == '@' || r2 == '.') && end+s2 < len(lower) && isWordStart(lower[end+s2:])) {
					break
				}
				end += s2
			}
			switch {
			case end == i+size:
				dst = append(dst, Token{Text: lower[i:end], Kind: Punct, Off: int32(i)})
			case r == '#':
				dst = append(dst, Token{Text: lower[i+size : end], Kind: Hashtag, Off: int32(i)})
			default:
				dst = append(dst, Token{Text: lower[i:end], Kind: Handle, Off: int32(i)})
			}
			i = end
		case isPictograph(r):
			dst = append(dst, Token{Text: lower[i : i+size], Kind: Emoji, Off: int32(i)})
			i += size
		case isEmojiModifier(r):
			i += size
		default:
			if e, ok := emoticonAt(lower, i); ok {
				dst = append(dst, Token{Text: lower[i:e], Kind: Emoticon, Off: int32(i)})
				i = e
				continue
			}
			switch r {
			case '.', ',', ';', ':', '!', '?', '…':
				text := lower[i : i+size]
				if r == '…' {
					text = "."
				}
				dst = append(dst, Token{Text: text, Kind: Punct, Off: int32(i)})
			}
			i += size
		}
	}
	return dst
}

// appendWord appends a Word or Number token for lower[start:end].
func appendWord(dst []Token, orig, lower string, start, end int, capsOK bool) []Token {
	if c := lower[start]; c >= '0' && c <= '9' {
		return append(dst, Token{Text: lower[start:end], Kind: Number, Off: int32(start)})
	}
	dst = append(dst, Token{Text: lower[start:end], Kind: Word, Off: int32(start)})
	// Most words start with a lowercase ASCII letter: neither shouted nor
	// capitalised.
	if capsOK && (orig[start] < 'a' || orig[start] > 'z') {
		t := &dst[len(dst)-1]
		t.Caps = isShouted(orig[start:end])
		t.Title = !t.Caps && end-start > 1 && isUpperStart(orig[start:end])
	}
	return dst
}

// isUpperStart reports a word starting with a capital letter.
func isUpperStart(s string) bool {
	if c := s[0]; c < utf8.RuneSelf {
		return 'A' <= c && c <= 'Z'
	}
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsUpper(r)
}

// isShouted reports an all-capitals word of at least two letters.
func isShouted(s string) bool {
	letters := 0
	for _, r := range s {
		if unicode.IsLetter(r) {
			if !unicode.IsUpper(r) {
				return false
			}
			letters++
		}
	}
	return letters >= 2
}

// wordEnd returns the end of the word starting at i. Inner apostrophes keep
// "don't" together; inner . , / keep numbers such as 4.5 and 5/5 together.
func wordEnd(s string, i int) int {
	for {
		for i < len(s) && asciiWord[s[i]] { // most of a word
			i++
		}
		if i == len(s) {
			break
		}
		if c := s[i]; c < utf8.RuneSelf && c != '\'' && c != '.' && c != ',' && c != '/' { // and most of its ends
			break
		}
		if isLatin1Letter(s, i) { // ä, ö, å, é …
			i += 2
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if isWordRune(r) {
			i += size
			continue
		}
		if (r == '\'' || r == '’') && i+size < len(s) {
			if next, _ := utf8.DecodeRuneInString(s[i+size:]); unicode.IsLetter(next) {
				i += size
				continue
			}
		}
		if (r == '.' || r == ',' || r == '/') && i > 0 && i+size < len(s) && isDigit(s[i-1]) && isDigit(s[i+size]) {
			i += size
			continue
		}
		break
	}
	return i
}

// fieldEnd returns the end of the whitespace-delimited field at i, without
// trailing sentence punctuation (a URL at the end of a sentence).
func fieldEnd(s string, i int) int {
	end := i
	for end < len(s) {
		r, size := utf8.DecodeRuneInString(s[end:])
		if unicode.IsSpace(r) {
			break
		}
		end += size
	}
	for end > i+1 && strings.IndexByte(".,;:!?)\"'", s[end-1]) >= 0 {
		end--
	}
	return end
}

// emoticonAt returns the end of the longest emoticon starting at i, if one
// stands alone (followed by space, punctuation or end of text).
func emoticonAt(s string, i int) (int, bool) {
	if !emoticonStart[s[i]] {
		return 0, false
	}
	if i > 0 {
		if prev, _ := utf8.DecodeLastRuneInString(s[:i]); isWordRune(prev) {
			return 0, false
		}
	}
	for n := min(maxEmoticonLen, len(s)-i); n >= 2; n-- {
		if !emoticons[s[i:i+n]] {
			continue
		}
		if i+n == len(s) {
			return i + n, true
		}
		if next, _ := utf8.DecodeRuneInString(s[i+n:]); !isWordRune(next) {
			return i + n, true
		}
	}
	return 0, false
}

// isLatin1Letter reports a letter of Latin-1's upper half (U+00C0-U+00FF
// but × and ÷: ä, ö, å, é …) at s[i], without decoding it.
func isLatin1Letter(s string, i int) bool {
	return s[i] == 0xC3 && i+1 < len(s) && s[i+1] >= 0x80 && s[i+1] <= 0xBF && s[i+1] != 0x97 && s[i+1] != 0xB7
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

// asciiWord marks the ASCII letters and digits; a byte of a multi-byte
// rune is none.
var asciiWord = func() (t [256]bool) {
	for c := range t {
		t[c] = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
	}
	return t
}()

func isWordRune(r rune) bool {
	if r < utf8.RuneSelf { // most text is ASCII: skip the Unicode tables
		return asciiWord[r]
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

func isWordStart(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return isWordRune(r)
}

// isPictograph reports emoji and other pictographic symbols.
func isPictograph(r rune) bool {
	switch {
	case r >= 0x1F300 && r <= 0x1FAFF, r >= 0x2600 && r <= 0x27BF, r >= 0x1F000 && r <= 0x1F2FF,
		r == 0x2B50, r == 0x2B55, r == 0x2764, r == 0x203C, r == 0x2049:
		return !isEmojiModifier(r)
	}
	return false
}

// isEmojiModifier reports joiners, variation selectors and skin tones,
// which carry no meaning of their own.
func isEmojiModifier(r rune) bool {
	return r == 0x200D || r == 0xFE0F || r == 0xFE0E || (r >= 0x1F3FB && r <= 0x1F3FF)
}

// Lower is strings.ToLower, cheaper on what posts are: mostly ASCII with a
// few other letters (Finnish ä and ö), which alone take the Unicode path.
func Lower(s string) string {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				return lowerFrom(s, i)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || toLower(r) != r {
			return lowerFrom(s, i)
		}
		i += size
	}
	return s
}

// toLower is unicode.ToLower, with the Latin-1 letters (ä, ö, å, é …)
// spared its table search.
func toLower(r rune) rune {
	if r >= 0x100 {
		return unicode.ToLower(r)
	}
	if 'À' <= r && r <= 'Þ' && r != '×' || 'A' <= r && r <= 'Z' {
		return r + 0x20
	}
	return r
}

// lowerASCII8 lowercases eight ASCII bytes at once. Adding 0x80-'A' to a
// byte sets its top bit from 'A' on, adding 0x80-'Z'-1 from past 'Z'; the
// bytes where the two differ are the capitals, which get 0x20 added.
// ASCII bytes are below 0x80, so no sum carries into the next byte.
func lowerASCII8(x uint64) uint64 {
	const ones = 0x0101010101010101
	upper := ((x + (0x80-'A')*ones) ^ (x + (0x80-'Z'-1)*ones)) & (0x80 * ones)
	return x | upper>>2
}

// lowerFrom lowercases s, of which s[:i] is already lowercase. Invalid
// UTF-8 becomes U+FFFD, as in strings.ToLower.
func lowerFrom(s string, i int) string {
	var b strings.Builder
	b.Grow(len(s) + utf8.UTFMax)
	b.WriteString(s[:i])
	var chunk [64]byte
	for i < len(s) {
		if s[i] < utf8.RuneSelf {
			// ASCII is lowered a chunk at a time: a WriteByte per byte
			// costs more than the lowering.
			n := 0
			for ; i+8 <= len(s) && n+8 <= len(chunk); i, n = i+8, n+8 {
				x := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
					uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
				if x&0x8080808080808080 != 0 {
					break
				}
				binary.LittleEndian.PutUint64(chunk[n:], lowerASCII8(x))
			}
			for ; i < len(s) && n < len(chunk) && s[i] < utf8.RuneSelf; i, n = i+1, n+1 {
				c := s[i]
				if 'A' <= c && c <= 'Z' {
					c += 'a' - 'A'
				}
				chunk[n] = c
			}
			b.Write(chunk[:n])
			continue
		}
		if isLatin1Letter(s, i) { // lowercase À-Þ: the second byte + 0x20
			c := s[i+1]
			if c <= 0x9E {
				c += 0x20
			}
			b.WriteByte(0xC3)
			b.WriteByte(c)
			i += 2
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		b.WriteRune(toLower(r))
		i += size
	}
	return b.String()
}

// Text is a mention's title and text tokenized as the classifier reads
// them: the title's tokens, a "." between when the title has any, then
// the text's. Readers after the classifier (the term annotator) take the
// tokens from it rather than lowercasing and tokenizing the text again.
type Text struct {
	Tokens []Token
	// Title and Body are the lowercased title and text; a token's Off is
	// in Title when its index is below BodyStart, else in Body.
	Title, Body string
	BodyStart   int
	// Analyses are the analyses of the tokens' words (Analyses[i] is token
	// i's), as AnalysedBy made them for language AnalysesLang: the
	// classifier fills them in when it has an Analyser (StartAnalyses),
	// and Read empties them.
	Analyses     []Analysis
	AnalysedBy   Analyser
	AnalysesLang string
}

// Read tokenizes a title and a text into t, reusing its token buffer.
func (t *Text) Read(title, text string) {
	t.Title, t.Body = Lower(title), Lower(text)
	t.Analyses, t.AnalysedBy, t.AnalysesLang = t.Analyses[:0], nil, ""
	toks := Append(t.Tokens[:0], title, t.Title)
	if len(toks) > 0 {
		toks = append(toks, Token{Text: ".", Kind: Punct})
	}
	t.BodyStart = len(toks)
	t.Tokens = Append(toks, text, t.Body)
}

// TitleEnd is the index after the title's last token.
func (t *Text) TitleEnd() int { return max(t.BodyStart-1, 0) }

// LowerAt returns the lowercased string token i's Off is in, and the index
// after the last token in it.
func (t *Text) LowerAt(i int) (lower string, end int) {
	if i < t.BodyStart {
		return t.Title, t.TitleEnd()
	}
	return t.Body, len(t.Tokens)
}
