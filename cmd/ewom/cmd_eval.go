package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/ewom/ewom/internal/classify"
	"github.com/ewom/ewom/internal/classify/eval"
	"github.com/ewom/ewom/internal/mention"
	"github.com/jonreiter/govader"
)

func init() {
	register("eval", "measure sentiment accuracy, macro-F1 and confusion on a labelled TSV", runEval)
}

func runEval(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "eval")
	data := fs.String("data", "", "labelled file: text<TAB>label<TAB>lang with labels pos/neu/neg")
	withVader := fs.Bool("vader", false, "also score the file with govader (English VADER) for comparison")
	dev := fs.String("dev", "", "development-set file (JSON Lines, gold labels per mention × brand): per-field accuracy and per-class precision/recall")
	brands := fs.String("brands", "", "with --dev: config file whose brands the set is labelled with")
	misses := fs.Bool("misses", false, "with --dev: list every wrong label")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *dev != "" {
		return runEvalDev(env, *dev, *brands, *misses)
	}
	if *data == "" {
		return usagef("--data FILE.tsv or --dev FILE.jsonl is required")
	}
	f, err := os.Open(*data)
	if err != nil {
		return usagef("%v", err)
	}
	defer f.Close()
	examples, err := eval.Read(f)
	if err != nil {
		return usagef("%s: %v", *data, err)
	}
	c, err := classify.New(nil)
	if err != nil {
		return err
	}
	now := time.Now()
	rep := eval.Run(examples, func(ex eval.Example) string {
		m := mention.Mention{Source: "eval", Text: ex.Text, Lang: ex.Lang, PublishedAt: now}
		return eval.Label(c.Classify(&m).Sentiment)
	})
	fmt.Fprintf(env.stdout, "classifier %s on %s\n", c.Version(), *data)
	rep.Write(env.stdout, "ewom")
	if *withVader {
		sia := govader.NewSentimentIntensityAnalyzer()
		vrep := eval.Run(examples, func(ex eval.Example) string {
			return eval.VaderLabel(sia.PolarityScores(ex.Text).Compound)
		})
		vrep.Write(env.stdout, "govader")
	}
	return ctx.Err()
}

func runEvalDev(env *cliEnv, path, brandsPath string, misses bool) error {
	cfg, err := loadConfig(brandsPath)
	if err != nil {
		return err
	}
	c, err := classify.New(cfg.Brands)
	if err != nil {
		return usagef("brands: %v", err)
	}
	items, err := eval.ReadDevFile(path)
	if err != nil {
		return usagef("%v", err)
	}
	rep := eval.RunDev(items, c.DevPrediction)
	fmt.Fprintf(env.stdout, "classifier %s on %s (%d mentions)\n", c.Version(), path, len(items))
	rep.Write(env.stdout, misses)
	return nil
}
