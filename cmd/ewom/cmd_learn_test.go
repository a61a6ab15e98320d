package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ewom/ewom/internal/app"
	"github.com/ewom/ewom/internal/classify"
	"github.com/ewom/ewom/internal/config"
	"github.com/ewom/ewom/internal/learn/learntest"
	"github.com/ewom/ewom/internal/store"
	"github.com/ewom/ewom/internal/store/storetest"
)

// withTestStore makes the CLI commands open s (a view of the one embedded
// engine the test process holds) instead of the configured store.
func withTestStore(t *testing.T, s store.Store) string {
	t.Helper()
	prev := openStore
	openStore = func(context.Context, config.Config) (store.Store, error) { return s, nil }
	t.Cleanup(func() { openStore = prev })
	dir := t.TempDir()
	path := filepath.Join(dir, "ewom.yaml")
	if err := os.WriteFile(path, []byte("data_dir: "+dir+"\nbrands:\n  - name: Novira\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func cli(args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), &cliEnv{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr}, args)
	return code, stdout.String(), stderr.String()
}

// startedVersion starts the service's classify and api roles on s and
// returns the classifier_version it labels with.
func startedVersion(t *testing.T, s store.Store) string {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.HTTP.Listen = "127.0.0.1:0"
	cfg.HTTP.Token = "learn-test-token"
	cfg.Roles = []string{"classify", "api"}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, err := app.Start(ctx, cfg, slog.New(slog.DiscardHandler), app.WithStore(s))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	cancel()
	<-done
	return a.ClassifierVersion()
}

func TestLearnActivatesAndServeAndReclassifyUseTheModel(t *testing.T) {
	s := storetest.Embedded(t)
	cfgPath := withTestStore(t, s)
	learntest.Store(t, s, learntest.Deployment(150, false, 1), true)
	shipped, err := classify.New(nil)
	if err != nil {
		t.Fatal(err)
	}

	code, out, errOut := cli("learn", "--config", cfgPath)
	t.Logf("ewom learn:\n%s%s", out, errOut)
	m := regexp.MustCompile(`activated (r\S+\+d[0-9a-f]{10})`).FindStringSubmatch(out)
	if code != 0 || m == nil {
		t.Fatalf("learn: exit %d, no activation", code)
	}
	version := m[1]
	if code, out, _ := cli("learn", "--config", cfgPath, "--list"); code != 0 || !strings.Contains(out, "* "+version) {
		t.Fatalf("--list: exit %d\n%s", code, out)
	}
	if got := startedVersion(t, s); got != version {
		t.Errorf("serve labels with %s, want the learned %s", got, version)
	}
	code, out, errOut = cli("reclassify", "--config", cfgPath)
	if code != 0 || !strings.Contains(out, "reclassified 300 mentions to "+version) {
		t.Fatalf("reclassify: exit %d\n%s%s", code, out, errOut)
	}
	rows, err := s.Query(context.Background(), "SELECT DISTINCT classifier_version AS v FROM "+s.Table("mentions")+" FINAL")
	if err != nil || len(rows) != 1 {
		t.Fatalf("classifier versions after reclassify: %s, %v", rows, err)
	}
	var v struct{ V string }
	if json.Unmarshal(rows[0], &v); v.V != version {
		t.Errorf("history labelled by %s, want %s", v.V, version)
	}

	code, out, errOut = cli("learn", "--config", cfgPath, "--rollback")
	if code != 0 || !strings.Contains(out, "deactivated "+version+"; active now: shipped") {
		t.Fatalf("rollback: exit %d\n%s%s", code, out, errOut)
	}
	if got := startedVersion(t, s); got != shipped.Version() {
		t.Errorf("after rollback serve labels with %s, want the shipped %s", got, shipped.Version())
	}
	if code, _, errOut := cli("learn", "--config", cfgPath, "--activate", "r4-nonsense"); code != 2 || !strings.Contains(errOut, "no stored model") {
		t.Errorf("--activate of an unknown version: exit %d, %s", code, errOut)
	}
	if code, out, _ := cli("learn", "--config", cfgPath, "--activate", version); code != 0 || !strings.Contains(out, "activated "+version) {
		t.Errorf("--activate: exit %d, %s", code, out)
	}
}

func TestLearnRefusesTooFewCorrections(t *testing.T) {
	s := storetest.Embedded(t)
	cfgPath := withTestStore(t, s)
	learntest.Store(t, s, learntest.Deployment(10, false, 1), true)
	code, out, errOut := cli("learn", "--config", cfgPath)
	if code != 1 || !strings.Contains(errOut, "too few examples") || !strings.Contains(errOut, "at least 50 are needed") ||
		!strings.Contains(out, "examples: 20 label corrections") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if code, out, _ := cli("learn", "--config", cfgPath, "--list"); code != 0 || !strings.HasPrefix(out, "* shipped") {
		t.Errorf("--list: exit %d\n%s", code, out)
	}
}
