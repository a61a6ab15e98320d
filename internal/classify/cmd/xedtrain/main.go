// Command xedtrain learns the word weights in internal/classify/data/
// learned_<lang>.tsv from XED sentiment files (Öhman et al. 2020, CC BY 4.0;
// see NOTICE), and measures them honestly with k-fold cross-validation: each
// fold is scored by the full classifier using weights learned on the other
// folds only.
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
	"os"
	"sort"
	"strings"
	"time"

	"github.com/ewom/ewom/internal/classify"
	"github.com/ewom/ewom/internal/classify/eval"
	"github.com/ewom/ewom/internal/classify/token"
	"github.com/ewom/ewom/internal/mention"
)

// Training settings: Laplace smoothing, minimum document frequency, the
// shrinkage constant (weight x df/(df+shrink)) and the smallest kept weight.
const (
	smoothing = 1.0
	minDF     = 3
	shrink    = 4
	minWeight = 0.5
)

func main() {
	code := flag.String("lang", "", "language code of the data (fi, en)")
	data := flag.String("data", "", "XED-style TSV: text<TAB>pos|neg<TAB>lang")
	out := flag.String("out", "", "write the learned weights here")
	folds := flag.Int("cv", 0, "run k-fold cross-validation instead of writing weights")
	flag.Parse()
	if err := run(*code, *data, *out, *folds); err != nil {
		slog.Error("xedtrain", "err", err)
		os.Exit(1)
	}
}

func run(code, data, out string, folds int) error {
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
	if folds < 2 {
		var buf bytes.Buffer
		fmt.Fprintf(&buf, "# learned from %s (%d lines) by internal/classify/cmd/xedtrain; XED, CC BY 4.0, see NOTICE\n", baseName(data), len(examples))
		writeWeights(&buf, train(examples, code))
		return os.WriteFile(out, buf.Bytes(), 0o644)
	}
	conf := eval.Report{ByLang: map[string]*eval.Confusion{}}
	for k := range folds {
		var trainSet, test []eval.Example
		for i, ex := range examples {
			if i%folds == k {
				test = append(test, ex)
			} else {
				trainSet = append(trainSet, ex)
			}
		}
		var buf bytes.Buffer
		writeWeights(&buf, train(trainSet, code))
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
	short := map[string]string{mention.Positive: "pos", mention.Neutral: "neu", mention.Negative: "neg"}
	return func(ex eval.Example) string {
		m := mention.Mention{Source: "eval", Text: ex.Text, Lang: ex.Lang, PublishedAt: now}
		return short[c.Classify(&m).Sentiment]
	}
}

// train returns balanced naive-Bayes log-odds per feature, counting each
// feature once per line.
func train(examples []eval.Example, code string) map[string]float64 {
	df := map[string]*[2]float64{}
	var docs [2]float64
	var toks []token.Token
	var feats []string
	for _, ex := range examples {
		class := 0
		switch ex.Label {
		case "pos":
		case "neg":
			class = 1
		default:
			continue
		}
		docs[class]++
		toks = token.Append(toks[:0], ex.Text, strings.ToLower(ex.Text))
		feats = classify.LearnedFeatures(feats[:0], toks, code)
		seen := map[string]bool{}
		for _, f := range feats {
			if seen[f] {
				continue
			}
			seen[f] = true
			if df[f] == nil {
				df[f] = &[2]float64{}
			}
			df[f][class]++
		}
	}
	weights := map[string]float64{}
	for f, c := range df {
		n := c[0] + c[1]
		if n < minDF {
			continue
		}
		pPos := (c[0] + smoothing) / (docs[0] + 2*smoothing)
		pNeg := (c[1] + smoothing) / (docs[1] + 2*smoothing)
		w := math.Log(pPos/pNeg) * n / (n + shrink)
		if math.Abs(w) >= minWeight {
			weights[f] = math.Round(w*1000) / 1000
		}
	}
	return weights
}

func writeWeights(w io.Writer, weights map[string]float64) {
	keys := make([]string, 0, len(weights))
	for k := range weights {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "%s\t%g\n", k, weights[k])
	}
}

func baseName(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}
