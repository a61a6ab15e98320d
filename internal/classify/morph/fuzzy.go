package morph

import "unicode/utf8"

// fuzzyLetters is the shortest name Options.Fuzzy applies to; shorter
// names are one edit from too many words.
const fuzzyLetters = 7

// fuzzyStem is half of a stem that a word may be one edit from. A word
// one edit from the stem holds one of its halves unchanged, so the index
// looks for the halves and Match checks the word around them.
type fuzzyStem struct {
	stem  string
	tails *tails
	head  int // runes of the stem before this half: 0 for the first half
}

// fuzzed adds to pats the halves of each stem of six or more letters, for
// a name (text) of fuzzyLetters or more.
func (o Options) fuzzed(pats []Pattern, text string) []Pattern {
	if !o.Fuzzy || letters(text) < fuzzyLetters {
		return pats
	}
	for _, p := range pats {
		n := utf8.RuneCountInString(p.Text)
		if n < fuzzyLetters-1 {
			continue
		}
		mid := len(string([]rune(p.Text)[:n/2]))
		pats = append(pats,
			Pattern{Text: p.Text[:mid], fuzzy: &fuzzyStem{stem: p.Text, tails: p.tails}},
			Pattern{Text: p.Text[mid:], fuzzy: &fuzzyStem{stem: p.Text, tails: p.tails, head: n / 2}})
	}
	return pats
}

// match reports whether the half found at s[start:end] is part of a word
// within one edit of the stem followed by a tail.
func (f *fuzzyStem) match(s string, start, end int) (from, to int, ok bool) {
	if f.head == 0 {
		to, ok = f.at(s, start)
		return start, to, ok
	}
	// The edit is in the first half, which is head runes long, or one
	// more or one less.
	for n := f.head - 1; n <= f.head+1; n++ {
		if from, ok = runesBack(s, start, n); ok {
			if to, ok = f.at(s, from); ok {
				return from, to, true
			}
		}
	}
	return 0, 0, false
}

// at reports whether a word one edit or less from the stem, then a tail,
// begins at s[from:].
func (f *fuzzyStem) at(s string, from int) (to int, ok bool) {
	if !startsWord(s, from) {
		return 0, false
	}
	n := utf8.RuneCountInString(f.stem)
	end := from
	for runes := 1; runes <= n+1 && end < len(s); runes++ {
		_, size := utf8.DecodeRuneInString(s[end:])
		end += size
		if runes >= n-1 && within1(s[from:end], f.stem) {
			if to, ok = f.tails.accepts(s, from, end); ok {
				return to, true
			}
		}
	}
	return 0, false
}

// runesBack returns the index n runes before s[i:].
func runesBack(s string, i, n int) (int, bool) {
	for ; n > 0; n-- {
		if i == 0 {
			return 0, false
		}
		_, size := utf8.DecodeLastRuneInString(s[:i])
		i -= size
	}
	return i, true
}

// within1 reports whether a and b are at most one edit apart: a rune
// added, dropped or changed, or two neighbouring runes swapped.
func within1(a, b string) bool {
	for a != "" && b != "" {
		ra, na := utf8.DecodeRuneInString(a)
		rb, nb := utf8.DecodeRuneInString(b)
		if ra != rb {
			break
		}
		a, b = a[na:], b[nb:]
	}
	for a != "" && b != "" {
		ra, na := utf8.DecodeLastRuneInString(a)
		rb, nb := utf8.DecodeLastRuneInString(b)
		if ra != rb {
			break
		}
		a, b = a[:len(a)-na], b[:len(b)-nb]
	}
	ca, cb := utf8.RuneCountInString(a), utf8.RuneCountInString(b)
	switch {
	case ca+cb <= 1, ca == 1 && cb == 1:
		return true
	case ca == 2 && cb == 2:
		a0, n := utf8.DecodeRuneInString(a)
		b0, m := utf8.DecodeRuneInString(b)
		return a0 == lastRune(b[m:]) && b0 == lastRune(a[n:])
	}
	return false
}
