package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/ewom/ewom/internal/classify"
	"github.com/ewom/ewom/internal/learn"
)

func init() {
	register("learn", "learn this deployment's sentiment model from label corrections and rated reviews, and its stage and per-brand sentiment models from the corrections (--list, --rollback, --activate)", runLearn)
}

func runLearn(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "learn")
	cfgPath := fs.String("config", "", "config file (YAML): the store and the brands")
	folds := fs.Int("folds", 10, "cross-validation folds")
	dryRun := fs.Bool("dry-run", false, "measure only: store and activate nothing")
	list := fs.Bool("list", false, "list the stored models and which is active")
	rollback := fs.Bool("rollback", false, "deactivate the active model: the one active before it (or the shipped classifier) is active again")
	activate := fs.String("activate", "", "activate a stored model by its classifier_version, or "+learn.Shipped)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	modes := 0
	for _, on := range []bool{*list, *rollback, *activate != ""} {
		if on {
			modes++
		}
	}
	if modes > 1 {
		return usagef("use at most one of --list, --rollback and --activate")
	}
	if *folds < 2 || *folds > 50 {
		return usagef("--folds must be 2..50")
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	s, _, err := openMigrated(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	shipped, err := classify.New(nil)
	if err != nil {
		return err
	}
	by, now := os.Getenv("USER"), time.Now().UTC()
	if by == "" {
		by = "cli"
	}
	const next = "restart the classify and api roles (ewom serve) to label new mentions with it, then run `ewom reclassify` to re-score history"
	switch {
	case *list:
		ms, err := learn.Models(ctx, s)
		if err != nil {
			return err
		}
		active := "*" // the shipped classifier, unless a learned model is active
		for _, m := range ms {
			if m.Active && m.Version != learn.Shipped {
				active = " "
			}
		}
		fmt.Fprintf(env.stdout, "%s %-40s %-20s %8s %17s  %s\n", active, learn.Shipped+" ("+shipped.Version()+")", "", "", "", "the shipped classifier")
		for _, m := range ms {
			mark := " "
			if m.Active {
				mark = "*"
			}
			if m.Version == learn.Shipped {
				continue
			}
			fmt.Fprintf(env.stdout, "%s %-40s %-20s %8d %8.3f → %.3f  examples; CV accuracy shipped → learned", mark, m.Version,
				m.CreatedAt.Format(time.RFC3339), m.Examples, m.Metrics.Shipped.Accuracy, m.Metrics.Learned.Accuracy)
			if l := m.Metrics.Labels; l != nil && l.Folds > 0 {
				fmt.Fprintf(env.stdout, "; stage %.3f → %.3f", l.ShippedStage.Accuracy, l.LearnedStage.Accuracy)
			}
			fmt.Fprintln(env.stdout)
		}
		return nil
	case *rollback:
		off, on, err := learn.Rollback(ctx, s, by, now)
		if err != nil {
			return err
		}
		now := learn.Shipped + " (" + shipped.Version() + ")"
		if on != nil {
			now = on.Version
		}
		fmt.Fprintf(env.stdout, "deactivated %s; active now: %s\n%s\n", off.Version, now, next)
		return nil
	case *activate != "":
		m, err := learn.Activate(ctx, s, *activate, by, now)
		if errors.Is(err, learn.ErrUnknownModel) {
			return usageError{err}
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(env.stdout, "activated %s\n%s\n", m.Version, next)
		return nil
	}
	res, err := learn.Learn(ctx, s, shipped, learn.Options{Folds: *folds, Brands: cfg.Brands})
	if res != nil {
		res.Write(env.stdout)
	}
	if err != nil {
		return err
	}
	active := learn.Shipped + " (" + shipped.Version() + ")"
	if res.Active != nil {
		active = res.Active.Version
	}
	switch {
	case !res.Activates():
		fmt.Fprintf(env.stdout, "nothing activated; the active classifier stays %s\n", active)
	case *dryRun:
		fmt.Fprintf(env.stdout, "dry run: %s would be activated (the active classifier stays %s)\n", res.Model.Version, active)
	default:
		if err := learn.Save(ctx, s, res, by, now); err != nil {
			return err
		}
		fmt.Fprintf(env.stdout, "activated %s (before: %s); roll back with `ewom learn --rollback`\n%s\n", res.Model.Version, active, next)
	}
	return nil
}
