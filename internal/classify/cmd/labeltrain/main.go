// Command labeltrain learns the label models in
// internal/classify/data/labels_learned.tsv from labelled mentions: one
// logistic regression per journey stage and one per sentiment
// (one-vs-rest) over the post's words and what the rules said of each
// brand (classify.LabelExamples). With -cv it measures the models by
// k-fold cross-validation against the rules alone, and with -eval on other
// sets, instead of writing them.
//
//	go run ./internal/classify/cmd/labeltrain -sets A.jsonl,B.jsonl -brands A.yaml,B.yaml -cv 5
//	go run ./internal/classify/cmd/labeltrain -sets … -brands … -eval C.jsonl -eval-brands C.yaml
//	go run ./internal/classify/cmd/labeltrain -sets … -brands … -out internal/classify/data/labels_learned.tsv
package main

import (
	"bufio"
	"flag"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/ewom/ewom/internal/classify"
	"github.com/ewom/ewom/internal/classify/eval"
	"github.com/ewom/ewom/internal/classify/train"
	"github.com/ewom/ewom/internal/config"
)

func main() {
	sets := flag.String("sets", "", "labelled sets (JSON Lines, eval.DevItem), comma-separated")
	brands := flag.String("brands", "", "the config files their brands come from, one per set, comma-separated")
	evalSets := flag.String("eval", "", "measure on these sets instead of writing the models")
	evalBrands := flag.String("eval-brands", "", "the config files of the -eval sets")
	out := flag.String("out", "", "write the models here")
	folds := flag.Int("cv", 0, "k-fold cross-validation instead of writing the models")
	foldSet := flag.Int("cv-set", -1, "with -cv: fold only this set (its number in -sets, from 0); the others always train")
	l2 := flag.Float64("l2", 1e-3, "L2 regularisation per example")
	epochs := flag.Int("epochs", 15, "passes over the examples")
	minDF := flag.Int("min-df", 5, "leave out features seen in fewer examples (they still count in 1/√features)")
	flag.Parse()
	if err := run(*sets, *brands, *evalSets, *evalBrands, *out, *folds, *foldSet, train.Hyper{L2: *l2, Epochs: *epochs, MinDF: *minDF}); err != nil {
		slog.Error("labeltrain", "err", err)
		os.Exit(1)
	}
}

// example is one mention × brand: its features, gold labels and the
// rules' labels.
type example struct {
	train.LabelDoc
	lang string
	item int // the mention's number, so that its brands share a fold
	set  int // the set's number in -sets
}

func run(sets, brands, evalSets, evalBrands, out string, folds, foldSet int, h train.Hyper) error {
	if sets == "" || brands == "" || (out == "" && folds < 2 && evalSets == "") {
		return fmt.Errorf("need -sets, -brands and -out, -eval or -cv K (K ≥ 2)")
	}
	exs, err := examples(sets, brands)
	if err != nil {
		return err
	}
	switch {
	case evalSets != "":
		held, err := examples(evalSets, evalBrands)
		if err != nil {
			return err
		}
		models := learn(exs, -1, 0, h)
		report("held-out "+evalSets, held, func(ex example) (string, string) { return models.Predict(ex.LabelExample) })
	case folds >= 2:
		for i := range exs {
			if foldSet >= 0 && exs[i].set != foldSet {
				exs[i].item = -1 // never held out
			}
		}
		var held []example
		var got [][2]string
		for k := range folds {
			models := learn(exs, k, folds, h)
			for _, ex := range exs {
				if ex.item >= 0 && ex.item%folds == k {
					held = append(held, ex)
					s, t := models.Predict(ex.LabelExample)
					got = append(got, [2]string{s, t})
				}
			}
		}
		i := 0
		report(fmt.Sprintf("%d-fold CV", folds), held, func(example) (string, string) { i++; return got[i-1][0], got[i-1][1] })
	default:
		return write(out, sets, len(exs), learn(exs, -1, 0, h), h)
	}
	return nil
}

// examples reads the labelled sets of the comma-separated paths, each
// with the brands of its config.
func examples(setPaths, brandPaths string) ([]example, error) {
	sets, configs := strings.Split(setPaths, ","), strings.Split(brandPaths, ",")
	if len(sets) != len(configs) {
		return nil, fmt.Errorf("%d sets but %d brand configs", len(sets), len(configs))
	}
	var exs []example
	for i, set := range sets {
		more, err := setExamples(set, configs[i], len(exs), i)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", set, err)
		}
		exs = append(exs, more...)
	}
	return exs, nil
}

func setExamples(setPath, brandsPath string, first, set int) ([]example, error) {
	cfg, err := config.Load(brandsPath)
	if err != nil {
		return nil, err
	}
	c, err := classify.New(cfg.Brands)
	if err != nil {
		return nil, err
	}
	items, err := eval.ReadDevFile(setPath)
	if err != nil {
		return nil, err
	}
	published := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	var exs []example
	for n, it := range items {
		m := it.Mention(published)
		post, byBrand := c.LabelExamples(&m)
		golds := it.Gold.Brands
		if len(golds) == 0 {
			golds = []eval.BrandGold{{Stage: it.Gold.Stage, Sentiment: it.Gold.Sentiment}}
		}
		for _, g := range golds {
			ex, ok := byBrand[g.Brand]
			if !ok {
				ex = post // a brand the rules missed: the post's
			}
			exs = append(exs, example{LabelDoc: train.LabelDoc{LabelExample: ex, GoldStage: g.Stage, GoldSentiment: g.Sentiment},
				lang: it.Gold.Lang, item: first + n, set: set})
		}
	}
	return exs, nil
}

// learn trains the models on the examples outside fold k of n (k < 0:
// all).
func learn(exs []example, k, n int, h train.Hyper) train.LabelModels {
	var docs []train.LabelDoc
	for _, ex := range exs {
		if k >= 0 && ex.item >= 0 && ex.item%n == k {
			continue
		}
		docs = append(docs, ex.LabelDoc)
	}
	return train.TrainLabels(docs, h, nil)
}

// report prints the rules' and the models' accuracy, overall and by
// language, and the models' commonest errors.
func report(name string, exs []example, pred func(example) (string, string)) {
	type tally struct{ n, ruleStage, modelStage, ruleSent, modelSent int }
	by := map[string]*tally{"all": {}}
	errs := confusions{sentiment: map[string]int{}, stage: map[string]int{}}
	for _, ex := range exs {
		stage, sentiment := pred(ex)
		if sentiment != ex.GoldSentiment {
			errs.sentiment[ex.lang+" "+ex.GoldSentiment+"→"+sentiment]++
		}
		if stage != ex.GoldStage {
			errs.stage[ex.GoldStage+"→"+stage]++
		}
		// Brands of several, read from their own clauses, apart.
		brands := "one-brand"
		if slices.Contains(ex.Features, "multi") {
			brands = "of-several"
		}
		for _, key := range []string{"all", ex.lang, brands} {
			t := by[key]
			if t == nil {
				t = &tally{}
				by[key] = t
			}
			t.n++
			t.ruleStage += b2i(ex.LabelExample.Stage == ex.GoldStage)
			t.modelStage += b2i(stage == ex.GoldStage)
			t.ruleSent += b2i(ex.LabelExample.Sentiment == ex.GoldSentiment)
			t.modelSent += b2i(sentiment == ex.GoldSentiment)
		}
	}
	fmt.Printf("%s: mention × brand labels, accuracy of the rules alone → with the models\n", name)
	for _, k := range slices.Sorted(maps.Keys(by)) {
		t := by[k]
		f := func(v int) float64 { return float64(v) / float64(t.n) }
		fmt.Printf("  %-10s n=%-5d stage %.3f → %.3f   sentiment %.3f → %.3f\n", k, t.n, f(t.ruleStage), f(t.modelStage), f(t.ruleSent), f(t.modelSent))
	}
	fmt.Printf("  the models' commonest errors, gold → predicted: sentiment %s; stage %s\n", commonest(errs.sentiment), commonest(errs.stage))
}

// confusions count the models' errors by gold and predicted label.
type confusions struct{ sentiment, stage map[string]int }

// commonest lists the six commonest errors.
func commonest(errs map[string]int) string {
	keys := slices.SortedFunc(maps.Keys(errs), func(a, b string) int {
		if errs[a] != errs[b] {
			return errs[b] - errs[a]
		}
		return strings.Compare(a, b)
	})
	var b strings.Builder
	for i, k := range keys[:min(6, len(keys))] {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s %d", k, errs[k])
	}
	return b.String()
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func write(path, sets string, n int, models train.LabelModels, h train.Hyper) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	fmt.Fprintf(w, "# learned from %s (%d mention × brand labels) by internal/classify/cmd/labeltrain (one-vs-rest logistic regression, l2=%g, %d epochs)\n", sets, n, h.L2, h.Epochs)
	fmt.Fprintf(w, "# feature, then a weight per class: %v\n", classify.LabelClasses())
	bias, rows := models.Rows()
	train.WriteLabelRow(w, "@bias", bias)
	for _, name := range slices.Sorted(maps.Keys(rows)) {
		train.WriteLabelRow(w, name, rows[name])
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return f.Close()
}
