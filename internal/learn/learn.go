package learn

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ewom/ewom/internal/classify"
	"github.com/ewom/ewom/internal/classify/eval"
	"github.com/ewom/ewom/internal/classify/train"
	"github.com/ewom/ewom/internal/config"
	"github.com/ewom/ewom/internal/mention"
	"github.com/ewom/ewom/internal/store"
)

// The least data worth learning from, and the activation rule.
const (
	MinExamples    = 50 // usable examples in all
	MinPerPolarity = 10 // of each of positive and negative
	// RuleStdErrs: a model is activated when its cross-validated accuracy
	// beats the shipped classifier's by more than this many standard
	// errors of the per-fold differences, and its macro-F1 is not lower.
	RuleStdErrs = 2
	// maxDeltaRows bounds the rows a model changes (the largest changes
	// are kept), so that its text stays well under maxModelBytes.
	maxDeltaRows = 5000
	innerFolds   = 5
	// Epochs by default: about as many updates as the shipped models' 15
	// epochs over 7,022 lines, within 15..100 epochs.
	shippedUpdates       = 15 * 7022
	minEpochs, maxEpochs = 15, 100
)

// Rule states the activation rule for people.
var Rule = fmt.Sprintf("activate when the cross-validated accuracy gain over the shipped classifier exceeds %d standard errors"+
	" of the per-fold differences and macro-F1 is not lower", RuleStdErrs)

// ErrTooFew is returned when the store holds too few examples to learn from.
var ErrTooFew = errors.New("too few examples to learn from")

// Options tune a learning run; the zero value is the default.
type Options struct {
	Folds int // cross-validation folds; 0: 10
	// Hyper: L2 0 means 1e-3 (the shipped models'); Epochs 0 means as many
	// as give about the updates the shipped models had (15 epochs over
	// 7,022 XED lines), 15 to 100.
	Hyper train.Hyper
	// TrainLexicon lets the weight of the lexicon score move too; by
	// default it stays the shipped model's, so a deployment's examples
	// adjust words and the bias but cannot outvote the curated lexicons.
	TrainLexicon bool
	// SkipNeutral leaves neutral examples out of training (they still tune
	// the neutral band and count in the scores); by default a neutral
	// example trains toward log-odds 0.
	SkipNeutral bool
	// Brands are the deployment's brands: the label models label a
	// mention × brand, so they are learned and measured with them.
	Brands []config.Brand
}

func (o Options) withDefaults() Options {
	if o.Folds == 0 {
		o.Folds = 10
	}
	if o.Hyper.L2 == 0 {
		o.Hyper.L2 = 1e-3
	}
	return o
}

// Scores measure one classifier on the examples.
type Scores struct {
	Accuracy     float64            `json:"accuracy"`
	MacroF1      float64            `json:"macro_f1"`
	Recall       map[string]float64 `json:"recall"` // by label
	FoldAccuracy []float64          `json:"fold_accuracy"`
	ByLang       map[string]float64 `json:"accuracy_by_lang"`
}

// Metrics are what a learning run measured; they are stored with the model.
type Metrics struct {
	Counts  Counts `json:"counts"`
	Folds   int    `json:"folds"`
	Shipped Scores `json:"shipped"`
	Learned Scores `json:"learned"`
	// Gain is the mean per-fold accuracy difference (learned - shipped),
	// StdErr its standard error.
	Gain   float64 `json:"accuracy_gain"`
	StdErr float64 `json:"std_err"`
	// Gates are the final model's neutral band and word gate by language.
	Gates map[string]Gate `json:"gates"`
	// Labels are the label models' measures (nil: too few corrections).
	Labels *LabelMetrics `json:"labels,omitempty"`
}

// Gate is a language's neutral log-odds band and word-evidence gate.
type Gate struct {
	Neutral float64 `json:"neutral"`
	Alone   float64 `json:"alone"`
}

// Result is a learning run's outcome: the sentiment model's (Better) and
// the label models' (LabelsBetter), each activated on its own rule.
type Result struct {
	Metrics
	Better       bool   // the sentiment model's rule holds
	Reason       string // why (not)
	LabelsBetter bool   // the label models' rule holds
	LabelsReason string
	Model        Model  // the parts learned on all examples whose rule holds, when Activates
	Active       *Model // the model active before the run (nil: shipped)
	// Relabel: what Model would change in stored history, when Activates.
	Relabel *Relabel
}

// Activates reports whether any part of the model is better than the
// shipped classifier, so that Save stores it.
func (r *Result) Activates() bool { return r.Better || r.LabelsBetter }

// Learn reads the examples, cross-validates a sentiment model and label
// models learned from them against the shipped classifier and learns on
// all of them the parts that are better. It stores nothing: see Save.
func Learn(ctx context.Context, s store.Store, shipped *classify.Classifier, o Options) (*Result, error) {
	o = o.withDefaults()
	active, err := Active(ctx, s)
	if err != nil {
		return nil, err
	}
	var since time.Time
	if active != nil {
		since = active.CreatedAt
	}
	exs, counts, err := Load(ctx, s, shipped, since)
	if err != nil {
		return nil, err
	}
	branded, err := classify.New(o.Brands)
	if err != nil {
		return nil, err
	}
	labelExs, labelCounts, err := LoadLabels(ctx, s, branded)
	if err != nil {
		return nil, err
	}
	res := &Result{Active: active}
	res.Counts = counts
	res.Labels = &LabelMetrics{Counts: labelCounts}
	pos, neg := counts.ByLabel[mention.Positive], counts.ByLabel[mention.Negative]
	var tooFew []string
	if len(exs) < max(MinExamples, 2*o.Folds) || pos < MinPerPolarity || neg < MinPerPolarity {
		res.Reason = fmt.Sprintf("%d usable (%d positive, %d negative); at least %d are needed, with %d positive and %d negative",
			len(exs), pos, neg, max(MinExamples, 2*o.Folds), MinPerPolarity, MinPerPolarity)
		tooFew = append(tooFew, "sentiment model: "+res.Reason)
	}
	if len(labelExs) < max(MinLabelExamples, 2*o.Folds) {
		res.LabelsReason = fmt.Sprintf("%d mention × brand corrections usable; at least %d are needed", len(labelExs), max(MinLabelExamples, 2*o.Folds))
		tooFew = append(tooFew, "label models: "+res.LabelsReason)
	}
	if len(tooFew) == 2 {
		return res, fmt.Errorf("%w: %s", ErrTooFew, strings.Join(tooFew, "; "))
	}
	var text string
	if res.Reason == "" {
		if text, err = learnWords(ctx, res, shipped, exs, o); err != nil {
			return nil, err
		}
	}
	examples := 0
	if res.Better {
		examples = len(exs)
	}
	if res.LabelsReason == "" {
		// Corrections are the classifier's mistakes, not a sample of the
		// deployment's posts: the classes' biases stay the shipped ones,
		// or stages no one corrected would come to look rare.
		l := newLabelLearner(branded, train.Hyper{L2: o.Hyper.L2, Epochs: o.Hyper.Epochs, FixBias: true})
		labels, section, reason, err := learnLabels(ctx, l, labelExs, o.Folds, o.Brands)
		if err != nil {
			return nil, err
		}
		labels.Counts = labelCounts
		res.Labels, res.LabelsReason, res.LabelsBetter = &labels, reason, section != ""
		if res.LabelsBetter {
			if text == "" {
				text = modelHeader
			}
			text += section
			examples += len(labelExs)
		}
	}
	if !res.Activates() {
		return res, nil
	}
	res.Model = Model{Version: shipped.Version() + classify.DeploymentVersion(text), BaseVersion: shipped.Version(),
		Text: text, Metrics: res.Metrics, Examples: examples}
	tuned, err := classify.New(o.Brands, classify.WithDeploymentModel(text))
	if err != nil {
		return nil, err
	}
	relabel, err := preview(ctx, s, branded, tuned)
	if err != nil {
		return nil, err
	}
	res.Relabel = &relabel
	return res, nil
}

// learnWords cross-validates the sentiment model on the examples, sets
// res's word measures and rule, and when it holds returns the model's
// text learned on all of them ("" otherwise).
func learnWords(ctx context.Context, res *Result, shipped *classify.Classifier, exs []Example, o Options) (string, error) {
	l := &learner{shipped: shipped, o: o, priors: map[string]priorModel{}}
	for _, code := range classify.LearnedLanguages() {
		b, lx, words := shipped.LearnedWeights(code)
		p := train.Model{Bias: b, Lexicon: lx, Words: words}
		l.priors[code] = priorModel{model: p, rows: p.Rows()}
	}
	fold := folds(exs, o.Folds)
	learned := make([]string, len(exs))
	for k := range o.Folds {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		var trainSet, test []int
		for i := range exs {
			if fold[i] == k {
				test = append(test, i)
			} else {
				trainSet = append(trainSet, i)
			}
		}
		text, _ := l.fitTuned(pick(exs, trainSet))
		c, err := classify.New(nil, classify.WithDeploymentModel(text))
		if err != nil {
			return "", fmt.Errorf("fold %d: %w", k, err)
		}
		for _, i := range test {
			learned[i] = c.Classify(&exs[i].Mention).Sentiment
		}
	}
	base := make([]string, len(exs))
	for i := range exs {
		base[i] = shipped.Classify(&exs[i].Mention).Sentiment
	}
	res.Folds = o.Folds
	res.Shipped, res.Learned = score(exs, fold, o.Folds, base), score(exs, fold, o.Folds, learned)
	res.Gain, res.StdErr = pairedGain(res.Learned.FoldAccuracy, res.Shipped.FoldAccuracy)
	switch {
	case res.Gain <= 0 || res.Gain <= RuleStdErrs*res.StdErr:
		res.Reason = fmt.Sprintf("accuracy gain %+.3f is not above %d standard errors (%.3f)", res.Gain, RuleStdErrs, RuleStdErrs*res.StdErr)
	case res.Learned.MacroF1 < res.Shipped.MacroF1:
		res.Reason = fmt.Sprintf("macro-F1 %.3f is below the shipped classifier's %.3f", res.Learned.MacroF1, res.Shipped.MacroF1)
	default:
		res.Better = true
		res.Reason = fmt.Sprintf("accuracy gain %+.3f is above %d standard errors (%.3f) and macro-F1 is not lower",
			res.Gain, RuleStdErrs, RuleStdErrs*res.StdErr)
	}
	if !res.Better {
		return "", nil
	}
	all := make([]int, len(exs))
	for i := range all {
		all[i] = i
	}
	text, gates := l.fitTuned(pick(exs, all))
	res.Gates = gates
	return text, nil
}

// Save stores the learned model of a run whose rule held and activates it.
func Save(ctx context.Context, s store.Store, r *Result, by string, now time.Time) error {
	if !r.Activates() {
		return errors.New("learn: the model is not better than the shipped classifier; not saved")
	}
	r.Model.Metrics = r.Metrics
	return save(ctx, s, r.Model, by, now)
}

// folds assigns each example to a fold, stratified by label: examples are
// ordered by label and a hash of their mention id, then dealt out in turn.
func folds(exs []Example, k int) []int {
	order := make([]int, len(exs))
	hashes := make([]uint64, len(exs))
	for i := range exs {
		order[i] = i
		h := fnv.New64a()
		h.Write([]byte(exs[i].MentionID))
		hashes[i] = h.Sum64()
	}
	slices.SortFunc(order, func(a, b int) int {
		return cmp.Or(strings.Compare(exs[a].Label, exs[b].Label), cmp.Compare(hashes[a], hashes[b]))
	})
	fold := make([]int, len(exs))
	for n, i := range order {
		fold[i] = n % k
	}
	return fold
}

func pick(exs []Example, idx []int) []Example {
	out := make([]Example, len(idx))
	for n, i := range idx {
		out[n] = exs[i]
	}
	return out
}

// priorModel is a language's shipped model, the start of fine-tuning.
type priorModel struct {
	model train.Model
	rows  map[string][2]float64 // as written
}

type learner struct {
	shipped *classify.Classifier
	o       Options
	priors  map[string]priorModel
}

// section is a language's learned rows, before its gates are chosen.
type section struct {
	head string // @bias and @lexicon rows
	rows string
}

// fit fine-tunes each language's shipped model on the examples.
func (l *learner) fit(exs []Example) map[string]section {
	docs := map[string][]train.Doc{}
	classes := map[string]map[string]int{}
	for _, ex := range exs {
		if ex.Label == mention.Neutral && l.o.SkipNeutral {
			continue
		}
		if classes[ex.Lang] == nil {
			classes[ex.Lang] = map[string]int{}
		}
		classes[ex.Lang][ex.Label]++
	}
	for _, ex := range exs {
		n := classes[ex.Lang][ex.Label]
		if n == 0 {
			continue
		}
		y := map[string]float64{mention.Positive: 1, mention.Neutral: 0.5}[ex.Label]
		total := 0
		for _, c := range classes[ex.Lang] {
			total += c
		}
		// Each class weighs the same in all.
		w := float64(total) / float64(len(classes[ex.Lang])*n)
		docs[ex.Lang] = append(docs[ex.Lang], train.Doc{Feats: ex.Feats, Lex: ex.Lex, Y: y, Weight: w, Scale: ex.Scale})
	}
	out := map[string]section{}
	for code, ds := range docs {
		p, ok := l.priors[code]
		if !ok {
			continue
		}
		h := l.o.Hyper
		h.Prior, h.FixLexicon = &p.model, !l.o.TrainLexicon
		if h.Epochs == 0 {
			h.Epochs = min(maxEpochs, max(minEpochs, shippedUpdates/len(ds)))
		}
		m := train.Train(ds, h)
		delta := map[string][2]float64{}
		for f, v := range m.Words {
			key, negated := strings.CutPrefix(f, classify.NegatedPrefix)
			r, seen := delta[key]
			if !seen {
				r = p.rows[key]
			}
			if negated {
				r[1] = train.Round(v)
			} else {
				r[0] = train.Round(v)
			}
			delta[key] = r
		}
		maps.DeleteFunc(delta, func(k string, r [2]float64) bool { return r == p.rows[k] })
		if len(delta) > maxDeltaRows {
			change := func(k string) float64 {
				return math.Abs(delta[k][0]-p.rows[k][0]) + math.Abs(delta[k][1]-p.rows[k][1])
			}
			keys := slices.Collect(maps.Keys(delta))
			slices.SortFunc(keys, func(a, b string) int { return cmp.Or(cmp.Compare(change(b), change(a)), strings.Compare(a, b)) })
			for _, k := range keys[maxDeltaRows:] {
				delete(delta, k)
			}
		}
		var sb strings.Builder
		train.WriteRows(&sb, delta)
		out[code] = section{head: fmt.Sprintf("@bias\t%g\n@lexicon\t%g\n", train.Round(m.Bias), train.Round(m.Lexicon)), rows: sb.String()}
	}
	return out
}

// modelHeader starts a deployment model's text.
const modelHeader = "# ewom deployment model (ewom learn): rows replace the shipped learned model's\n"

// render writes a model's text with the gates of each language.
func render(secs map[string]section, gates map[string]Gate) string {
	var sb strings.Builder
	sb.WriteString(modelHeader)
	for _, code := range slices.Sorted(maps.Keys(secs)) {
		s := secs[code]
		fmt.Fprintf(&sb, "@lang\t%s\n%s", code, s.head)
		if g, ok := gates[code]; ok {
			fmt.Fprintf(&sb, "@neutral\t%g\n@alone\t%g\n", g.Neutral, g.Alone)
		}
		sb.WriteString(s.rows)
	}
	return sb.String()
}

// gateGrid are the gate candidates; a language's own shipped gates are
// tried first, so they win ties.
var gateGrid = func() []Gate {
	var out []Gate
	for _, n := range []float64{0.2, 0.35, 0.5, 0.75, 1, 1.5} {
		for _, a := range []float64{0, 0.2, 0.4, 0.7, 1} {
			out = append(out, Gate{n, a})
		}
	}
	return out
}()

// fitTuned fits a model on the examples with each language's gates chosen
// by an inner cross-validation on the same examples, and returns its text
// and gates.
func (l *learner) fitTuned(exs []Example) (string, map[string]Gate) {
	fold := folds(exs, innerFolds)
	langs := map[string]bool{}
	for _, ex := range exs {
		langs[ex.Lang] = true
	}
	cands := map[string][]Gate{}
	for code := range langs {
		n, a := l.shipped.Gates(code)
		own := Gate{n, a}
		cands[code] = append([]Gate{own}, slices.DeleteFunc(slices.Clone(gateGrid), func(g Gate) bool { return g == own })...)
	}
	// right[code][c]: inner held-out examples of a language labelled right
	// with candidate c of that language's list.
	right := map[string][]int{}
	for code := range langs {
		right[code] = make([]int, len(cands[code]))
	}
	for k := range innerFolds {
		var trainSet, test []Example
		for i, ex := range exs {
			if fold[i] == k {
				test = append(test, ex)
			} else {
				trainSet = append(trainSet, ex)
			}
		}
		secs := l.fit(trainSet)
		for c := range gateGrid {
			gates := map[string]Gate{}
			for code := range secs {
				gates[code] = cands[code][c]
			}
			cl, err := classify.New(nil, classify.WithDeploymentModel(render(secs, gates)))
			if err != nil {
				continue // cannot happen: the text is ours
			}
			for _, ex := range test {
				if _, ok := secs[ex.Lang]; ok && cl.Classify(&ex.Mention).Sentiment == ex.Label {
					right[ex.Lang][c]++
				}
			}
		}
	}
	gates := map[string]Gate{}
	for code, r := range right {
		best := 0
		for c := range r {
			if r[c] > r[best] {
				best = c
			}
		}
		gates[code] = cands[code][best]
	}
	secs := l.fit(exs)
	maps.DeleteFunc(gates, func(code string, _ Gate) bool { _, ok := secs[code]; return !ok })
	return render(secs, gates), gates
}

// score measures predictions against the examples' labels.
func score(exs []Example, fold []int, k int, pred []string) Scores {
	var all eval.Confusion
	per := make([]eval.Confusion, k)
	langs := map[string]*eval.Confusion{}
	for i, ex := range exs {
		gold, p := eval.Label(ex.Label), eval.Label(pred[i])
		all.Add(gold, p)
		per[fold[i]].Add(gold, p)
		if langs[ex.Lang] == nil {
			langs[ex.Lang] = &eval.Confusion{}
		}
		langs[ex.Lang].Add(gold, p)
	}
	s := Scores{Accuracy: all.Accuracy(), MacroF1: all.MacroF1(), Recall: map[string]float64{}, ByLang: map[string]float64{}}
	for i, label := range []string{mention.Positive, mention.Neutral, mention.Negative} { // eval.Labels' order
		if all.M[i][0]+all.M[i][1]+all.M[i][2] > 0 {
			_, r, _ := all.PrecisionRecallF1(i)
			s.Recall[label] = r
		}
	}
	for _, c := range per {
		s.FoldAccuracy = append(s.FoldAccuracy, c.Accuracy())
	}
	for code, c := range langs {
		s.ByLang[code] = c.Accuracy()
	}
	return s
}

// pairedGain is the mean of the per-fold differences a-b and its standard
// error.
func pairedGain(a, b []float64) (mean, se float64) {
	n := float64(len(a))
	for i := range a {
		mean += (a[i] - b[i]) / n
	}
	var ss float64
	for i := range a {
		d := a[i] - b[i] - mean
		ss += d * d
	}
	if n > 1 {
		se = math.Sqrt(ss/(n-1)) / math.Sqrt(n)
	}
	return mean, se
}

// Write prints the run's counts and comparison for people.
func (r *Result) Write(w io.Writer) {
	c := r.Counts
	fmt.Fprintf(w, "examples: %d label corrections (%d newer than the active model), %d rated reviews\n",
		c.Corrections, c.NewCorrections, c.Reviews)
	fmt.Fprintf(w, "  by label: %s; by language: %s\n", counted(c.ByLabel), counted(c.ByLang))
	fmt.Fprintf(w, "  left out: %d corrections whose brands disagree, %d without readable text, %d in languages without a learned model,"+
		" %d reviews whose text contradicts the rating\n", c.BrandsDisagree, c.NoText, c.OtherLang, c.Contradicted)
	if r.Folds == 0 {
		fmt.Fprintf(w, "sentiment model not learned: %s\n", r.Reason)
		r.writeRest(w)
		return
	}
	fmt.Fprintf(w, "%d-fold cross-validation, each fold scored by the full classifier with a model learned on the other folds:\n", r.Folds)
	fmt.Fprintf(w, "  %-9s %8s %8s %8s %8s %8s   %s\n", "", "accuracy", "macro-F1", "rec pos", "rec neu", "rec neg", "accuracy by language")
	for _, row := range []struct {
		name string
		s    Scores
	}{{"shipped", r.Shipped}, {"learned", r.Learned}} {
		fmt.Fprintf(w, "  %-9s %8.3f %8.3f %8s %8s %8s   %s\n", row.name, row.s.Accuracy, row.s.MacroF1,
			recall(row.s, mention.Positive), recall(row.s, mention.Neutral), recall(row.s, mention.Negative), rates(row.s.ByLang))
	}
	fmt.Fprintf(w, "  accuracy gain per fold: %+.3f ± %.3f (standard error)\n", r.Gain, r.StdErr)
	fmt.Fprintf(w, "rule: %s\n", Rule)
	if r.Better {
		fmt.Fprintf(w, "better: %s\n", r.Reason)
		for _, code := range slices.Sorted(maps.Keys(r.Gates)) {
			g := r.Gates[code]
			fmt.Fprintf(w, "  %s: neutral band %g, word gate %g (log-odds)\n", code, g.Neutral, g.Alone)
		}
	} else {
		fmt.Fprintf(w, "not better: %s\n", r.Reason)
	}
	r.writeRest(w)
}

// writeRest prints the label part of a run and what activating it would
// relabel.
func (r *Result) writeRest(w io.Writer) {
	r.writeLabels(w)
	if r.Relabel != nil {
		r.Relabel.write(w)
	}
}

func recall(s Scores, label string) string {
	if v, ok := s.Recall[label]; ok {
		return strconv.FormatFloat(v, 'f', 3, 64)
	}
	return "-"
}

func counted(m map[string]int) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	if parts == nil {
		return "none"
	}
	return strings.Join(parts, ", ")
}

func rates(m map[string]float64) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s %.3f", k, m[k]))
	}
	return strings.Join(parts, ", ")
}
