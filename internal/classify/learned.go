package classify

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ewom/ewom/internal/classify/token"
)

// learnedLexicon is a word-weight table learned from labelled text (XED,
// see NOTICE): balanced naive-Bayes log-odds of positive over negative for
// each word feature, shrunk and pruned by cmd/xedtrain. It fills the gaps of
// the curated lexicons: most real sentences carry mild cues no hand-made
// list has.
type learnedLexicon map[string]float64

// finnishFeatureRunes truncates Finnish words to a crude stem; truncation
// is a strong baseline stemmer for Finnish (most endings are suffixes).
const finnishFeatureRunes = 5

// Feature returns the learned-lexicon key of a word in a language.
func Feature(code, word string) string {
	if code != "fi" {
		return word
	}
	if i := runeOffset(word, finnishFeatureRunes); i > 0 {
		return word[:i]
	}
	return word
}

// runeOffset returns the byte offset of the n-th rune, or 0 if the word is
// not longer than n runes.
func runeOffset(s string, n int) int {
	for i := range s {
		if n == 0 {
			return i
		}
		n--
	}
	return 0
}

// LearnedFeatures appends the learned-lexicon keys of the words in toks.
func LearnedFeatures(dst []string, toks []token.Token, code string) []string {
	for _, t := range toks {
		if (t.Kind == token.Word || t.Kind == token.Hashtag) && utf8.RuneCountInString(t.Text) > 1 {
			dst = append(dst, Feature(code, t.Text))
		}
	}
	return dst
}

// ReadLearned parses "feature<TAB>weight" lines.
func ReadLearned(r io.Reader) (learnedLexicon, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	lex := learnedLexicon{}
	n := 0
	for line := range strings.Lines(string(b)) {
		n++
		line = strings.TrimRight(line, "\r\n")
		if line == "" || strings.HasPrefix(line, "# ") {
			continue
		}
		f, w, ok := strings.Cut(line, "\t")
		if !ok {
			return nil, fmt.Errorf("line %d: want feature<TAB>weight", n)
		}
		v, err := strconv.ParseFloat(w, 64)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		lex[f] = v
	}
	return lex, nil
}
