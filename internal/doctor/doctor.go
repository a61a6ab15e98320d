// Package doctor checks an ewom installation and says what to fix: the data
// directory, the embedded engine's library, the bus and its backlog, the
// store, its version and migrations, and the configured sources.
package doctor

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ewom/ewom/internal/bus"
	"github.com/ewom/ewom/internal/collector"
	"github.com/ewom/ewom/internal/config"
	"github.com/ewom/ewom/internal/mention"
	"github.com/ewom/ewom/internal/store"
	"github.com/ewom/ewom/internal/store/chdblib"
)

// Status grades a check.
type Status string

// The grades, worst last.
const (
	OK   Status = "ok"
	Warn Status = "warn"
	Fail Status = "FAIL"
)

// Check is one finding: what was checked, how it stands, and what to do.
type Check struct {
	Name   string `json:"name"`
	Status Status `json:"status"`
	Detail string `json:"detail"`
	Fix    string `json:"fix,omitempty"`
}

// Run performs every check for cfg. With embedded defaults the bus and store
// belong to the running service, so they are checked through its /readyz
// when it answers, and opened directly only when it does not.
func Run(ctx context.Context, cfg config.Config) []Check {
	var out []Check
	add := func(c Check) { out = append(out, c) }
	add(checkDataDir(cfg.DataDir))
	add(checkSources(cfg))

	embedded := cfg.NATS.URL == "" || cfg.Store.DSN == ""
	if svc, ok := checkService(ctx, cfg); ok {
		add(svc)
		if embedded {
			return out
		}
	} else if embedded {
		add(Check{Name: "service", Status: OK, Detail: "not running at " + cfg.HTTP.Listen + "; checking its data directly"})
	}
	if cfg.Store.DSN == "" {
		add(checkLibrary(cfg.Store.ChdbLib))
	}
	out = append(out, checkBus(ctx, cfg)...)
	out = append(out, checkStore(ctx, cfg)...)
	return out
}

// Failed reports whether any check failed.
func Failed(checks []Check) bool {
	for _, c := range checks {
		if c.Status == Fail {
			return true
		}
	}
	return false
}

// Print writes the checks as aligned lines.
func Print(w io.Writer, checks []Check) {
	for _, c := range checks {
		fmt.Fprintf(w, "%-4s  %-10s %s\n", c.Status, c.Name, c.Detail)
		if c.Fix != "" {
			fmt.Fprintf(w, "      %-10s → %s\n", "", c.Fix)
		}
	}
}

func checkDataDir(dir string) Check {
	c := Check{Name: "data_dir"}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		c.Status, c.Detail, c.Fix = Fail, err.Error(), "set data_dir to a writable directory"
		return c
	}
	probe, err := os.CreateTemp(dir, ".doctor-")
	if err != nil {
		c.Status, c.Detail, c.Fix = Fail, "not writable: "+err.Error(), "fix the directory's owner or permissions"
		return c
	}
	probe.Close()
	os.Remove(probe.Name())
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		c.Status, c.Detail = Warn, "free space unknown: "+err.Error()
		return c
	}
	free := st.Bavail * uint64(st.Bsize)
	c.Status, c.Detail = OK, fmt.Sprintf("%s, %.1f GiB free", dir, float64(free)/(1<<30))
	switch {
	case free < 200<<20:
		c.Status, c.Fix = Fail, "free disk space: the bus and the store stop accepting writes when the disk is full"
	case free < 2<<30:
		c.Status, c.Fix = Warn, "less than 2 GiB free: plan more disk or set store.retention"
	}
	return c
}

func checkSources(cfg config.Config) Check {
	c := Check{Name: "sources", Status: OK}
	if len(cfg.Sources) == 0 {
		c.Detail = "none configured (mentions arrive only through the ingest API and webhooks)"
		return c
	}
	r, err := collector.NewRunner(cfg.Sources, collector.Options{Publisher: nopPublisher{}, Cursors: nopCursors{},
		Registerer: prometheus.NewRegistry(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		c.Status, c.Detail, c.Fix = Fail, err.Error(), "correct the named sources[i] keys (see collectors/<type>/README.md)"
		return c
	}
	c.Detail = fmt.Sprintf("%d configured: %s", len(r.Sources()), strings.Join(r.Sources(), ", "))
	return c
}

type nopPublisher struct{}

func (nopPublisher) Publish(context.Context, *mention.Mention) error { return nil }

type nopCursors struct{}

func (nopCursors) Get(context.Context, string) ([]byte, error) { return nil, nil }
func (nopCursors) Put(context.Context, string, []byte) error   { return nil }

func checkService(ctx context.Context, cfg config.Config) (Check, bool) {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+cfg.HTTP.Listen+"/readyz", nil)
	if err != nil {
		return Check{}, false
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return Check{}, false
	}
	defer resp.Body.Close()
	var deps map[string]string
	_ = json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&deps)
	c := Check{Name: "service", Status: OK, Detail: fmt.Sprintf("running at %s, ready: %v", cfg.HTTP.Listen, deps)}
	if resp.StatusCode != http.StatusOK {
		c.Status, c.Fix = Fail, "a dependency is not ready; see the service's log"
	}
	return c, true
}

func checkLibrary(path string) Check {
	p, err := chdblib.Load(path)
	if err != nil {
		return Check{Name: "chdb", Status: Fail, Detail: err.Error(), Fix: "run scripts/install-chdb.sh, or set store.dsn to a ClickHouse server"}
	}
	return Check{Name: "chdb", Status: OK, Detail: "library " + p}
}

func checkBus(ctx context.Context, cfg config.Config) []Check {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	b, err := bus.Open(ctx, cfg.NATS, cfg.DataDir, bus.NewMetrics(prometheus.NewRegistry()), slog.New(slog.DiscardHandler))
	if err != nil {
		return []Check{{Name: "bus", Status: Fail, Detail: err.Error(), Fix: "check nats.url, credentials and TLS; is the server running?"}}
	}
	defer b.Close()
	out := []Check{{Name: "bus", Status: OK, Detail: "JetStream reachable (" + cfg.NATS.Display() + ")"}}
	pending, ackPending, err := b.Pending(ctx)
	switch {
	case err != nil:
		out = append(out, Check{Name: "backlog", Status: Warn, Detail: "no classifier consumer yet: " + err.Error(), Fix: "start a process with the classify role"})
	case pending > 100000:
		out = append(out, Check{Name: "backlog", Status: Warn, Detail: fmt.Sprintf("%d mentions waiting, %d in flight", pending, ackPending),
			Fix: "classifiers are behind: add workers (pipeline.workers, more classify processes) or check the store"})
	default:
		out = append(out, Check{Name: "backlog", Status: OK, Detail: fmt.Sprintf("%d mentions waiting, %d in flight", pending, ackPending)})
	}
	if dead, err := b.DeadLetters(ctx, 1000); err == nil && len(dead) > 0 {
		out = append(out, Check{Name: "dead", Status: Warn, Detail: fmt.Sprintf("%d+ dead letters; latest: %s", len(dead), dead[len(dead)-1].Reason),
			Fix: "inspect stream " + bus.DeadStream(cfg.NATS.Stream) + " (nats stream view), fix the producer, re-import the mentions"})
	}
	return out
}

func checkStore(ctx context.Context, cfg config.Config) []Check {
	s, err := store.Open(ctx, cfg.Store, cfg.DataDir)
	if err != nil {
		return []Check{{Name: "store", Status: Fail, Detail: err.Error(), Fix: "check store.dsn (server running? user and password?) or the chDB library"}}
	}
	defer s.Close()
	info := s.Info()
	out := []Check{{Name: "store", Status: OK, Detail: fmt.Sprintf("%s %s, database %s", info.Engine, info.Version, info.Database)}}
	pending, err := s.PendingMigrations(ctx)
	switch {
	case err != nil:
		out = append(out, Check{Name: "schema", Status: Fail, Detail: err.Error()})
		return out
	case len(pending) > 0:
		out = append(out, Check{Name: "schema", Status: Warn, Detail: fmt.Sprintf("%d migrations pending: %s", len(pending), strings.Join(pending, "; ")),
			Fix: "run ewom migrate --config FILE (serve also migrates at start)"})
		return out
	default:
		out = append(out, Check{Name: "schema", Status: OK, Detail: "all migrations applied"})
	}
	rows, err := s.Query(ctx, "SELECT uniqExact(mention_id) AS n, max(published_at) AS published, max(ingested_at) AS ingested FROM "+s.Table("mentions"))
	if err != nil || len(rows) != 1 {
		out = append(out, Check{Name: "mentions", Status: Fail, Detail: fmt.Sprint("query: ", err)})
		return out
	}
	var v struct {
		N                   uint64
		Published, Ingested string
	}
	_ = json.Unmarshal(rows[0], &v)
	out = append(out, Check{Name: "mentions", Status: OK, Detail: fmt.Sprintf("%d stored, latest published %s, latest ingested %s", v.N, v.Published, v.Ingested)})
	return out
}
