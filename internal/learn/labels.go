package learn

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/ewom/ewom/internal/classify"
	"github.com/ewom/ewom/internal/classify/train"
	"github.com/ewom/ewom/internal/config"
	"github.com/ewom/ewom/internal/mention"
	"github.com/ewom/ewom/internal/store"
)

// The label models (journey stage and per-brand sentiment, every
// language) are fine-tuned from the label corrections alone: a rating
// says nothing of a stage.
const (
	MinLabelExamples = 50 // mention × brand corrections
	// maxLabelRows bounds the label rows a model changes (the largest
	// changes are kept): with maxDeltaRows word rows the text stays under
	// maxModelBytes.
	maxLabelRows = 1000
	// labelUpdates: the shipped label models' 15 epochs over 9,022
	// mention × brand labels (labels_learned.tsv); a deployment's few
	// hundred get as many updates, within minEpochs..maxEpochs.
	labelUpdates = 15 * 9022
)

// LabelRule states the label models' activation rule for people.
var LabelRule = fmt.Sprintf("activate the stage models when their cross-validated accuracy gain over the shipped classifier"+
	" exceeds %d standard errors of the per-fold differences, and the sentiment models likewise; a part that does not stays the shipped one", RuleStdErrs)

// LabelExample is one corrected mention × brand the label models learn
// from: what the classifier's rules say of it, and the corrected labels.
type LabelExample struct {
	MentionID, Brand string
	Mention          mention.Mention
	Lang             string // the classifier's, from the lang: feature
	train.LabelDoc
}

// LabelCounts say what the label corrections held and what was used.
type LabelCounts struct {
	Corrections int            `json:"corrections"` // mention × brand corrections used
	ByStage     map[string]int `json:"by_stage"`
	ByLang      map[string]int `json:"by_lang"`
	// Left out: rows whose text is gone or labels unknown, and rows of
	// mentions that name no configured brand (the label models do not
	// apply to them).
	NoText  int `json:"no_text"`
	NoBrand int `json:"no_brand"`
}

// LabelMetrics are what the label part of a run measured.
type LabelMetrics struct {
	Counts           LabelCounts `json:"counts"`
	Folds            int         `json:"folds"`
	ShippedStage     Scores      `json:"shipped_stage"`
	LearnedStage     Scores      `json:"learned_stage"`
	ShippedSentiment Scores      `json:"shipped_sentiment"`
	LearnedSentiment Scores      `json:"learned_sentiment"`
	// Mean per-fold accuracy differences (learned - shipped) and their
	// standard errors.
	StageGain       float64 `json:"stage_gain"`
	StageStdErr     float64 `json:"stage_std_err"`
	SentimentGain   float64 `json:"sentiment_gain"`
	SentimentStdErr float64 `json:"sentiment_std_err"`
}

// LoadLabels reads the newest journey-stage and sentiment correction of
// every mention × brand, with the rules' view of that brand in the stored
// mention's text as c (the shipped classifier with the deployment's
// brands) reads it.
func LoadLabels(ctx context.Context, s store.Store, c *classify.Classifier) ([]LabelExample, LabelCounts, error) {
	counts := LabelCounts{ByStage: map[string]int{}, ByLang: map[string]int{}}
	rows, err := s.Query(ctx, "SELECT mention_id AS id, brand, c_stage AS stage, c_sentiment AS sentiment, m_raw AS text FROM"+
		" (SELECT * FROM (SELECT mention_id, brand, argMax(new_journey_stage, version) AS c_stage, argMax(new_sentiment, version)"+
		" AS c_sentiment FROM "+s.Table("label_corrections")+" GROUP BY mention_id, brand) AS c ANY LEFT JOIN (SELECT mention_id,"+
		" argMax(raw, version) AS m_raw FROM "+s.Table("mentions")+" WHERE mention_id IN (SELECT mention_id FROM "+
		s.Table("label_corrections")+") GROUP BY mention_id) AS m USING (mention_id)) ORDER BY id, brand")
	if err != nil {
		return nil, counts, fmt.Errorf("read label corrections: %w", err)
	}
	var out []LabelExample
	for _, raw := range rows {
		var r struct{ ID, Brand, Stage, Sentiment, Text string }
		if err := json.Unmarshal(raw, &r); err != nil {
			return nil, counts, fmt.Errorf("read label corrections: %w", err)
		}
		m, err := mention.Parse([]byte(r.Text))
		if err != nil || m.Title+m.Text == "" || !slices.Contains(mention.JourneyStages, r.Stage) ||
			!slices.Contains([]string{mention.Positive, mention.Neutral, mention.Negative}, r.Sentiment) {
			counts.NoText++
			continue
		}
		post, byBrand := c.LabelExamples(&m)
		ex, ok := byBrand[r.Brand]
		if !ok {
			ex = post // a brand the rules no longer find: the post's view, as labeltrain does
		}
		if ex.NoBrand {
			counts.NoBrand++
			continue
		}
		le := LabelExample{MentionID: r.ID, Brand: r.Brand, Mention: m,
			LabelDoc: train.LabelDoc{LabelExample: ex, GoldStage: r.Stage, GoldSentiment: r.Sentiment}}
		for _, f := range ex.Features {
			if code, ok := strings.CutPrefix(f, "lang:"); ok {
				le.Lang = code
			}
		}
		counts.Corrections++
		counts.ByStage[r.Stage]++
		counts.ByLang[le.Lang]++
		out = append(out, le)
	}
	return out, counts, nil
}

// labelLearner fine-tunes the shipped label models.
type labelLearner struct {
	base      *classify.Classifier // the shipped classifier with the deployment's brands
	prior     train.LabelModels
	priorRows map[string][]float64
	hyper     train.Hyper
}

func newLabelLearner(base *classify.Classifier, h train.Hyper) *labelLearner {
	prior := train.ClassifierLabelModels(base)
	_, rows := prior.Rows()
	return &labelLearner{base: base, prior: prior, priorRows: rows, hyper: h}
}

// labelParts are the parts of the label models a deployment model
// replaces: the stage models, the sentiment models, or both.
type labelParts struct{ stage, sentiment bool }

var allLabelParts = labelParts{stage: true, sentiment: true}

// fit fine-tunes the label models of the parts on the examples (the
// others stay the shipped ones: each class's model is separate) and
// returns the deployment model's @labels section: the bias, and the rows
// that differ from the shipped ones.
func (l *labelLearner) fit(exs []LabelExample, parts labelParts) string {
	docs := make([]train.LabelDoc, len(exs))
	for i, ex := range exs {
		docs[i] = ex.LabelDoc
	}
	h := l.hyper
	if h.Epochs == 0 {
		h.Epochs = min(maxEpochs, max(minEpochs, labelUpdates/len(docs)))
	}
	models := train.TrainLabels(docs, h, l.prior)
	for ci := range models {
		if stage := ci < classify.StageClasses; (stage && !parts.stage) || (!stage && !parts.sentiment) {
			models[ci] = l.prior[ci]
		}
	}
	// A feature's row: its trained weights, and the shipped ones of the
	// classes that did not train it (the sentiment classes leave src: out).
	rows := map[string][]float64{}
	for ci, m := range models {
		for f, v := range m.Words {
			if rows[f] == nil {
				rows[f] = slices.Clone(l.priorRows[f])
				if rows[f] == nil {
					rows[f] = make([]float64, len(models))
				}
			}
			rows[f][ci] = train.Round(v)
		}
	}
	bias := make([]float64, len(models))
	for ci, m := range models {
		bias[ci] = train.Round(m.Bias)
	}
	maps.DeleteFunc(rows, func(f string, r []float64) bool {
		prior := l.priorRows[f]
		if prior == nil {
			return !slices.ContainsFunc(r, func(v float64) bool { return v != 0 })
		}
		return slices.Equal(r, prior)
	})
	change := func(f string) float64 {
		var sum float64
		for ci, v := range rows[f] {
			if p := l.priorRows[f]; p != nil {
				v -= p[ci]
			}
			sum += math.Abs(v)
		}
		return sum
	}
	keys := slices.Collect(maps.Keys(rows))
	slices.SortFunc(keys, func(a, b string) int { return cmp.Or(cmp.Compare(change(b), change(a)), strings.Compare(a, b)) })
	keys = keys[:min(len(keys), maxLabelRows)]
	slices.Sort(keys)
	var sb strings.Builder
	sb.WriteString(classify.LabelsSection + "\n")
	train.WriteLabelRow(&sb, "@bias", bias)
	for _, f := range keys {
		train.WriteLabelRow(&sb, f, rows[f])
	}
	return sb.String()
}

// labelFolds assigns each example to one of k folds by mention, so a
// mention's brands share a fold: mentions ordered by their first
// example's stage and a hash of their id, then dealt out in turn.
func labelFolds(exs []LabelExample, k int) []int {
	type group struct {
		id, stage string
		hash      uint64
	}
	var groups []group
	seen := map[string]bool{}
	for _, ex := range exs {
		if seen[ex.MentionID] {
			continue
		}
		seen[ex.MentionID] = true
		h := fnv.New64a()
		h.Write([]byte(ex.MentionID))
		groups = append(groups, group{ex.MentionID, ex.GoldStage, h.Sum64()})
	}
	slices.SortFunc(groups, func(a, b group) int {
		return cmp.Or(strings.Compare(a.stage, b.stage), cmp.Compare(a.hash, b.hash), strings.Compare(a.id, b.id))
	})
	byID := map[string]int{}
	for n, g := range groups {
		byID[g.id] = n % k
	}
	fold := make([]int, len(exs))
	for i, ex := range exs {
		fold[i] = byID[ex.MentionID]
	}
	return fold
}

// labelsOf returns the stage and sentiment a classifier gives the brand
// of an example (the post's when the brand is not found).
func labelsOf(c *classify.Classifier, ex *LabelExample) (stage, sentiment string) {
	m := ex.Mention
	cl := c.Classify(&m)
	for _, b := range cl.BrandLabels {
		if b.Brand == ex.Brand {
			return b.JourneyStage, b.Sentiment
		}
	}
	return cl.JourneyStage, cl.Sentiment
}

// learnLabels cross-validates label models fine-tuned on the examples
// against the shipped classifier and, when the rule holds, returns the
// @labels section learned on all of them ("" otherwise) and why.
func learnLabels(ctx context.Context, l *labelLearner, exs []LabelExample, k int, brands []config.Brand) (LabelMetrics, string, string, error) {
	var lm LabelMetrics
	lm.Folds = k
	fold := labelFolds(exs, k)
	stage, sentiment := make([]string, len(exs)), make([]string, len(exs))
	for f := range k {
		if err := ctx.Err(); err != nil {
			return lm, "", "", err
		}
		var trainSet []LabelExample
		for i, ex := range exs {
			if fold[i] != f {
				trainSet = append(trainSet, ex)
			}
		}
		c, err := classify.New(brands, classify.WithDeploymentModel(l.fit(trainSet, allLabelParts)))
		if err != nil {
			return lm, "", "", fmt.Errorf("label fold %d: %w", f, err)
		}
		for i := range exs {
			if fold[i] == f {
				stage[i], sentiment[i] = labelsOf(c, &exs[i])
			}
		}
	}
	baseStage, baseSentiment := make([]string, len(exs)), make([]string, len(exs))
	for i := range exs {
		baseStage[i], baseSentiment[i] = labelsOf(l.base, &exs[i])
	}
	goldStage, goldSentiment, langs := make([]string, len(exs)), make([]string, len(exs)), make([]string, len(exs))
	for i, ex := range exs {
		goldStage[i], goldSentiment[i], langs[i] = ex.GoldStage, ex.GoldSentiment, ex.Lang
	}
	lm.ShippedStage, lm.LearnedStage = labelScores(goldStage, baseStage, fold, langs, k), labelScores(goldStage, stage, fold, langs, k)
	lm.ShippedSentiment = labelScores(goldSentiment, baseSentiment, fold, langs, k)
	lm.LearnedSentiment = labelScores(goldSentiment, sentiment, fold, langs, k)
	lm.StageGain, lm.StageStdErr = pairedGain(lm.LearnedStage.FoldAccuracy, lm.ShippedStage.FoldAccuracy)
	lm.SentimentGain, lm.SentimentStdErr = pairedGain(lm.LearnedSentiment.FoldAccuracy, lm.ShippedSentiment.FoldAccuracy)
	stageWins := lm.StageGain > 0 && lm.StageGain > RuleStdErrs*lm.StageStdErr
	sentimentWins := lm.SentimentGain > 0 && lm.SentimentGain > RuleStdErrs*lm.SentimentStdErr
	gains := fmt.Sprintf("stage gain %+.3f (%d standard errors: %.3f), sentiment gain %+.3f (%.3f)",
		lm.StageGain, RuleStdErrs, RuleStdErrs*lm.StageStdErr, lm.SentimentGain, RuleStdErrs*lm.SentimentStdErr)
	switch {
	case stageWins && sentimentWins:
		return lm, l.fit(exs, allLabelParts), gains + ": the rule holds for both", nil
	case stageWins:
		return lm, l.fit(exs, labelParts{stage: true}), gains + ": the rule holds for the stage models; the sentiment models stay the shipped ones", nil
	case sentimentWins:
		return lm, l.fit(exs, labelParts{sentiment: true}), gains + ": the rule holds for the sentiment models; the stage models stay the shipped ones", nil
	default:
		return lm, "", gains + ": neither gain is above its standard errors", nil
	}
}

// labelScores measure predicted labels of any classes against the gold
// ones: macro-F1 over the gold classes present.
func labelScores(gold, pred []string, fold []int, langs []string, k int) Scores {
	s := Scores{Recall: map[string]float64{}, ByLang: map[string]float64{}, FoldAccuracy: make([]float64, k)}
	goldN, predN, right := map[string]int{}, map[string]int{}, map[string]int{}
	foldN, foldRight := make([]int, k), make([]int, k)
	langN, langRight := map[string]int{}, map[string]int{}
	total := 0
	for i := range gold {
		ok := gold[i] == pred[i]
		goldN[gold[i]]++
		predN[pred[i]]++
		foldN[fold[i]]++
		langN[langs[i]]++
		if ok {
			total++
			right[gold[i]]++
			foldRight[fold[i]]++
			langRight[langs[i]]++
		}
	}
	if len(gold) > 0 {
		s.Accuracy = float64(total) / float64(len(gold))
	}
	for class, n := range goldN {
		r := float64(right[class]) / float64(n)
		s.Recall[class] = r
		if p := float64(right[class]) / float64(max(predN[class], 1)); p+r > 0 {
			s.MacroF1 += 2 * p * r / (p + r) / float64(len(goldN))
		}
	}
	for f := range k {
		if foldN[f] > 0 {
			s.FoldAccuracy[f] = float64(foldRight[f]) / float64(foldN[f])
		}
	}
	for code, n := range langN {
		s.ByLang[code] = float64(langRight[code]) / float64(n)
	}
	return s
}

// writeLabels prints the label part of a run for people.
func (r *Result) writeLabels(w io.Writer) {
	l := r.Labels
	if l == nil {
		return
	}
	c := l.Counts
	fmt.Fprintf(w, "label models (journey stage and per-brand sentiment, every language): %d mention × brand corrections\n", c.Corrections)
	fmt.Fprintf(w, "  by stage: %s; by language: %s\n", counted(c.ByStage), counted(c.ByLang))
	fmt.Fprintf(w, "  left out: %d without readable text or known labels, %d of mentions naming no configured brand\n", c.NoText, c.NoBrand)
	if l.Folds > 0 {
		fmt.Fprintf(w, "%d-fold cross-validation by mention, each fold scored by the full classifier with label models learned on the other folds:\n", l.Folds)
		stages := slices.Sorted(maps.Keys(c.ByStage))
		fmt.Fprintf(w, "  %-9s %-9s %8s %8s   %s\n", "", "", "accuracy", "macro-F1", "recall by class; accuracy by language")
		for _, row := range []struct {
			name, part string
			s          Scores
			classes    []string
		}{
			{"shipped", "stage", l.ShippedStage, stages}, {"learned", "stage", l.LearnedStage, stages},
			{"shipped", "sentiment", l.ShippedSentiment, []string{mention.Positive, mention.Neutral, mention.Negative}},
			{"learned", "sentiment", l.LearnedSentiment, []string{mention.Positive, mention.Neutral, mention.Negative}},
		} {
			var recalls []string
			for _, class := range row.classes {
				recalls = append(recalls, class+" "+recall(row.s, class))
			}
			fmt.Fprintf(w, "  %-9s %-9s %8.3f %8.3f   %s; %s\n", row.name, row.part, row.s.Accuracy, row.s.MacroF1,
				strings.Join(recalls, ", "), rates(row.s.ByLang))
		}
		fmt.Fprintf(w, "  accuracy gain per fold: stage %+.3f ± %.3f, sentiment %+.3f ± %.3f (standard errors)\n",
			l.StageGain, l.StageStdErr, l.SentimentGain, l.SentimentStdErr)
	}
	fmt.Fprintf(w, "rule: %s\n", LabelRule)
	verdict := "not better"
	if r.LabelsBetter {
		verdict = "better"
	}
	fmt.Fprintf(w, "%s: %s\n", verdict, r.LabelsReason)
}
