// Package train fits the classifier's learned sentiment model: an
// L2-regularised logistic regression over the features the rule walk sees
// (words or Finnish stems, negation-scoped words, the squashed lexicon
// score), trained by AdaGrad over shuffled examples with a fixed seed, so
// the same examples give the same model byte for byte. cmd/xedtrain learns
// the shipped models from XED with it; internal/learn fine-tunes a
// deployment's model from its label corrections. TrainLabels fits the label
// models (journey stage and sentiment, one-vs-rest) with it, for
// cmd/labeltrain and internal/learn.
package train

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"sort"
	"strings"

	"github.com/ewom/ewom/internal/classify"
)

// Training settings: features seen in fewer than MinDF examples are
// dropped, AdaGrad's step size, and the smallest weight kept in a written
// model.
const (
	MinDF     = 2
	stepSize  = 0.2
	MinWeight = 0.02
)

// Doc is one training example: its features (classify.SentimentFeatures),
// squashed lexicon score and target (1 positive, 0 negative; 0.5 pulls the
// log-odds of a neutral text toward 0).
type Doc struct {
	Feats []string
	Lex   float64
	Y     float64
	// Weight of the example; 0 gives the balanced class weight (each of
	// the two classes weighs half of the total).
	Weight float64
	// Scale multiplies the words' value 1/√words, as the classifier scales
	// a language's word weights; 0 means 1.
	Scale float64
}

// Hyper are the training hyper-parameters.
type Hyper struct {
	L2     float64 // per example, toward the prior's weights (or 0)
	Epochs int
	// Prior, when set, is the starting point and the centre of the L2
	// penalty (fine-tuning): features the examples never show keep the
	// prior's weights.
	Prior *Model
	// FixLexicon keeps the lexicon score's weight at the prior's (a
	// deployment's few examples must not outvote the curated lexicons).
	FixLexicon bool
	// FixBias keeps the bias at the prior's: examples that are not a
	// sample of the posts (label corrections, the classifier's mistakes)
	// must not teach how common each class is.
	FixBias bool
	// MinDF overrides the package's MinDF when above 0. Left-out features
	// still count in an example's 1/√words.
	MinDF int
	// Exclude, when set, leaves out the features it reports (weight 0;
	// they still count in 1/√words).
	Exclude func(feature string) bool
}

// Model is a trained logistic regression.
type Model struct {
	Bias, Lexicon float64
	Words         map[string]float64 // classify.NegatedPrefix marks negated features
}

// Train fits the model by AdaGrad over shuffled examples. Features seen in
// fewer than MinDF examples are left out (unless the prior has them).
func Train(docs []Doc, h Hyper) Model {
	df := map[string]int{}
	var npos float64
	for _, d := range docs {
		npos += d.Y
		seen := map[string]bool{}
		for _, f := range d.Feats {
			if !seen[f] {
				seen[f] = true
				df[f]++
			}
		}
	}
	var names []string
	minDF := MinDF
	if h.MinDF > 0 {
		minDF = h.MinDF
	}
	for f, n := range df {
		if h.Exclude != nil && h.Exclude(f) {
			continue
		}
		if _, known := h.Prior.word(f); n >= minDF || known {
			names = append(names, f)
		}
	}
	sort.Strings(names)
	index := make(map[string]int, len(names))
	for i, f := range names {
		index[f] = i
	}
	type sparse struct {
		idx []int
		lex float64
		y   float64
		wt  float64
		x   float64 // each word's value: 1/√words, as the classifier scores
	}
	n := float64(len(docs))
	classWeight := [2]float64{n / (2 * (n - npos)), n / (2 * npos)}
	rows := make([]sparse, len(docs))
	for i, d := range docs {
		r := sparse{lex: d.Lex, y: d.Y, wt: d.Weight, x: 1 / math.Sqrt(float64(max(len(d.Feats), 1)))}
		if r.wt == 0 {
			r.wt = classWeight[int(d.Y)]
		}
		if d.Scale != 0 {
			r.x *= d.Scale
		}
		for _, f := range d.Feats {
			if j, ok := index[f]; ok {
				r.idx = append(r.idx, j)
			}
		}
		rows[i] = r
	}
	// Parameters: words, then bias and lexicon weight; prior holds the
	// centre of each one's penalty.
	nw := len(names)
	w := make([]float64, nw+2)
	prior := make([]float64, nw+2)
	if h.Prior != nil {
		for j, f := range names {
			prior[j], _ = h.Prior.word(f)
		}
		prior[nw], prior[nw+1] = h.Prior.Bias, h.Prior.Lexicon
		copy(w, prior)
	}
	g2 := make([]float64, nw+2)
	update := func(j int, grad float64) {
		g2[j] += grad * grad
		w[j] -= stepSize * grad / (math.Sqrt(g2[j]) + 1e-8)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	order := rng.Perm(len(rows))
	for range h.Epochs {
		rng.Shuffle(len(order), func(a, b int) { order[a], order[b] = order[b], order[a] })
		for _, i := range order {
			r := rows[i]
			z := w[nw] + w[nw+1]*r.lex
			for _, j := range r.idx {
				z += w[j] * r.x
			}
			d := r.wt * (1/(1+math.Exp(-z)) - r.y)
			for _, j := range r.idx {
				update(j, d*r.x+h.L2*(w[j]-prior[j]))
			}
			if !h.FixBias {
				update(nw, d)
			}
			if !h.FixLexicon {
				update(nw+1, d*r.lex+h.L2*(w[nw+1]-prior[nw+1]))
			}
		}
	}
	m := Model{Bias: w[nw], Lexicon: w[nw+1], Words: map[string]float64{}}
	for j, f := range names {
		m.Words[f] = w[j]
	}
	return m
}

// word returns a feature's weight in the model (a nil model has none).
func (m *Model) word(f string) (float64, bool) {
	if m == nil {
		return 0, false
	}
	v, ok := m.Words[f]
	return v, ok
}

// Round is a weight as written: rounded to three decimals, weights below
// MinWeight dropped.
func Round(v float64) float64 {
	if math.Abs(v) < MinWeight {
		return 0
	}
	return math.Round(v*1000) / 1000
}

// Rows are a model's word rows as written: each word's plain and negated
// weight (Round), words whose weights both round to 0 left out.
func (m Model) Rows() map[string][2]float64 {
	rows := map[string][2]float64{}
	for f, v := range m.Words {
		key, negated := strings.CutPrefix(f, classify.NegatedPrefix)
		r := rows[key]
		if negated {
			r[1] = Round(v)
		} else {
			r[0] = Round(v)
		}
		rows[key] = r
	}
	for k, r := range rows {
		if r == [2]float64{} {
			delete(rows, k)
		}
	}
	return rows
}

// Write prints the model in the format classify.ReadLearned reads: a word's
// plain and negated weights on one row, rounded, tiny weights dropped.
func (m Model) Write(w io.Writer) {
	fmt.Fprintf(w, "@bias\t%g\n@lexicon\t%g\n", Round(m.Bias), Round(m.Lexicon))
	WriteRows(w, m.Rows())
}

// WriteRows prints word rows sorted by word.
func WriteRows(w io.Writer, rows map[string][2]float64) {
	keys := make([]string, 0, len(rows))
	for k := range rows {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		r := rows[k]
		if r[1] == 0 {
			fmt.Fprintf(w, "%s\t%g\n", k, r[0])
		} else {
			fmt.Fprintf(w, "%s\t%g\t%g\n", k, r[0], r[1])
		}
	}
}
