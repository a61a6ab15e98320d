package main

import (
	"context"
	"errors"

	"github.com/ewom/ewom/internal/doctor"
)

func init() {
	register("doctor", "check connectivity, versions, backlog, schema and disk, and say what to fix", runDoctor)
}

func runDoctor(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "doctor")
	cfgPath := fs.String("config", "", "config file (YAML)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	checks := doctor.Run(ctx, cfg)
	doctor.Print(env.stdout, checks)
	if doctor.Failed(checks) {
		return errors.New("some checks failed (see above)")
	}
	return nil
}
