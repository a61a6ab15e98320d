package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/ewom/ewom/internal/app"
	"github.com/ewom/ewom/internal/config"
)

func init() {
	register("serve", "run the service: bus, classifier, store, API (all roles by default)", runServe)
	register("migrate", "apply the ClickHouse schema", runMigrate)
}

// loadConfig loads the file (or defaults) and reports errors as usage errors.
func loadConfig(path string) (config.Config, error) {
	cfg, err := config.Load(path)
	if err != nil {
		return cfg, usageError{fmt.Errorf("config: %w", err)}
	}
	return cfg, nil
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))
}

func runServe(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "serve")
	cfgPath := fs.String("config", "", "config file (YAML); defaults apply when omitted")
	roles := fs.String("roles", "", "comma-separated roles to run: "+strings.Join(config.KnownRoles, ","))
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	if *roles != "" {
		cfg.Roles = strings.Split(*roles, ",")
		if err := cfg.Validate(); err != nil {
			return usagef("--roles: %v", err)
		}
	}
	log := newLogger(env.stderr, cfg.LogLevel)
	a, err := app.Start(ctx, cfg, log)
	if err != nil {
		return err
	}
	return a.Run(ctx)
}

func runMigrate(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "migrate")
	cfgPath := fs.String("config", "", "config file (YAML)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	s, applied, err := openMigrated(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	info := s.Info()
	fmt.Fprintf(env.stdout, "%s %s, database %s: %d migrations applied\n", info.Engine, info.Version, info.Database, len(applied))
	for _, a := range applied {
		fmt.Fprintln(env.stdout, "  applied", a)
	}
	return nil
}
