package main

import (
	"context"

	"github.com/ewom/ewom/internal/config"
	"github.com/ewom/ewom/internal/store"
)

// openStore opens the configured store for CLI commands (a variable so that
// tests can hand commands the one embedded engine a process may hold).
var openStore = func(ctx context.Context, cfg config.Config) (store.Store, error) {
	return store.Open(ctx, cfg.Store, cfg.DataDir)
}

// openMigrated opens the configured store and applies pending migrations,
// whose names it returns; the caller closes the store.
func openMigrated(ctx context.Context, cfg config.Config) (store.Store, []string, error) {
	s, err := openStore(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	applied, err := s.Migrate(ctx)
	if err != nil {
		s.Close()
		return nil, nil, err
	}
	return s, applied, nil
}
