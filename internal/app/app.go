// Package app assembles ewom's roles (collect, classify, api, alert) into one
// process: the bus, the store, the classifier workers, the collectors and the
// HTTP server, started in dependency order and stopped in reverse.
package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	_ "github.com/ewom/ewom/collectors/all" // the collect role runs every registered source type
	"github.com/ewom/ewom/collectors/webhook"
	"github.com/ewom/ewom/internal/alert"
	"github.com/ewom/ewom/internal/api"
	"github.com/ewom/ewom/internal/bus"
	"github.com/ewom/ewom/internal/classify"
	"github.com/ewom/ewom/internal/collector"
	"github.com/ewom/ewom/internal/config"
	"github.com/ewom/ewom/internal/digest"
	"github.com/ewom/ewom/internal/erasure"
	"github.com/ewom/ewom/internal/learn"
	"github.com/ewom/ewom/internal/pipeline"
	"github.com/ewom/ewom/internal/privacy"
	"github.com/ewom/ewom/internal/store"
	"github.com/ewom/ewom/internal/terms"
	"github.com/ewom/ewom/internal/web"
)

// App is a running ewom process.
type App struct {
	Config   config.Config
	Log      *slog.Logger
	Registry *prometheus.Registry
	Bus      *bus.Bus
	Store    store.Store

	workers     []*pipeline.Worker
	collectors  *collector.Runner
	alerts      *alert.Service
	digests     *digest.Service
	web         *web.Server
	httpSrv     *http.Server
	listener    net.Listener
	sharedStore bool
	clsOpts     []classify.Option // the active deployment model (ewom learn)
	clsVersion  string
}

// Option changes how Start builds the app.
type Option func(*App)

// WithStore uses an already open store instead of opening the configured
// one (tests share the one embedded engine a process can hold). The app
// does not close it.
func WithStore(s store.Store) Option {
	return func(a *App) { a.Store, a.sharedStore = s, true }
}

// Start brings up the roles in cfg.Roles. On error everything started so far
// is closed again.
func Start(ctx context.Context, cfg config.Config, log *slog.Logger, opts ...Option) (*App, error) {
	a := &App{Config: cfg, Log: log, Registry: prometheus.NewRegistry()}
	for _, o := range opts {
		o(a)
	}
	a.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	started := false
	defer func() {
		if !started {
			a.close()
		}
	}()
	var err error
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("data_dir %s: %w", cfg.DataDir, err)
	}
	if needsBus := cfg.HasRole("collect") || cfg.HasRole("classify") || cfg.HasRole("api"); needsBus {
		if err := a.openBus(ctx); err != nil {
			return nil, err
		}
	}
	if needsStore := cfg.HasRole("classify") || cfg.HasRole("api") || cfg.HasRole("alert"); needsStore {
		if a.Store == nil {
			wait := cfg.StartupTimeout
			if cfg.Store.DSN == "" {
				wait = 0 // embedded: nothing to wait for
			}
			if a.Store, err = waitFor(ctx, log, "store", wait, func(ctx context.Context) (store.Store, error) {
				return store.Open(ctx, cfg.Store, cfg.DataDir)
			}, "dsn", config.RedactDSN(cfg.Store.DSN)); err != nil {
				return nil, err
			}
		}
		applied, err := a.Store.Migrate(ctx)
		if err != nil {
			return nil, fmt.Errorf("migrate: %w", err)
		}
		info := a.Store.Info()
		log.Info("store ready", "engine", info.Engine, "version", info.Version, "database", info.Database, "migrations_applied", len(applied))
		if a.clsOpts, err = learn.ClassifierOptions(ctx, a.Store); err != nil {
			return nil, fmt.Errorf("classifier model: %w", err)
		}
	}
	if err := a.ensureToken(); err != nil {
		return nil, err
	}
	if err := a.build(); err != nil {
		return nil, err
	}
	if err := a.listen(); err != nil {
		return nil, err
	}
	started = true
	return a, nil
}

// openBus connects to the bus and sets up its streams, waiting up to
// startup_timeout for an external NATS (a server not up yet, a replicated
// stream still electing its leader).
func (a *App) openBus(ctx context.Context) error {
	cfg := a.Config
	wait := cfg.StartupTimeout
	if cfg.NATS.URL == "" {
		wait = 0 // embedded: nothing to wait for
	}
	m := bus.NewMetrics(a.Registry)
	b, err := waitFor(ctx, a.Log, "bus", wait, func(ctx context.Context) (*bus.Bus, error) {
		return bus.Open(ctx, cfg.NATS, cfg.DataDir, m, a.Log.With("component", "bus"))
	}, "nats", cfg.NATS.Display(), "stream", cfg.NATS.Stream)
	if err != nil {
		return err
	}
	a.Bus = b
	a.Bus.RegisterLag(a.Registry)
	if addr := a.Bus.ListenAddr(); addr != "" {
		a.Log.Info("bus ready", "nats", cfg.NATS.Display(), "stream", cfg.NATS.Stream, "listen", addr)
	} else {
		a.Log.Info("bus ready", "nats", cfg.NATS.Display(), "stream", cfg.NATS.Stream)
	}
	return nil
}

// listen binds the HTTP port early so that a taken port fails start-up.
// Every role serves /metrics and the health endpoints there.
func (a *App) listen() error {
	l, err := net.Listen("tcp", a.Config.HTTP.Listen)
	if err != nil {
		return fmt.Errorf("http.listen %s: %w", a.Config.HTTP.Listen, err)
	}
	a.listener = l
	return nil
}

// ensureToken gives the API (and the status endpoints, with
// http.status_auth) a token when none is configured: the write API is
// never open.
func (a *App) ensureToken() error {
	if !a.Config.HasRole("api") && !a.Config.HTTP.StatusAuth || a.Config.HTTP.Token != "" {
		return nil
	}
	tok, path, err := generatedToken(a.Config.DataDir)
	if err != nil {
		return err
	}
	a.Config.HTTP.Token = tok
	a.Log.Info("no http.token_file or EWOM_TOKEN set; using the generated API token", "token_file", path)
	return nil
}

// generatedToken reads data_dir/api-token, creating it with a random token.
func generatedToken(dataDir string) (string, string, error) {
	path := filepath.Join(dataDir, "api-token")
	switch tok, err := config.ReadTokenFile(path); {
	case err == nil && len(tok) >= config.MinTokenBytes:
		return tok, path, nil
	case err == nil && tok != "":
		return "", "", fmt.Errorf("%s: the API token is %d bytes; use at least %d, or delete the file to have one generated",
			path, len(tok), config.MinTokenBytes)
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return "", "", err
	}
	buf := make([]byte, 24)
	if _, err := rand.Read(buf); err != nil {
		return "", "", err
	}
	tok := hex.EncodeToString(buf)
	if err := os.WriteFile(path, []byte(tok), 0o600); err != nil {
		return "", "", fmt.Errorf("write API token: %w", err)
	}
	return tok, path, nil
}

// ClassifierVersion is the classifier_version the process labels with
// ("" without the classify and api roles).
func (a *App) ClassifierVersion() string { return a.clsVersion }

// Addr is the HTTP listener's address, once started with the api role.
func (a *App) Addr() string {
	if a.listener == nil {
		return ""
	}
	return a.listener.Addr().String()
}

// build constructs every component the roles need, so that configuration
// errors stop Start (which cleans up) rather than a running Run.
func (a *App) build() error {
	cfg := a.Config
	var ann *terms.Annotator
	clsOpts := a.clsOpts
	if cfg.HasRole("classify") {
		ext, err := terms.New(cfg.Brands)
		if err != nil {
			return err
		}
		if ann, err = terms.NewAnnotator(ext, a.Registry); err != nil { // one story index for the process's workers
			return err
		}
		// The classifier keeps the annotator's analyses of the words in
		// its word memo: a word is looked up once for both.
		clsOpts = append(slices.Clip(clsOpts), classify.WithAnalyser(ext))
	}
	var cls *classify.Classifier
	if cfg.HasRole("classify") || cfg.HasRole("api") { // the UI explains labels too
		var err error
		if cls, err = classify.New(cfg.Brands, clsOpts...); err != nil {
			return fmt.Errorf("classifier: %w", err)
		}
		a.clsVersion = cls.Version()
		info := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "ewom_classifier_version_info",
			Help: "The classifier_version this process labels with (1); a +d suffix names a deployment model from ewom learn."},
			[]string{"classifier_version"})
		info.WithLabelValues(cls.Version()).Set(1)
		if err := a.Registry.Register(info); err != nil {
			return fmt.Errorf("classifier metrics: %w", err)
		}
	}
	if cfg.HasRole("classify") {
		transform, err := pseudonymizer(cfg.Privacy)
		if err != nil {
			return err
		}
		m := pipeline.NewMetrics(a.Registry)
		for i := range cfg.Pipeline.Workers {
			a.workers = append(a.workers, &pipeline.Worker{Bus: a.Bus, Store: a.Store, Classifier: cls, Transform: transform, Annotator: ann,
				Pipeline: cfg.Pipeline, Batch: cfg.Store, Metrics: m, Log: a.Log.With("component", "classifier", "worker", i)})
		}
		a.Log.Info("classifier ready", "workers", cfg.Pipeline.Workers, "classifier_version", cls.Version())
	}
	if cfg.HasRole("collect") && len(cfg.Sources) > 0 {
		r, err := collector.NewRunner(cfg.Sources, collector.Options{Publisher: a.Bus, Cursors: a.Bus.Cursors(),
			Registerer: a.Registry, Logger: a.Log.With("component", "collector")})
		if err != nil {
			return fmt.Errorf("collectors: %w", err)
		}
		a.collectors = r
	}
	proxies, err := api.ParseProxies(cfg.HTTP.TrustedProxies)
	if err != nil {
		return fmt.Errorf("http.trusted_proxies: %w", err)
	}
	th := cfg.HTTP.AuthThrottle
	srv := &api.Server{API: cfg.HasRole("api"), Bus: a.Bus, Store: a.Store, Token: cfg.HTTP.Token, Proxies: proxies,
		AuthThrottle: api.NewThrottle(th.PerAddress, th.Window), StatusAuth: cfg.HTTP.StatusAuth,
		MaxBodyBytes: cfg.HTTP.MaxBodyBytes, MaxURLBytes: cfg.HTTP.MaxURLBytes,
		MaxItems: cfg.HTTP.MaxIngestItems, Gatherer: a.Registry, Registerer: a.Registry,
		Log: a.Log.With("component", "api")}
	srv.Ready, srv.Degraded = a.readiness()
	if a.Store != nil {
		var dash *web.Server
		if cfg.HasRole("api") {
			var err error
			if dash, err = web.New(web.Deps{Store: a.Store, Classifier: cls, Config: cfg,
				Logger: a.Log.With("component", "web"), Registerer: a.Registry}); err != nil {
				return fmt.Errorf("dashboards: %w", err)
			}
			a.web = dash
			srv.Routes = append(srv.Routes, dash, erasure.Routes{Store: a.Store, JS: a.Bus.JetStream(),
				Streams: []string{cfg.NATS.Stream, bus.DeadStream(cfg.NATS.Stream)}, Privacy: cfg.Privacy,
				Getenv: os.Getenv, Log: a.Log.With("component", "erasure")})
		}
		if cfg.HasRole("alert") || cfg.HasRole("api") {
			al, err := alert.New(alert.Deps{Store: a.Store, Config: cfg.Alerts, Brands: cfg.Brands, Users: cfg.Web.UserNames(),
				Registerer: a.Registry, Logger: a.Log.With("component", "alert")})
			if err != nil {
				return fmt.Errorf("alerts: %w", err)
			}
			a.alerts = al
			if dash != nil {
				// UI sessions may read the alerts as well as bearer-token clients.
				srv.Routes = append(srv.Routes, dash.WithSessions(al))
			} else {
				srv.Routes = append(srv.Routes, al)
			}
		}
		if cfg.HasRole("alert") && len(cfg.Digests.Lists) > 0 {
			deps := digest.Deps{Store: a.Store, Config: cfg.Digests, Brands: cfg.Brands, ExternalURL: cfg.Alerts.ExternalURL,
				Registerer: a.Registry, Logger: a.Log.With("component", "digest")}
			if dash != nil {
				deps.Topics = dash // the Topics view's emerging terms
			}
			dg, err := digest.New(deps)
			if err != nil {
				return fmt.Errorf("digests: %w", err)
			}
			a.digests = dg
		}
	}
	hooks, err := webhooks(cfg.HTTP)
	if err != nil {
		return err
	}
	srv.Webhooks = hooks
	a.httpSrv = &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout: 60 * time.Second, WriteTimeout: 60 * time.Second, IdleTimeout: 2 * time.Minute}
	return nil
}

// Run serves until ctx ends, then shuts down gracefully: stop intake (HTTP,
// collectors, alert evaluation), let the workers drain and commit, then
// close store and bus.
func (a *App) Run(ctx context.Context) error {
	cfg := a.Config
	intakeCtx, stopIntake := context.WithCancel(context.Background())
	workCtx, stopWork := context.WithCancel(context.Background())
	defer stopIntake()
	defer stopWork()
	var intake, work sync.WaitGroup
	errs := make(chan error, 8)

	for _, w := range a.workers {
		work.Go(func() {
			if err := w.Run(workCtx); err != nil {
				errs <- fmt.Errorf("classifier worker: %w", err)
			}
		})
	}
	if a.collectors != nil {
		intake.Go(func() { a.collectors.Run(intakeCtx) })
		a.Log.Info("collectors running", "sources", a.collectors.Sources())
	}
	if a.alerts != nil && cfg.HasRole("alert") {
		intake.Go(func() {
			if err := a.alerts.Run(intakeCtx); err != nil {
				errs <- fmt.Errorf("alert evaluator: %w", err)
			}
		})
		a.Log.Info("alert evaluator running", "windows", cfg.Alerts.NegativeSpike.Windows)
	}
	if a.digests != nil {
		intake.Go(func() {
			if err := a.digests.Run(intakeCtx); err != nil {
				errs <- fmt.Errorf("digests: %w", err)
			}
		})
		a.Log.Info("digest schedule running", "lists", len(cfg.Digests.Lists))
	}
	if a.web != nil {
		// Grafana reads saved searches as SQL; a new build may compile them differently.
		intake.Go(func() {
			if n, err := a.web.SyncSavedSQL(intakeCtx); err != nil {
				a.Log.Warn("saved queries' SQL for Grafana not brought up to date", "err", err)
			} else if n > 0 {
				a.Log.Info("saved queries' SQL for Grafana written", "queries", n)
			}
		})
	}
	if r := cfg.Store.Retention; a.Store != nil && cfg.HasRole("classify") && (r.Mentions > 0 || r.Rollup > 0) {
		intake.Go(func() { a.enforceRetention(intakeCtx) })
	}
	intake.Go(func() {
		if err := a.httpSrv.Serve(a.listener); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errs <- fmt.Errorf("http: %w", err)
		}
	})
	a.Log.Info("http listening", "addr", a.Addr(), "api", cfg.HasRole("api"))

	var runErr error
	select {
	case <-ctx.Done():
		a.Log.Info("shutting down: stopping intake")
	case runErr = <-errs:
		a.Log.Error("component failed; shutting down", "err", runErr)
	}
	sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	_ = a.httpSrv.Shutdown(sctx)
	cancel()
	stopIntake()
	intake.Wait()
	if len(a.workers) > 0 {
		a.Log.Info("shutting down: draining classifier workers")
	}
	stopWork()
	work.Wait()
	a.close()
	a.Log.Info("stopped")
	return runErr
}

// EvaluateAlerts runs one alert evaluation for the time at, as the
// evaluator does on its schedule; the demo uses it so that the alert of the
// week it just loaded shows at once. It does nothing without the alert role.
func (a *App) EvaluateAlerts(ctx context.Context, at time.Time) error {
	if a.alerts == nil || !a.Config.HasRole("alert") {
		return nil
	}
	_, err := a.alerts.Evaluate(ctx, at)
	return err
}

// enforceRetention applies store.retention now and daily: servers without
// TTL drop expired monthly partitions only when asked.
func (a *App) enforceRetention(ctx context.Context) {
	r := store.Retention{Mentions: a.Config.Store.Retention.Mentions, Rollup: a.Config.Store.Retention.Rollup}
	for {
		done, err := store.ApplyRetention(ctx, a.Store, r, time.Now())
		if err != nil {
			a.Log.Error("retention", "err", err)
		} else if len(done) > 0 {
			a.Log.Info("retention applied", "actions", done)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(24 * time.Hour):
		}
	}
}

// webhooks builds the signature checks of the configured signed webhooks.
func webhooks(cfg config.HTTP) (map[string]func(http.Handler) http.Handler, error) {
	out := make(map[string]func(http.Handler) http.Handler, len(cfg.Webhooks))
	for i, h := range cfg.Webhooks {
		v, err := webhook.NewVerifier(webhook.Options{SecretEnv: h.SecretEnv, Scheme: h.Scheme, Window: h.Window,
			MaxBodyBytes: cfg.MaxBodyBytes})
		if err != nil {
			return nil, fmt.Errorf("http.webhooks[%d]: %w", i, err)
		}
		out[h.Name] = v.Middleware
	}
	return out, nil
}

// pseudonymizer returns the author transform privacy settings ask for.
func pseudonymizer(p config.Privacy) (pipeline.Transform, error) {
	if !p.PseudonymizeAuthors {
		return nil, nil
	}
	ps, err := privacy.NewPseudonymizer([]byte(os.Getenv(p.KeyEnv)))
	if err != nil {
		return nil, fmt.Errorf("privacy.pseudonymize_authors: set %s: %w", p.KeyEnv, err)
	}
	return ps.Apply, nil
}

// readiness returns what /readyz checks for the process's roles: the api
// and collect roles are ready when they can publish, classify when it can
// consume and store, alert when it can read the store. A process whose only
// store user is the api role reports the store without depending on it: its
// ingest needs only the bus, while its reads (counts, dashboards, alerts)
// answer 503 until the store is back.
func (a *App) readiness() (ready, degraded map[string]api.Checker) {
	cfg := a.Config
	ready, degraded = map[string]api.Checker{}, map[string]api.Checker{}
	if cfg.HasRole("api") || cfg.HasRole("collect") {
		ready["bus_publish"] = api.CheckFunc(a.Bus.ReadyToPublish)
	}
	if cfg.HasRole("classify") {
		ready["bus_consume"] = api.CheckFunc(a.Bus.ReadyToConsume)
	}
	switch {
	case a.Store == nil:
	case cfg.HasRole("classify") || cfg.HasRole("alert"):
		ready["store"] = api.CheckFunc(a.Store.Ping)
	default:
		degraded["store"] = api.CheckFunc(a.Store.Ping)
	}
	return ready, degraded
}

func (a *App) close() {
	if a.listener != nil {
		a.listener.Close() // a no-op once Serve has closed it
	}
	if a.Store != nil && !a.sharedStore {
		a.Store.Close()
	}
	if a.Bus != nil {
		a.Bus.Close()
	}
}
