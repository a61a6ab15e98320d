package main

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/ewom/ewom/internal/app"
	"github.com/ewom/ewom/internal/config"
	"github.com/ewom/ewom/internal/store"
	"github.com/ewom/ewom/internal/store/storetest"
)

// startService runs the service on the embedded defaults with the shared
// test engine, guarded by token, until the test ends; it returns the
// service's base URL and its store.
func startService(t *testing.T, token string) (string, store.Store) {
	t.Helper()
	a, s := startApp(t, token, func(*config.Config) {})
	return "http://" + a.Addr(), s
}

// startApp is startService with the configuration tuned first, returning
// the running app.
func startApp(t *testing.T, token string, tune func(*config.Config)) (*app.App, store.Store) {
	t.Helper()
	s := storetest.Embedded(t)
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.HTTP.Listen = "127.0.0.1:0"
	cfg.HTTP.Token = token
	cfg.Store.FlushInterval = 50 * time.Millisecond
	tune(&cfg)
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.Start(ctx, cfg, slog.New(slog.DiscardHandler), app.WithStore(s))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return a, s
}
