package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	_ "github.com/ewom/ewom/collectors/all" // register every collector type
	"github.com/ewom/ewom/internal/collector"
	"github.com/ewom/ewom/internal/config"
	"github.com/ewom/ewom/internal/mention"
)

func init() {
	register("collect", "run the configured collectors once and print mention JSON lines (a dry run)", runCollect)
}

// sourceNames is a repeatable --source flag.
type sourceNames []string

func (s *sourceNames) String() string     { return strings.Join(*s, ",") }
func (s *sourceNames) Set(v string) error { *s = append(*s, v); return nil }

func runCollect(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "collect")
	cfgPath := fs.String("config", "", "configuration file (required)")
	once := fs.Bool("once", false, "run each source once and exit (required: 'ewom serve' runs collectors continuously)")
	streamFor := fs.Duration("stream-for", 10*time.Second, "how long streaming sources (bluesky) listen before stopping")
	verbose := fs.Bool("v", false, "log each request and pass to stderr")
	var names sourceNames
	fs.Var(&names, "source", "run only the source with this name (repeatable)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if !*once {
		return usagef("--once is required (collectors run continuously under 'ewom serve')")
	}
	if *cfgPath == "" {
		return usagef("--config is required")
	}
	if fs.NArg() > 0 {
		return usagef("unexpected arguments: %v", fs.Args())
	}
	cfg, err := config.Load(*cfgPath)
	if err != nil {
		return usagef("%v", err)
	}
	if len(cfg.Sources) == 0 {
		return usagef("%s: no sources configured", *cfgPath)
	}
	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelDebug
	}
	pub := &jsonLinesPublisher{w: bufio.NewWriter(env.stdout)}
	r, err := collector.NewRunner(cfg.Sources, collector.Options{
		Publisher: pub,
		Cursors:   &collector.MemoryCursors{},
		Logger:    slog.New(slog.NewTextHandler(env.stderr, &slog.HandlerOptions{Level: level})),
	})
	if err != nil {
		return usagef("%v", err)
	}
	stats, err := r.RunOnce(ctx, *streamFor, names...)
	if ferr := pub.flush(); ferr != nil && err == nil {
		err = ferr
	}
	if err != nil {
		return usagef("%v", err)
	}
	failed := printSummary(env.stderr, stats)
	if failed > 0 {
		return fmt.Errorf("%d of %d sources failed", failed, len(stats))
	}
	return nil
}

// printSummary writes one line per source and then each failure; it returns
// the number of failed sources.
func printSummary(w io.Writer, stats []collector.Stats) int {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SOURCE\tTYPE\tFETCHED\tNEW\tSKIPPED\tERRORS")
	failed := 0
	for _, s := range stats {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\n", s.Source, s.Type, s.Fetched(), s.Emitted, s.Skipped, s.Errors)
		if s.Err != nil {
			failed++
		}
	}
	tw.Flush()
	for _, s := range stats {
		if s.Err != nil {
			fmt.Fprintf(w, "error: %v\n", s.Err)
		}
	}
	return failed
}

// jsonLinesPublisher prints each mention as one JSON line; sources run
// concurrently, so writes are serialised.
type jsonLinesPublisher struct {
	mu  sync.Mutex
	w   *bufio.Writer
	err error
}

func (p *jsonLinesPublisher) Publish(_ context.Context, m *mention.Mention) error {
	b, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("encode mention: %w", err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.err != nil {
		return p.err
	}
	p.w.Write(b)
	if err := p.w.WriteByte('\n'); err != nil {
		p.err = fmt.Errorf("writing stdout: %w", err)
	}
	return p.err
}

func (p *jsonLinesPublisher) flush() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.w.Flush(); err != nil {
		return fmt.Errorf("writing stdout: %w", err)
	}
	return p.err
}
