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

// The journey-stage model: one-vs-rest logistic regressions, one per
// stage, over the post's words (Feature keys), the stage the cue rules
// chose for the brand, the touchpoint and the source
// (data/stages_learned.tsv, learned from the development set's dev split
// by cmd/stagetrain). Single cue words cannot tell a post's main point —
// "ostettu lippu ei näkynyt ovella" names a purchase but is about using
// the ticket — and the model learns which words and which rule outputs
// to trust.

// stageCount is the number of journey stages (mention.JourneyStages).
const stageCount = 9

// stageWeights are a feature's weight for each stage.
type stageWeights [stageCount]float32

// stageModel is the learned journey-stage model.
type stageModel struct {
	bias stageWeights
	// words maps a feature to its row in rows: a small value keeps the
	// table's slots, and so the cache misses of the lookups, small.
	words *strtab.Map[uint32]
	rows  []stageWeights
}

// ruleRepeat is how many times the rule's stage counts as a feature: the
// trainer weighs it as three words, so that a post's many words do not
// drown it (cmd/stagetrain uses the same).
const ruleRepeat = 3

// StageFeatures appends the stage model's features of a post, as its
// training sees them: its words' Feature keys, the touchpoint, the source
// and (ruleRepeat times) the rules' stage. stageEvidence and predict read
// the same keys without building them (TestStageFeaturesMatchPrediction).
func StageFeatures(dst []string, toks []token.Token, code, touchpoint, source, ruleStage string) []string {
	for _, t := range toks {
		if t.Kind == token.Word && len(t.Text) > 1 {
			dst = append(dst, Feature(code, t.Text))
		}
	}
	dst = append(dst, "tp:"+touchpoint, "src:"+source)
	for range ruleRepeat {
		dst = append(dst, ruleKeys[ruleStage])
	}
	return dst
}

// stageWords are a post's word evidence for every stage: computed once a
// mention, since the words are the same for each brand's prediction.
type stageWords struct {
	sum [stageCount]float64
	n   int // features counted
}

// stageEvidence sums the weights of the post's features but the rules'
// stage for every stage: StageFeatures' keys, the words' rows looked up
// with the post's words (lexTokens).
func (lx *lexed) stageEvidence(touchpoint, source string) stageWords {
	var sw stageWords
	for i, t := range lx.toks {
		if t.Kind == token.Word && len(t.Text) > 1 {
			sw.n++
			if row := lx.at[i].stageRow; row > 0 {
				w := &lx.stages.rows[row-1]
				for s := range w {
					sw.sum[s] += float64(w[s])
				}
			}
		}
	}
	sw.add(lx.stages, "tp:"+touchpoint, 1)
	sw.add(lx.stages, "src:"+source, 1)
	return sw
}

func (sw *stageWords) add(sm *stageModel, key string, times int) {
	sw.n += times
	if row, ok := sm.words.Get(key); ok {
		w := &sm.rows[row]
		for s := range w {
			sw.sum[s] += float64(times) * float64(w[s])
		}
	}
}

// predict returns the stage whose model scores the post highest given the
// rules' stage, and its log-odds.
func (sm *stageModel) predict(sw stageWords, ruleStage string) (string, float64) {
	sw.add(sm, ruleKeys[ruleStage], ruleRepeat)
	scale := 1 / math.Sqrt(float64(max(sw.n, 1)))
	best, bestZ := 0, math.Inf(-1)
	for s := range sw.sum {
		if z := float64(sm.bias[s]) + sw.sum[s]*scale; z > bestZ {
			best, bestZ = s, z
		}
	}
	return mention.JourneyStages[best], bestZ
}

// ruleKeys are the features of the rules' stages, built once.
var ruleKeys = func() map[string]string {
	rule := map[string]string{}
	for _, s := range mention.JourneyStages {
		rule[s] = "rule:" + s
	}
	return rule
}()

// readStageModel parses data/stages_learned.tsv: "@bias" and then
// feature rows, each with one weight per stage in mention.JourneyStages
// order.
func readStageModel(r io.Reader) (*stageModel, error) {
	sm := &stageModel{}
	words := map[string]uint32{}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != stageCount+1 {
			return nil, fmt.Errorf("line %d: want a feature and %d weights", n, stageCount)
		}
		var w stageWeights
		for s := range w {
			v, err := strconv.ParseFloat(f[s+1], 32)
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", n, err)
			}
			w[s] = float32(v)
		}
		if f[0] == "@bias" {
			sm.bias = w
			continue
		}
		words[f[0]] = uint32(len(sm.rows))
		sm.rows = append(sm.rows, w)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	sm.words = strtab.New(words)
	return sm, nil
}
