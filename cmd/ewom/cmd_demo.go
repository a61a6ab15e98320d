package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/ewom/ewom/internal/demo"
)

func init() {
	register("demo", "start the service with a generated week of eWOM (a delivery crisis included) for a first look", runDemo)
}

func runDemo(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "demo")
	cfgPath := fs.String("config", "", "config file (YAML) for the service; its brands and sources are replaced by the demo's")
	dataDir := fs.String("data-dir", "", "keep the demo's data here (default: a temporary directory removed on exit)")
	listen := fs.String("listen", "", "HTTP address (default: the config's http.listen, 127.0.0.1:8080)")
	seed := fs.Uint64("seed", 1, "seed of the generated week")
	exit := fs.Bool("exit", false, "stop once the week is stored instead of serving")
	live := fs.Duration("live", 30*time.Second, "how often to post fresh mentions while serving (0: never)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	if *listen != "" {
		cfg.HTTP.Listen = *listen
	}
	switch {
	case *dataDir != "":
		cfg.DataDir = *dataDir
	case !flagSet(fs, "config") && os.Getenv("EWOM_DATA_DIR") == "":
		tmp, err := os.MkdirTemp("", "ewom-demo-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		cfg.DataDir = tmp
	}
	if err := cfg.Validate(); err != nil {
		return usagef("%v", err)
	}
	log := newLogger(env.stderr, cfg.LogLevel)
	fmt.Fprintf(env.stderr, "ewom demo: generating a week of mentions and streaming it through the ingest API (data in %s)\n", cfg.DataDir)
	d, err := demo.Start(ctx, demo.Options{Config: cfg, Seed: *seed, Log: log})
	if err != nil {
		return err
	}
	sc := d.Scenario
	personas := map[string]bool{}
	for _, it := range sc.Items {
		if it.Persona != "" {
			personas[it.Persona] = true
		}
	}
	fmt.Fprintf(env.stdout, "ewom demo: %d mentions of %s, %s and %s (%s – %s) stored in %s through the real pipeline\n",
		len(sc.Items), demo.Retailer, demo.RivalA, demo.RivalB, sc.Start.Format(time.DateTime), sc.End.Format(time.DateTime), d.Took.Round(100*time.Millisecond))
	fmt.Fprintf(env.stdout, "  %d authors walk a purchase path over several posts; late laptop deliveries since %s go viral at %s (UTC)\n",
		len(personas), sc.CrisisStart.Format("Mon 15:04"), sc.SurgeStart.Format("Mon 15:04"))
	fmt.Fprintf(env.stdout, "  open %s/  (API token in %s)\n", d.URL, tokenSource(cfg.HTTP.TokenFile, cfg.DataDir))
	if *exit {
		return d.Stop()
	}
	fmt.Fprintln(env.stdout, "  serving; Ctrl-C stops")
	var liveErr error
	if *live > 0 {
		liveErr = d.Live(ctx, *live)
	} else {
		<-ctx.Done()
	}
	if err := d.Stop(); err != nil {
		return err
	}
	return liveErr
}

// tokenSource says where the API token comes from, never the token itself.
func tokenSource(tokenFile, dataDir string) string {
	switch {
	case os.Getenv("EWOM_TOKEN") != "":
		return "$EWOM_TOKEN"
	case tokenFile != "":
		return tokenFile
	default:
		return filepath.Join(dataDir, "api-token")
	}
}

func flagSet(fs *flag.FlagSet, name string) bool {
	found := false
	fs.Visit(func(f *flag.Flag) { found = found || f.Name == name })
	return found
}
