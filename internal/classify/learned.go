package classify

import (
	"fmt"
	"io"
	"maps"
	"math"
	"strconv"
	"strings"

	"github.com/ewom/ewom/internal/classify/strtab"
)

// learnedModel is a logistic-regression sentiment model learned from
// labelled text (XED, see NOTICE) by cmd/xedtrain. Its features are the
// ones the rule walk already sees: each word (Finnish: a crude stem), with
// its own weight inside a negation's scope, and the squashed lexicon/rule
// score. The log-odds of positive over negative is
//
//	bias + lexicon·lexScore + Σ word weights
//
// It fills the gaps of the curated lexicons, whose hits it weighs against
// the mild cues most sentences carry and no hand-made list has.
type learnedModel struct {
	words   *strtab.Map[learnedWeight] // looked up for every word of a text
	bias    float64
	lexicon float64 // weight of the squashed lexicon score
	// settings replace the language's modelSettings when set (a
	// deployment model's tuned gates, see deployment.go).
	settings *modelSettings
}

// learnedWeight is a word's weight outside and inside a negation's scope,
// and its subjectivity cue (data/subjectivity.tsv), kept in the same map so
// the walk finds both with its one lookup per word.
type learnedWeight struct {
	plain, negated float64
	cue            cueKind
}

// cueKind is a word's subjectivity cue.
type cueKind uint8

const (
	cueNone cueKind = iota
	cueSubjective
	cueInformational
)

// withCues returns the model with the cue words of its language marked,
// adding zero-weight rows for cue words the model lacks.
func (m *learnedModel) withCues(code string, cues map[string]cueKind) *learnedModel {
	if m == nil || len(cues) == 0 {
		return m
	}
	words := maps.Collect(m.words.All())
	for w, k := range cues {
		key := Feature(code, w)
		lw := words[key]
		lw.cue = k
		words[key] = lw
	}
	m.words = strtab.New(words)
	return m
}

// Model parameter rows of the learned file; words never start with '@'
// (handles are their own token kind).
const (
	paramBias    = "@bias"
	paramLexicon = "@lexicon"
)

// NegatedPrefix marks a word feature inside a negation's scope in
// SentimentFeatures.
const NegatedPrefix = "!"

// finnishFeatureRunes truncates Finnish words to a crude stem; truncation
// is a strong baseline stemmer for Finnish (most endings are suffixes).
const finnishFeatureRunes = 5

// Feature returns the learned-model key of a word in a language.
func Feature(code, word string) string {
	if code != "fi" || len(word) <= finnishFeatureRunes { // no more runes than bytes
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

// ReadLearned parses a learned model: "feature<TAB>weight[<TAB>negated]"
// rows, and "@bias" and "@lexicon" parameter rows. A word without a negated
// weight carries none inside a negation's scope.
func ReadLearned(r io.Reader) (*learnedModel, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	m := &learnedModel{}
	words := map[string]learnedWeight{}
	n := 0
	for line := range strings.Lines(string(b)) {
		n++
		line = strings.TrimRight(line, "\r\n")
		if line == "" || strings.HasPrefix(line, "# ") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) < 2 || len(f) > 3 {
			return nil, fmt.Errorf("line %d: want feature<TAB>weight[<TAB>negated]", n)
		}
		var w learnedWeight
		if w.plain, err = strconv.ParseFloat(f[1], 64); err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		if len(f) == 3 && f[2] != "" {
			if w.negated, err = strconv.ParseFloat(f[2], 64); err != nil {
				return nil, fmt.Errorf("line %d: %w", n, err)
			}
		}
		switch f[0] {
		case paramBias:
			m.bias = w.plain
		case paramLexicon:
			m.lexicon = w.plain
		default:
			words[f[0]] = w
		}
	}
	m.words = strtab.New(words)
	return m, nil
}

// logOdds is the model's log-odds of positive given the word-weight sum and
// the squashed lexicon score.
func (m *learnedModel) logOdds(words, lexScore float64) float64 {
	return m.bias + m.lexicon*lexScore + words
}

// squash maps a raw valence sum to -1..1 as VADER does.
func squash(raw float64) float64 {
	return raw / math.Sqrt(raw*raw+squashAlpha)
}
