// Command stagetrain learns the journey-stage model in
// internal/classify/data/stages_learned.tsv from a development set: one
// logistic regression per stage (one-vs-rest) over the post's words, the
// touchpoint, the source and the stage the cue rules chose for the brand
// (classify.StageFeatures). With -cv it measures the model by k-fold
// cross-validation against the rules alone instead of writing it.
//
//	go run ./internal/classify/cmd/stagetrain -dev internal/classify/testdata/dev/dev.jsonl -brands internal/classify/testdata/dev/brands.yaml -cv 5
//	go run ./internal/classify/cmd/stagetrain -dev … -brands … -out internal/classify/data/stages_learned.tsv
package main

import (
	"bufio"
	"flag"
	"fmt"
	"log/slog"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ewom/ewom/internal/classify"
	"github.com/ewom/ewom/internal/classify/eval"
	"github.com/ewom/ewom/internal/classify/train"
	"github.com/ewom/ewom/internal/config"
	"github.com/ewom/ewom/internal/mention"
)

func main() {
	dev := flag.String("dev", "", "labelled sets (JSON Lines, eval.DevItem), comma-separated")
	brands := flag.String("brands", "", "the config files their brands come from, one per set, comma-separated")
	out := flag.String("out", "", "write the model here")
	folds := flag.Int("cv", 0, "k-fold cross-validation instead of writing the model")
	l2 := flag.Float64("l2", 1e-3, "L2 regularisation per example")
	epochs := flag.Int("epochs", 15, "passes over the examples")
	flag.Parse()
	if err := run(*dev, *brands, *out, *folds, train.Hyper{L2: *l2, Epochs: *epochs}); err != nil {
		slog.Error("stagetrain", "err", err)
		os.Exit(1)
	}
}

// example is one mention × brand: its features, gold and rule stage.
type example struct {
	feats      []string
	gold, rule string
}

func run(devPath, brandsPath, out string, folds int, h train.Hyper) error {
	if devPath == "" || brandsPath == "" || (out == "" && folds < 2) {
		return fmt.Errorf("need -dev, -brands and -out or -cv K (K ≥ 2)")
	}
	exs, err := examples(devPath, brandsPath)
	if err != nil {
		return err
	}
	if folds < 2 {
		return write(out, devPath, len(exs), learn(exs, -1, 0, h), h)
	}
	ruleOK, modelOK := 0, 0
	for k := range folds {
		models := learn(exs, k, folds, h)
		for i, ex := range exs {
			if i%folds != k {
				continue
			}
			if predict(models, ex.feats) == ex.gold {
				modelOK++
			}
			if ex.rule == ex.gold {
				ruleOK++
			}
		}
	}
	fmt.Printf("%d mention × brand stages, %d-fold CV: rules alone %.3f, learned model %.3f\n",
		len(exs), folds, float64(ruleOK)/float64(len(exs)), float64(modelOK)/float64(len(exs)))
	return nil
}

// examples reads the labelled sets of the comma-separated paths, each
// with the brands of its config.
func examples(devPaths, brandsPaths string) ([]example, error) {
	sets, configs := strings.Split(devPaths, ","), strings.Split(brandsPaths, ",")
	if len(sets) != len(configs) {
		return nil, fmt.Errorf("%d sets but %d brand configs", len(sets), len(configs))
	}
	var exs []example
	for i, set := range sets {
		more, err := setExamples(set, configs[i])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", set, err)
		}
		exs = append(exs, more...)
	}
	return exs, nil
}

func setExamples(devPath, brandsPath string) ([]example, error) {
	cfg, err := config.Load(brandsPath)
	if err != nil {
		return nil, err
	}
	c, err := classify.New(cfg.Brands)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(devPath)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	items, err := eval.ReadDev(f)
	if err != nil {
		return nil, err
	}
	published := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	var exs []example
	for _, it := range items {
		m := it.Mention(published)
		feats := c.StageExamples(&m)
		golds := it.Gold.Brands
		if len(golds) == 0 {
			golds = []eval.BrandGold{{Stage: it.Gold.Stage}}
		}
		for _, g := range golds {
			fs, ok := feats[g.Brand]
			if !ok {
				fs = feats[""] // a brand the rules missed: the post's features
			}
			exs = append(exs, example{feats: fs, gold: g.Stage, rule: fs[len(fs)-1][len("rule:"):]})
		}
	}
	return exs, nil
}

// learn trains one model per stage on the examples outside fold k of n
// (k < 0: all).
func learn(exs []example, k, n int, h train.Hyper) []train.Model {
	models := make([]train.Model, len(mention.JourneyStages))
	for s, stage := range mention.JourneyStages {
		var docs []train.Doc
		for i, ex := range exs {
			if k >= 0 && i%n == k {
				continue
			}
			d := train.Doc{Feats: ex.feats, Weight: 1}
			if ex.gold == stage {
				d.Y = 1
			}
			docs = append(docs, d)
		}
		models[s] = train.Train(docs, h)
	}
	return models
}

// predict scores the features as the classifier does (words over √n).
func predict(models []train.Model, feats []string) string {
	best, bestZ := 0, math.Inf(-1)
	for s, m := range models {
		z := m.Bias
		for _, f := range feats {
			z += m.Words[f] / math.Sqrt(float64(len(feats)))
		}
		if z > bestZ {
			best, bestZ = s, z
		}
	}
	return mention.JourneyStages[best]
}

func write(path, devPath string, n int, models []train.Model, h train.Hyper) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	fmt.Fprintf(w, "# learned from %s (%d mention × brand stages) by internal/classify/cmd/stagetrain (one-vs-rest logistic regression, l2=%g, %d epochs)\n", devPath, n, h.L2, h.Epochs)
	fmt.Fprintf(w, "# feature, then a weight per stage: %v\n", mention.JourneyStages)
	row := func(name string, weight func(train.Model) float64) {
		fmt.Fprint(w, name)
		for _, m := range models {
			fmt.Fprint(w, "\t"+strconv.FormatFloat(train.Round(weight(m)), 'g', -1, 64))
		}
		fmt.Fprintln(w)
	}
	row("@bias", func(m train.Model) float64 { return m.Bias })
	names := map[string]bool{}
	for _, m := range models {
		for f, v := range m.Words {
			if train.Round(v) != 0 {
				names[f] = true
			}
		}
	}
	sorted := make([]string, 0, len(names))
	for f := range names {
		sorted = append(sorted, f)
	}
	sort.Strings(sorted)
	for _, name := range sorted {
		row(name, func(m train.Model) float64 { return m.Words[name] })
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return f.Close()
}
