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
