package main

import (
	"bytes"
	"fmt"
	"io"

	"github.com/ewom/ewom/internal/classify"
	"github.com/ewom/ewom/internal/classify/eval"
	"github.com/ewom/ewom/internal/classify/train"
	"github.com/ewom/ewom/internal/config"
	"github.com/ewom/ewom/internal/mention"
)

// domainSet is a development set (eval.DevItem lines) of one language used
// beside XED: customer posts teach the subtitle-learned words what they
// mean in reviews and social posts, and give the neutral class XED lacks.
type domainSet struct {
	items  []eval.DevItem
	docs   []train.Doc // one per item that has a single label; nil Feats otherwise
	brands []config.Brand
}

// readDomain reads a development set and the features of its items of
// language code. A post naming one brand, or none, is one example of its
// gold sentiment (neutral pulls toward 0.5); posts naming several brands
// are measured but not learned from.
func readDomain(path, brandsPath, code string, weight float64, base *classify.Classifier) (*domainSet, error) {
	all, err := eval.ReadDevFile(path)
	if err != nil {
		return nil, err
	}
	cfg, err := config.Load(brandsPath)
	if err != nil {
		return nil, err
	}
	ds := &domainSet{brands: cfg.Brands}
	for _, it := range all {
		if it.Gold.Lang != code {
			continue
		}
		ds.items = append(ds.items, it)
		label := it.Gold.Sentiment
		switch len(it.Gold.Brands) {
		case 0:
		case 1:
			label = it.Gold.Brands[0].Sentiment
		default:
			ds.docs = append(ds.docs, train.Doc{})
			continue
		}
		d := train.Doc{Weight: weight, Y: 0.5}
		switch label {
		case mention.Positive:
			d.Y = 1
		case mention.Negative:
			d.Y = 0
		}
		d.Feats, d.Lex = base.SentimentFeatures(nil, it.Title+". "+it.Text, code)
		ds.docs = append(ds.docs, d)
	}
	return ds, nil
}

// learnable are the domain examples whose index is not in fold k of n
// (k < 0: all of them).
func (ds *domainSet) learnable(k, n int) []train.Doc {
	var out []train.Doc
	for i, d := range ds.docs {
		if d.Feats != nil && (k < 0 || i%n != k) {
			out = append(out, d)
		}
	}
	return out
}

// crossValidate learns a model from XED and the domain items outside each
// fold and measures the full classifier, with that model, on the fold:
// sentiment per mention × brand as `ewom eval --dev` counts it.
func (ds *domainSet) crossValidate(w io.Writer, code string, xed []train.Doc, folds int, h train.Hyper) error {
	correct, total := 0, 0
	for k := range folds {
		var buf bytes.Buffer
		train.Train(append(append([]train.Doc(nil), xed...), ds.learnable(k, folds)...), h).Write(&buf)
		c, err := classify.New(ds.brands, classify.WithLearnedLexicon(code, &buf))
		if err != nil {
			return err
		}
		var fold []eval.DevItem
		for i, it := range ds.items {
			if i%folds == k {
				fold = append(fold, it)
			}
		}
		rep := eval.RunDev(fold, c.DevPrediction)
		correct += rep.All.Sentiment.Correct
		total += rep.All.Sentiment.Total
	}
	fmt.Fprintf(w, "%d-fold CV on the domain set (%d %s items): sentiment accuracy %.3f (%d/%d)\n",
		folds, len(ds.items), code, float64(correct)/float64(max(total, 1)), correct, total)
	return nil
}
