package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ewom/ewom/internal/bus"
	"github.com/ewom/ewom/internal/config"
	"github.com/ewom/ewom/internal/erasure"
)

func init() {
	register("forget", "erase everything stored about an author (GDPR): mentions, rollups, corrections, alert samples, bus", runForget)
	register("export", "export everything stored about an author as JSON (GDPR access request)", runExport)
}

// authorTarget opens the store and bus of cfg for the author; the returned
// function closes them.
func authorTarget(ctx context.Context, cfg config.Config, handle string, log *slog.Logger) (erasure.Target, func(), error) {
	handles, err := erasure.Handles(handle, cfg.Privacy, os.Getenv)
	if err != nil {
		return erasure.Target{}, nil, usagef("%v", err)
	}
	s, err := openStore(ctx, cfg)
	if err != nil {
		return erasure.Target{}, nil, err
	}
	if _, err := s.Migrate(ctx); err != nil {
		s.Close()
		return erasure.Target{}, nil, fmt.Errorf("migrate: %w", err)
	}
	b, err := bus.Open(ctx, cfg.NATS, cfg.DataDir, bus.NewMetrics(prometheus.NewRegistry()), log)
	if err != nil {
		s.Close()
		return erasure.Target{}, nil, err
	}
	// The bus names its dead-letter stream after the mention stream.
	t := erasure.Target{Handles: handles, Store: s, JS: b.JetStream(), Streams: []string{cfg.NATS.Stream, bus.DeadStream(cfg.NATS.Stream)}}
	return t, func() { b.Close(); s.Close() }, nil
}

// authorFlags are the flags forget and export share.
type authorFlags struct {
	fs                                *flag.FlagSet
	config, author, server, tokenFile *string
}

func newAuthorFlags(env *cliEnv, name string) authorFlags {
	fs := newFlagSet(env, name)
	return authorFlags{fs: fs, config: fs.String("config", "", "config file (YAML)"),
		author:    fs.String("author", "", "the author's handle as collected, e.g. @moona@mastodon.social (mapped to its pseudonym when privacy.pseudonymize_authors is on)"),
		server:    fs.String("server", "", "base URL of a running ewom to send the request to (the embedded engine and bus belong to the running service)"),
		tokenFile: fs.String("token-file", "", "with --server: file holding the API token (default: EWOM_TOKEN, else ./data/api-token)")}
}

// remote sends the request to the running service's /api/v1/authors/<action>
// and returns the answer's body.
func (f authorFlags) remote(ctx context.Context, action string) ([]byte, error) {
	token, err := importToken(*f.tokenFile)
	if err != nil {
		return nil, usageError{err}
	}
	body, _ := json.Marshal(erasure.AuthorRequest{Author: *f.author})
	url := strings.TrimSuffix(*f.server, "/") + "/api/v1/authors/" + action
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, usagef("--server: %v", err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := (&http.Client{Timeout: 10 * time.Minute}).Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", url, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s: %s", url, resp.Status, bytes.TrimSpace(out))
	}
	return out, nil
}

// parse parses args; --author is required.
func (f authorFlags) parse(args []string) error {
	if err := parseFlags(f.fs, args); err != nil {
		return err
	}
	if *f.author == "" {
		return usagef("--author is required")
	}
	return nil
}

// open loads the config and opens the author's target; the returned
// function closes it.
func (f authorFlags) open(ctx context.Context, env *cliEnv) (erasure.Target, func(), error) {
	cfg, err := loadConfig(*f.config)
	if err != nil {
		return erasure.Target{}, nil, err
	}
	return authorTarget(ctx, cfg, *f.author, newLogger(env.stderr, cfg.LogLevel))
}

func runForget(ctx context.Context, env *cliEnv, args []string) error {
	f := newAuthorFlags(env, "forget")
	if err := f.parse(args); err != nil {
		return err
	}
	if *f.server != "" {
		out, err := f.remote(ctx, "forget")
		if err != nil {
			return err
		}
		_, err = env.stdout.Write(out)
		return err
	}
	t, closeAll, err := f.open(ctx, env)
	if err != nil {
		return err
	}
	defer closeAll()
	rep, err := erasure.Forget(ctx, t)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(env.stdout)
	return enc.Encode(struct {
		Author string `json:"author"`
		erasure.Report
	}{*f.author, rep})
}

func runExport(ctx context.Context, env *cliEnv, args []string) error {
	f := newAuthorFlags(env, "export")
	out := f.fs.String("out", "-", "write the JSON here (- for stdout)")
	if err := f.parse(args); err != nil {
		return err
	}
	var exp erasure.Export
	if *f.server != "" {
		body, err := f.remote(ctx, "export")
		if err != nil {
			return err
		}
		if err := json.Unmarshal(body, &exp); err != nil {
			return fmt.Errorf("%s answered: %w", *f.server, err)
		}
	} else {
		t, closeAll, err := f.open(ctx, env)
		if err != nil {
			return err
		}
		defer closeAll()
		if exp, err = erasure.ExportAuthor(ctx, t); err != nil {
			return err
		}
	}
	var w io.Writer = env.stdout
	if *out != "-" {
		f, err := os.OpenFile(*out, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(exp); err != nil {
		return err
	}
	fmt.Fprintf(env.stderr, "ewom export: %d mention rows, %d label corrections, %d alert samples, %d bus messages\n",
		len(exp.Mentions), len(exp.LabelCorrections), len(exp.AlertSamples), len(exp.Bus))
	return nil
}
