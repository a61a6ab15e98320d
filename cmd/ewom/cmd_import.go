package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ewom/ewom/internal/config"
	"github.com/ewom/ewom/internal/importer"
)

func init() {
	register("import", "send JSONL or CSV mention files through the running service's ingest API", runImport)
}

func runImport(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "import")
	server := fs.String("server", "http://127.0.0.1:8080", "base URL of the running ewom")
	tokenFile := fs.String("token-file", "", "file holding the API token (default: EWOM_TOKEN, else ./data/api-token)")
	chunk := fs.Int("chunk", 1000, "mentions per request")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("name at least one file: ewom import [--server URL] FILE…")
	}
	if *chunk < 1 {
		return usagef("--chunk must be at least 1")
	}
	token, err := importToken(*tokenFile)
	if err != nil {
		return usageError{err}
	}
	c := &importer.Client{Server: *server, Token: token, HTTP: &http.Client{Timeout: 2 * time.Minute}, MaxRetries: 5,
		Log: newLogger(env.stderr, "info")}
	var res importer.Result
	start := time.Now()
	read := 0
	for _, name := range fs.Args() {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		var pending []importer.Record
		flush := func() error {
			if len(pending) == 0 {
				return nil
			}
			err := c.SendChunk(ctx, name, pending, &res)
			pending = pending[:0]
			if read%(*chunk*20) < *chunk || err != nil {
				fmt.Fprintf(env.stderr, "%s: %d lines read, %d accepted, %d rejected (%.0f/s)\n",
					name, read, res.Accepted, len(res.Rejected), float64(read)/time.Since(start).Seconds())
			}
			return err
		}
		err = importer.Read(name, f, func(r importer.Record) error {
			read++
			if r.Err != nil {
				res.Rejected = append(res.Rejected, importer.Rejected{File: name, Line: r.Line, Error: r.Err.Error()})
				return nil
			}
			pending = append(pending, r)
			if len(pending) >= *chunk {
				return flush()
			}
			return nil
		})
		if err == nil {
			err = flush()
		}
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	for _, r := range res.Rejected {
		fmt.Fprintf(env.stderr, "%s:%d: rejected: %s\n", r.File, r.Line, r.Error)
	}
	if res.Unlisted > 0 {
		fmt.Fprintf(env.stderr, "%d more lines rejected, not named by the server (it names 1000 a request): use --chunk 1000 or less\n",
			res.Unlisted)
	}
	rejected := len(res.Rejected) + res.Unlisted
	fmt.Fprintf(env.stderr, "import done: %d read, %d accepted, %d rejected, %d failed, %d duplicates (ids already received: not stored again) in %s\n",
		read, res.Accepted, rejected, res.Failed, res.Duplicates, time.Since(start).Round(time.Millisecond))
	if rejected > 0 || res.Failed > 0 {
		return fmt.Errorf("%d lines rejected, %d failed (see above)", rejected, res.Failed)
	}
	return nil
}

func importToken(tokenFile string) (string, error) {
	if tokenFile == "" {
		if t := os.Getenv("EWOM_TOKEN"); t != "" {
			return t, nil
		}
		tokenFile = filepath.Join(config.Default().DataDir, "api-token")
	}
	b, err := os.ReadFile(tokenFile)
	if err != nil {
		return "", fmt.Errorf("no API token: set EWOM_TOKEN or --token-file (%v)", err)
	}
	return strings.TrimSpace(string(b)), nil
}
