package classify

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/ewom/ewom/internal/classify/strtab"
	"github.com/ewom/ewom/internal/classify/token"
	"github.com/ewom/ewom/internal/mention"
)

// The label models decide a brand's journey stage and sentiment after the
// rules have had their say: one-vs-rest logistic regressions, one per
// stage and one per sentiment, over the post's words (Feature keys) and
// what the rules said of the brand — their stage and sentiment, the
// sentiment score's band, the stages their cues point to — with the
// touchpoint, the source, the language and the star rating, and for a
// brand of several read from its own clauses the post's words and its
// roles in the post (data/labels_learned.tsv, learned from labelled mentions by
// cmd/labeltrain). Single cue words cannot tell a post's main point
// ("ostettu lippu ei näkynyt ovella" names a purchase but is about using
// the ticket), and a score summed from word valences cannot tell an
// implicit complaint from a neutral report; the models learn which words
// and which rule outputs to trust.

// stageCount and sentimentCount are the classes of each model: the
// stages of mention.JourneyStages, then sentimentClasses.
const (
	stageCount     = 9
	sentimentCount = 3
	labelCount     = stageCount + sentimentCount
)

// sentimentClasses are the sentiment model's classes, in its columns'
// order.
var sentimentClasses = [sentimentCount]string{mention.Negative, mention.Neutral, mention.Positive}

// labelWeights are a feature's weight for each stage, then each sentiment.
type labelWeights [labelCount]float32

// labelModel is the learned stage and sentiment model.
type labelModel struct {
	bias labelWeights
	// words maps a feature to its row in rows: a small value keeps the
	// table's slots, and so the cache misses of the lookups, small.
	words *strtab.Map[uint32]
	rows  []labelWeights
}

// ruleRepeat is how many times each of the rules' labels counts as a
// feature: the trainer weighs them as three words each, so that a post's
// many words do not drown them.
const ruleRepeat = 3

// ruleView is what the rules say of one brand of a post (or of the post):
// the label models' input beside the words.
type ruleView struct {
	stage     string
	sentiment string
	score     float64
	cues      [16]float64 // the stage cues' weights, by mention.JourneyStages index
	signals   signals     // of its sentiment walk
	roles     roles       // how a brand of several is named (0: the post's view)
	// post is the post's view, for a brand of several read from its own
	// clauses; nil when the brand's labels are the post's.
	post *ruleView
}

// wordFeatures appends the label models' word features of a text: its
// words' Feature keys (NegatedPrefix marks those the sentiment walk found
// in a negation's scope: "ei … pettyä", "no complaints") and its emoji and
// emoticons as written.
func wordFeatures(dst []string, lx *lexed) []string {
	for i, t := range lx.toks {
		switch {
		case t.Kind == token.Word && len(t.Text) > 1 && lx.at[i].inNegation:
			dst = append(dst, NegatedPrefix+Feature(lx.code, t.Text))
		case t.Kind == token.Word && len(t.Text) > 1:
			dst = append(dst, Feature(lx.code, t.Text))
		case t.Kind == token.Emoji || t.Kind == token.Emoticon:
			dst = append(dst, t.Text)
		}
	}
	return dst
}

// ruleFeatures appends the label models' features of one brand beside the
// words: the touchpoint, source and language, the rating's stars, the
// stages the cues point to, and ruleRepeat times each the rules' stage,
// sentiment and score band. labelEvidence and predict read the same keys.
func ruleFeatures(dst []string, rv ruleView, touchpoint, source, code string, rating *float64) []string {
	dst = append(dst, "tp:"+touchpoint, "src:"+source, "lang:"+code)
	if rating != nil {
		dst = append(dst, ratingKeys[ratingStars(*rating)])
	}
	for s := range stageCount {
		if rv.cues[s] >= minStageEvidence {
			dst = append(dst, cueKeys[s])
		}
	}
	for b := range signalCount {
		if rv.signals&(1<<b) != 0 {
			dst = append(dst, signalKeys[b])
		}
	}
	for range ruleRepeat {
		dst = append(dst, ruleKeys[rv.stage], sentimentKeys[rv.sentiment], scoreKeys[scoreBand(rv.score)])
	}
	if rv.post != nil {
		dst = append(dst, multiKey, postRuleKeys[rv.post.stage], postSentimentKeys[rv.post.sentiment])
	}
	for b := range roleCount {
		if rv.roles&(1<<b) != 0 {
			dst = append(dst, roleKeys[b])
		}
	}
	return dst
}

// postWordPrefix marks the post's words among a brand's features when the
// brand is one of several read from its own clauses: what the rest of the
// post says still bears on it ("X oli myöhässä, tilaan Y:ltä").
const postWordPrefix = "post:"

// postKeys are the word features as a brand of several reads the post's.
func postKeys(words []string) []string {
	keys := make([]string, len(words))
	for i, w := range words {
		keys[i] = postWordPrefix + w
	}
	return keys
}

// ratingStars is a rating as whole stars 1–5 (a 0–10 scale halved).
func ratingStars(r float64) int {
	if r > 5 {
		r /= 2
	}
	return min(5, max(1, int(math.Round(r))))
}

// scoreBands are the upper ends of the sentiment score's bands.
var scoreBands = [...]float64{-0.6, -0.3, -0.1, 0.1, 0.3, 0.6}

func scoreBand(s float64) int {
	for i, b := range scoreBands {
		if s < b {
			return i
		}
	}
	return len(scoreBands)
}

// The features' keys, built once.
var (
	ruleKeys      = keyMap("rule:", mention.JourneyStages)
	sentimentKeys = keyMap("srule:", sentimentClasses[:])
	// A brand of several read from its own clauses: multiKey, and the
	// rules' labels of the whole post.
	multiKey          = "multi"
	postRuleKeys      = keyMap("prule:", mention.JourneyStages)
	postSentimentKeys = keyMap("psrule:", sentimentClasses[:])
	cueKeys           = keyList("cue:", mention.JourneyStages)
	scoreKeys         = keyList("sscore:", []string{"0", "1", "2", "3", "4", "5", "6"})
	ratingKeys        = keyList("stars:", []string{"0", "1", "2", "3", "4", "5"})
	roleKeys          = keyList("role:", []string{"left", "chosen", "planned", "compared", "unlike", "carried", "everywhere", "nowords", "from-case", "to-case"})
	signalKeys        = keyList("sig:", []string{"positive", "negative", "negation", "contrast", "question", "exclaim",
		"sarcasm", "thanks", "complaint", "deal", "learned+", "learned-", "ends+", "ends-"})
)

func keyMap(prefix string, names []string) map[string]string {
	m := map[string]string{}
	for _, n := range names {
		m[n] = prefix + n
	}
	return m
}

func keyList(prefix string, names []string) []string {
	l := make([]string, len(names))
	for i, n := range names {
		l[i] = prefix + n
	}
	return l
}

// roles are how a post naming several brands names one of them: the
// rules' constructions (switching, comparison) and whether a Finnish case
// names it as the place left or gone to ("Roudasta", "Signaaliin").
type roles uint16

const (
	roleLeft roles = 1 << iota
	roleChosen
	rolePlanned
	roleCompared
	roleUnlike
	roleCarried
	roleEverywhere
	roleNoWords
	roleFromCase
	roleToCase
	roleCount = iota
)

// labelEvidence is a sum of feature weights for every class, and the
// number of features summed.
type labelEvidence struct {
	sum [labelCount]float64
	n   int
}

// wordEvidence sums the weights of the post's words for every class:
// wordFeatures' keys, their rows looked up with the post's words
// (lexTokens). It is computed once a mention, since the words are the
// same for each brand.
func (lx *lexed) wordEvidence() labelEvidence { return lx.evidence(false) }

// postWordEvidence sums the weights of the post's words as a brand of
// several reads them (postWordPrefix): wordFeatures' keys with the
// prefix, their rows looked up with the post's words.
func (lx *lexed) postWordEvidence() labelEvidence { return lx.evidence(true) }

func (lx *lexed) evidence(post bool) labelEvidence {
	var ev labelEvidence
	for i, t := range lx.toks {
		switch {
		case t.Kind == token.Word && len(t.Text) > 1 && lx.at[i].inNegation:
			// Rare: looked up here rather than with every word.
			key := NegatedPrefix + Feature(lx.code, t.Text)
			if post {
				key = postWordPrefix + key
			}
			ev.add(lx.labels, key, 1)
		case (t.Kind == token.Word && len(t.Text) > 1) || t.Kind == token.Emoji || t.Kind == token.Emoticon:
			ev.n++
			row := lx.at[i].labelRow
			if post {
				row = lx.at[i].postRow
			}
			if row > 0 {
				w := &lx.labels.rows[row-1]
				for s := range w {
					ev.sum[s] += float64(w[s])
				}
			}
		}
	}
	return ev
}

// plus is the evidence of both.
func (ev labelEvidence) plus(o labelEvidence) labelEvidence {
	for s := range ev.sum {
		ev.sum[s] += o.sum[s]
	}
	ev.n += o.n
	return ev
}

func (ev *labelEvidence) add(lm *labelModel, key string, times int) {
	ev.n += times
	if row, ok := lm.words.Get(key); ok {
		w := &lm.rows[row]
		for s := range w {
			ev.sum[s] += float64(times) * float64(w[s])
		}
	}
}

// withRules adds ruleFeatures' keys to the words' evidence, without
// building the list.
func (lm *labelModel) withRules(ev labelEvidence, rv ruleView, touchpoint, source, code string, rating *float64) labelEvidence {
	ev.add(lm, "tp:"+touchpoint, 1)
	ev.add(lm, "src:"+source, 1)
	ev.add(lm, "lang:"+code, 1)
	if rating != nil {
		ev.add(lm, ratingKeys[ratingStars(*rating)], 1)
	}
	for s := range stageCount {
		if rv.cues[s] >= minStageEvidence {
			ev.add(lm, cueKeys[s], 1)
		}
	}
	for b := range signalCount {
		if rv.signals&(1<<b) != 0 {
			ev.add(lm, signalKeys[b], 1)
		}
	}
	ev.add(lm, ruleKeys[rv.stage], ruleRepeat)
	ev.add(lm, sentimentKeys[rv.sentiment], ruleRepeat)
	ev.add(lm, scoreKeys[scoreBand(rv.score)], ruleRepeat)
	if rv.post != nil {
		ev.add(lm, multiKey, 1)
		ev.add(lm, postRuleKeys[rv.post.stage], 1)
		ev.add(lm, postSentimentKeys[rv.post.sentiment], 1)
	}
	for b := range roleCount {
		if rv.roles&(1<<b) != 0 {
			ev.add(lm, roleKeys[b], 1)
		}
	}
	return ev
}

// logOdds are each class's log-odds: the bias plus the features' weights
// over √features.
func (lm *labelModel) logOdds(ev labelEvidence) [labelCount]float64 {
	scale := 1 / math.Sqrt(float64(max(ev.n, 1)))
	var z [labelCount]float64
	for s := range z {
		z[s] = float64(lm.bias[s]) + ev.sum[s]*scale
	}
	return z
}

// stage is the stage scored highest, and its log-odds.
func stageOf(z *[labelCount]float64) (string, float64) {
	best := 0
	for s := 1; s < stageCount; s++ {
		if z[s] > z[best] {
			best = s
		}
	}
	return mention.JourneyStages[best], z[best]
}

// sentimentOfModel is the sentiment scored highest and a score in -1…1
// that agrees with it: the positive class's share of the three classes'
// probabilities less the negative's, at least neutralBand from 0 for a
// polar label and within it for a neutral one.
func sentimentOfModel(z *[labelCount]float64) (string, float64) {
	var p [sentimentCount]float64
	best, total := 0, 0.0
	for c := range p {
		p[c] = 1 / (1 + math.Exp(-z[stageCount+c]))
		total += p[c]
		if p[c] > p[best] {
			best = c
		}
	}
	s := (p[2] - p[0]) / total
	switch sentimentClasses[best] {
	case mention.Positive:
		s = math.Max(s, neutralBand)
	case mention.Negative:
		s = math.Min(s, -neutralBand)
	default:
		s = math.Max(-neutralBand, math.Min(neutralBand, s))
	}
	return sentimentClasses[best], round3(s)
}

// readLabelModel parses data/labels_learned.tsv: "@bias" and then feature
// rows, each with one weight per stage in mention.JourneyStages order and
// one per sentiment in sentimentClasses order.
func readLabelModel(r io.Reader) (*labelModel, error) {
	lm := &labelModel{}
	words := map[string]uint32{}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != labelCount+1 {
			return nil, fmt.Errorf("line %d: want a feature and %d weights", n, labelCount)
		}
		var w labelWeights
		for s := range w {
			v, err := strconv.ParseFloat(f[s+1], 32)
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", n, err)
			}
			w[s] = float32(v)
		}
		if f[0] == "@bias" {
			lm.bias = w
			continue
		}
		words[f[0]] = uint32(len(lm.rows))
		lm.rows = append(lm.rows, w)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	lm.words = strtab.New(words)
	return lm, nil
}
