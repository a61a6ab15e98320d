package main

import (
	"context"
	"fmt"

	"github.com/ewom/ewom/internal/classify"
	"github.com/ewom/ewom/internal/learn"
	"github.com/ewom/ewom/internal/pipeline"
	"github.com/ewom/ewom/internal/terms"
)

func init() {
	register("reclassify", "re-score stored mentions labelled by another classifier version", runReclassify)
}

func runReclassify(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "reclassify")
	cfgPath := fs.String("config", "", "config file (YAML): brands and store")
	batch := fs.Int("batch", 5000, "mentions per batch")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *batch < 1 {
		return usagef("--batch must be at least 1")
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	if _, err := classify.New(cfg.Brands); err != nil {
		return usagef("brands: %v", err)
	}
	s, _, err := openMigrated(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	// The deployment model `ewom learn` activated, if any.
	opts, err := learn.ClassifierOptions(ctx, s)
	if err != nil {
		return err
	}
	ext, err := terms.New(cfg.Brands)
	if err != nil {
		return fmt.Errorf("terms: %w", err)
	}
	cls, err := classify.New(cfg.Brands, append(opts, classify.WithAnalyser(ext))...)
	if err != nil {
		return fmt.Errorf("classifier: %w", err)
	}
	fmt.Fprintf(env.stderr, "reclassifying to classifier_version %s, terms %s\n", cls.Version(), terms.Version)
	ann, err := terms.NewAnnotator(ext, nil)
	if err != nil {
		return err
	}
	res, err := pipeline.Reclassify(ctx, s, cls, ann, *batch, func(r pipeline.ReclassifyResult) {
		fmt.Fprintf(env.stderr, "  %d mentions re-scored (%d rows written, %d old rows removed)\n", r.Mentions, r.RowsWritten, r.RowsRemoved)
	})
	fmt.Fprintf(env.stdout, "reclassified %d mentions to %s: %d rows written, %d old rows removed, %d unparseable left as they were\n",
		res.Mentions, cls.Version(), res.RowsWritten, res.RowsRemoved, res.Failed)
	return err
}
