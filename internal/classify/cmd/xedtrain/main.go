// Command xedtrain learns the sentiment model in internal/classify/data/
// learned_<lang>.tsv from XED sentiment files (Öhman et al. 2020, CC BY 4.0;
// see NOTICE): an L2-regularised logistic regression over the features the
// classifier's rule walk sees (words or Finnish stems, negation-scoped
// words, the squashed lexicon score), with balanced classes. It measures the
// model honestly with k-fold cross-validation: each fold is scored by the
// full classifier using a model learned on the other folds only.
//
//	go run ./internal/classify/cmd/xedtrain -lang fi -data xed_fi_dev.tsv -out internal/classify/data/learned_fi.tsv
//	go run ./internal/classify/cmd/xedtrain -lang fi -data xed_fi_dev.tsv -cv 5
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/ewom/ewom/internal/classify"
	"github.com/ewom/ewom/internal/classify/eval"
	"github.com/ewom/ewom/internal/mention"
)

// Training settings: features seen in fewer than minDF lines are dropped,
// AdaGrad's step size, and the smallest weight kept in the written model.
const (
	minDF     = 2
	stepSize  = 0.2
	minWeight = 0.02
)

func main() {
	code := flag.String("lang", "", "language code of the data (fi, en)")
	data := flag.String("data", "", "XED-style TSV: text<TAB>pos|neg<TAB>lang")
	out := flag.String("out", "", "write the learned model here")
	folds := flag.Int("cv", 0, "run k-fold cross-validation instead of writing the model")
	l2 := flag.Float64("l2", 1e-3, "L2 regularisation per example")
	epochs := flag.Int("epochs", 15, "passes over the training lines")
	flag.Parse()
	if err := run(*code, *data, *out, *folds, hyper{l2: *l2, epochs: *epochs}); err != nil {
		slog.Error("xedtrain", "err", err)
		os.Exit(1)
	}
}

// hyper are the training hyper-parameters.
type hyper struct {
	l2     float64
	epochs int
}

func run(code, data, out string, folds int, h hyper) error {
	if code == "" || data == "" || (out == "" && folds < 2) {
		return fmt.Errorf("need -lang, -data and -out or -cv K (K ≥ 2)")
	}
	f, err := os.Open(data)
	if err != nil {
		return err
	}
	defer f.Close()
	examples, err := eval.Read(f)
	if err != nil {
		return err
	}
	base, err := classify.New(nil)
	if err != nil {
		return err
	}
	examples = slices.DeleteFunc(examples, func(ex eval.Example) bool { return ex.Label != "pos" && ex.Label != "neg" })
	docs := make([]doc, len(examples))
	for i, ex := range examples {
		docs[i].feats, docs[i].lex = base.SentimentFeatures(nil, ex.Text, code)
		if ex.Label == "pos" {
			docs[i].y = 1
		}
	}
	if folds < 2 {
		var buf bytes.Buffer
		fmt.Fprintf(&buf, "# learned from %s (%d lines) by internal/classify/cmd/xedtrain (logistic regression, l2=%g, %d epochs); XED, CC BY 4.0, see NOTICE\n", baseName(data), len(docs), h.l2, h.epochs)
		train(docs, h).write(&buf)
		return os.WriteFile(out, buf.Bytes(), 0o644)
	}
	conf := eval.Report{ByLang: map[string]*eval.Confusion{}}
	for k := range folds {
		var trainSet []doc
		var test []eval.Example
		for i, ex := range examples {
			if i%folds == k {
				test = append(test, ex)
			} else {
				trainSet = append(trainSet, docs[i])
			}
		}
		var buf bytes.Buffer
		train(trainSet, h).write(&buf)
		c, err := classify.New(nil, classify.WithLearnedLexicon(code, &buf))
		if err != nil {
			return err
		}
		rep := eval.Run(test, predictor(c))
		for l, cm := range rep.ByLang {
			if conf.ByLang[l] == nil {
				conf.ByLang[l] = &eval.Confusion{}
			}
			for g := range 3 {
				for p := range 3 {
					conf.ByLang[l].M[g][p] += cm.M[g][p]
					conf.Overall.M[g][p] += cm.M[g][p]
				}
			}
		}
	}
	conf.Write(os.Stdout, fmt.Sprintf("%d-fold CV", folds))
	return nil
}

func predictor(c *classify.Classifier) func(eval.Example) string {
	now := time.Now()
	return func(ex eval.Example) string {
		m := mention.Mention{Source: "eval", Text: ex.Text, Lang: ex.Lang, PublishedAt: now}
		return eval.Label(c.Classify(&m).Sentiment)
	}
}

// doc is one training line: its features, squashed lexicon score and
// class (1 positive, 0 negative).
type doc struct {
	feats []string
	lex   float64
	y     float64
}

// model is a trained logistic regression.
type model struct {
	bias, lexicon float64
	words         map[string]float64 // classify.NegatedPrefix marks negated features
}

// train fits the model by AdaGrad over shuffled lines, each class weighted
// to half of the total so the imbalanced XED sets do not tilt the bias.
// Features seen in fewer than minDF lines are left out.
func train(docs []doc, h hyper) model {
	df := map[string]int{}
	var npos float64
	for _, d := range docs {
		npos += d.y
		seen := map[string]bool{}
		for _, f := range d.feats {
			if !seen[f] {
				seen[f] = true
				df[f]++
			}
		}
	}
	var names []string
	for f, n := range df {
		if n >= minDF {
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
		r := sparse{lex: d.lex, y: d.y, wt: classWeight[int(d.y)], x: 1 / math.Sqrt(float64(max(len(d.feats), 1)))}
		for _, f := range d.feats {
			if j, ok := index[f]; ok {
				r.idx = append(r.idx, j)
			}
		}
		rows[i] = r
	}
	// Parameters: words, then bias and lexicon weight.
	nw := len(names)
	w := make([]float64, nw+2)
	g2 := make([]float64, nw+2)
	update := func(j int, grad float64) {
		g2[j] += grad * grad
		w[j] -= stepSize * grad / (math.Sqrt(g2[j]) + 1e-8)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	order := rng.Perm(len(rows))
	for range h.epochs {
		rng.Shuffle(len(order), func(a, b int) { order[a], order[b] = order[b], order[a] })
		for _, i := range order {
			r := rows[i]
			z := w[nw] + w[nw+1]*r.lex
			for _, j := range r.idx {
				z += w[j] * r.x
			}
			d := r.wt * (1/(1+math.Exp(-z)) - r.y)
			for _, j := range r.idx {
				update(j, d*r.x+h.l2*w[j])
			}
			update(nw, d)
			update(nw+1, d*r.lex+h.l2*w[nw+1])
		}
	}
	m := model{bias: w[nw], lexicon: w[nw+1], words: map[string]float64{}}
	for j, f := range names {
		m.words[f] = w[j]
	}
	return m
}

// write prints the model in the format classify.ReadLearned reads: a word's
// plain and negated weights on one row, rounded, tiny weights dropped.
func (m model) write(w io.Writer) {
	round := func(v float64) float64 {
		if math.Abs(v) < minWeight {
			return 0
		}
		return math.Round(v*1000) / 1000
	}
	fmt.Fprintf(w, "@bias\t%g\n@lexicon\t%g\n", round(m.bias), round(m.lexicon))
	rows := map[string][2]float64{}
	for f, v := range m.words {
		key, negated := strings.CutPrefix(f, classify.NegatedPrefix)
		r := rows[key]
		if negated {
			r[1] = round(v)
		} else {
			r[0] = round(v)
		}
		rows[key] = r
	}
	keys := make([]string, 0, len(rows))
	for k, r := range rows {
		if r != [2]float64{} {
			keys = append(keys, k)
		}
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

func baseName(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}
