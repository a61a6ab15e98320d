// Command xedtrain learns the sentiment model in internal/classify/data/
// learned_<lang>.tsv from XED sentiment files (Öhman et al. 2020, CC BY 4.0;
// see NOTICE) with package train: an L2-regularised logistic regression over
// the features the classifier's rule walk sees (words or Finnish stems,
// negation-scoped words, the squashed lexicon score), with balanced classes.
// It measures the model honestly with k-fold cross-validation: each fold is
// scored by the full classifier using a model learned on the other folds
// only.
//
//	go run ./internal/classify/cmd/xedtrain -lang fi -data xed_fi_dev.tsv -out internal/classify/data/learned_fi.tsv
//	go run ./internal/classify/cmd/xedtrain -lang fi -data xed_fi_dev.tsv -cv 5
package main

import (
	"bytes"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/ewom/ewom/internal/classify"
	"github.com/ewom/ewom/internal/classify/eval"
	"github.com/ewom/ewom/internal/classify/train"
	"github.com/ewom/ewom/internal/mention"
)

func main() {
	code := flag.String("lang", "", "language code of the data (fi, en)")
	data := flag.String("data", "", "XED-style TSV: text<TAB>pos|neg<TAB>lang")
	out := flag.String("out", "", "write the learned model here")
	folds := flag.Int("cv", 0, "run k-fold cross-validation instead of writing the model")
	l2 := flag.Float64("l2", 1e-3, "L2 regularisation per example")
	epochs := flag.Int("epochs", 15, "passes over the training lines")
	domain := flag.String("domain", "", "also learn from a development set's items of the language (JSON Lines, eval.DevItem)")
	brands := flag.String("brands", "", "with -domain: the config file the set's brands come from")
	domainWeight := flag.Float64("domain-weight", 1, "with -domain: weight of a domain example (XED lines weigh about 0.5 each)")
	domainCV := flag.Int("domain-cv", 0, "with -domain: k-fold cross-validation over the domain set instead of writing the model")
	flag.Parse()
	dom := domainOptions{path: *domain, brands: *brands, weight: *domainWeight, folds: *domainCV}
	if err := run(*code, *data, *out, *folds, train.Hyper{L2: *l2, Epochs: *epochs}, dom); err != nil {
		slog.Error("xedtrain", "err", err)
		os.Exit(1)
	}
}

// domainOptions say whether and how a development set joins XED.
type domainOptions struct {
	path, brands string
	weight       float64
	folds        int
}

func run(code, data, out string, folds int, h train.Hyper, dom domainOptions) error {
	if code == "" || data == "" || (out == "" && folds < 2 && dom.folds < 2) {
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
	docs := make([]train.Doc, len(examples))
	for i, ex := range examples {
		docs[i].Feats, docs[i].Lex = base.SentimentFeatures(nil, ex.Text, code)
		if ex.Label == "pos" {
			docs[i].Y = 1
		}
	}
	if dom.path != "" {
		ds, err := readDomain(dom.path, dom.brands, code, dom.weight, base)
		if err != nil {
			return err
		}
		if dom.folds >= 2 {
			return ds.crossValidate(os.Stdout, code, docs, dom.folds, h)
		}
		domainDocs := ds.learnable(-1, 0)
		var buf bytes.Buffer
		fmt.Fprintf(&buf, "# learned from %s (%d lines) and %s (%d %s posts, weight %g each) by internal/classify/cmd/xedtrain (logistic regression, l2=%g, %d epochs); XED, CC BY 4.0, see NOTICE\n",
			baseName(data), len(docs), baseName(dom.path), len(domainDocs), code, dom.weight, h.L2, h.Epochs)
		train.Train(append(docs, domainDocs...), h).Write(&buf)
		return os.WriteFile(out, buf.Bytes(), 0o644)
	}
	if folds < 2 {
		var buf bytes.Buffer
		fmt.Fprintf(&buf, "# learned from %s (%d lines) by internal/classify/cmd/xedtrain (logistic regression, l2=%g, %d epochs); XED, CC BY 4.0, see NOTICE\n", baseName(data), len(docs), h.L2, h.Epochs)
		train.Train(docs, h).Write(&buf)
		return os.WriteFile(out, buf.Bytes(), 0o644)
	}
	conf := eval.Report{ByLang: map[string]*eval.Confusion{}}
	for k := range folds {
		var trainSet []train.Doc
		var test []eval.Example
		for i, ex := range examples {
			if i%folds == k {
				test = append(test, ex)
			} else {
				trainSet = append(trainSet, docs[i])
			}
		}
		var buf bytes.Buffer
		train.Train(trainSet, h).Write(&buf)
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

func baseName(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}
