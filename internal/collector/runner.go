package collector

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ewom/ewom/internal/config"
	"github.com/ewom/ewom/internal/mention"
)

// DefaultInterval is the polling interval of sources that set none.
const DefaultInterval = 5 * time.Minute

// streamHealthy is how long a streamer must have run for its next failure
// to restart the backoff from the beginning.
const streamHealthy = time.Minute

// Options configure a Runner.
type Options struct {
	Publisher Publisher
	Cursors   CursorStore
	// Registerer receives the metrics; nil keeps them unregistered.
	Registerer prometheus.Registerer
	Logger     *slog.Logger
	// Backoff after failed passes; zero uses the defaults.
	Backoff Backoff
}

// Runner runs configured sources: builds their collectors, schedules them,
// publishes what they emit and stores their cursors.
type Runner struct {
	sources []*source
	pub     Publisher
	cursors CursorStore
	log     *slog.Logger
	metrics *Metrics
	backoff Backoff
}

type source struct {
	name     string
	typ      string
	interval time.Duration
	c        Collector
	log      *slog.Logger
}

// Stats summarise one pass of one source.
type Stats struct {
	Source  string
	Type    string
	Emitted int
	Skipped int
	Errors  int // invalid or unreadable items, damaged documents, a failed pass
	Err     error
}

// Fetched is the number of items the pass fetched.
func (s Stats) Fetched() int { return s.Emitted + s.Skipped }

// NewRunner builds a collector for every source. Configuration errors of all
// sources are reported together, each naming sources[i].
func NewRunner(srcs []config.Source, opts Options) (*Runner, error) {
	if opts.Publisher == nil || opts.Cursors == nil {
		return nil, errors.New("collector runner: Publisher and Cursors are required")
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Registerer == nil {
		opts.Registerer = prometheus.NewRegistry()
	}
	m, err := NewMetrics(opts.Registerer)
	if err != nil {
		return nil, fmt.Errorf("collector metrics: %w", err)
	}
	r := &Runner{pub: opts.Publisher, cursors: opts.Cursors, log: opts.Logger, metrics: m, backoff: opts.Backoff}
	var errs []error
	for i, src := range srcs {
		name := src.DisplayName(i)
		f, err := lookup(src.Type)
		if err != nil {
			errs = append(errs, fmt.Errorf("sources[%d].type: %w", i, err))
			continue
		}
		log := opts.Logger.With("source", name, "type", src.Type)
		c, err := f(src, &Env{Name: name, Logger: log, metrics: m})
		if err != nil {
			errs = append(errs, fmt.Errorf("sources[%d] (%s): %w", i, name, err))
			continue
		}
		interval := src.Interval
		if interval == 0 {
			interval = DefaultInterval
		}
		r.sources = append(r.sources, &source{name: name, typ: src.Type, interval: interval, c: c, log: log})
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return r, nil
}

// Sources lists the names of the configured sources in order.
func (r *Runner) Sources() []string {
	out := make([]string, len(r.sources))
	for i, s := range r.sources {
		out[i] = s.name
	}
	return out
}

// Run runs every source on its schedule until ctx ends. A failing source
// backs off on its own and never stops the others.
func (r *Runner) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for _, s := range r.sources {
		wg.Go(func() { r.loop(ctx, s) })
	}
	wg.Wait()
}

func (r *Runner) loop(ctx context.Context, s *source) {
	// Spread the first passes so sources do not all start at once.
	if Sleep(ctx, jitter(time.Second)) != nil {
		return
	}
	attempt := 0
	for ctx.Err() == nil {
		start := time.Now()
		st := r.pass(ctx, s)
		if isStreamer(s.c) && time.Since(start) > streamHealthy {
			attempt = 0 // a long-lived stream that drops is a fresh failure
		}
		var wait time.Duration
		switch {
		case ctx.Err() != nil:
			return
		case st.Err != nil:
			ra, _ := RetryAfter(st.Err, time.Now())
			wait = r.backoff.Delay(attempt, ra)
			attempt++
			s.log.Warn("collection failed", "err", st.Err, "retry_in", wait.Round(time.Second))
		case isStreamer(s.c):
			attempt, wait = 0, 0 // a streamer that returned cleanly reconnects at once
		default:
			attempt = 0
			wait = jitter(s.interval)
		}
		if Sleep(ctx, wait) != nil {
			return
		}
	}
}

func isStreamer(c Collector) bool {
	st, ok := c.(Streamer)
	return ok && st.Streaming()
}

// RunOnce runs one pass of each selected source (all when names is empty)
// concurrently and returns their stats in configuration order. Streamers run
// for streamFor and then stop; that is not an error.
func (r *Runner) RunOnce(ctx context.Context, streamFor time.Duration, names ...string) ([]Stats, error) {
	configured := r.Sources()
	for _, n := range names {
		if !slices.Contains(configured, n) {
			return nil, fmt.Errorf("no source named %q (configured: %v)", n, configured)
		}
	}
	var selected []*source
	for _, s := range r.sources {
		if len(names) == 0 || slices.Contains(names, s.name) {
			selected = append(selected, s)
		}
	}
	stats := make([]Stats, len(selected))
	var wg sync.WaitGroup
	for i, s := range selected {
		wg.Go(func() {
			pctx := ctx
			if isStreamer(s.c) {
				var cancel context.CancelFunc
				pctx, cancel = context.WithTimeout(ctx, streamFor)
				defer cancel()
			}
			stats[i] = r.pass(pctx, s)
		})
	}
	wg.Wait()
	return stats, nil
}

// pass loads the cursor, runs the collector once and accounts for it.
func (r *Runner) pass(ctx context.Context, s *source) Stats {
	start := time.Now()
	st := Stats{Source: s.name, Type: s.typ}
	defer func() {
		r.metrics.passSeconds.WithLabelValues(s.name).Observe(time.Since(start).Seconds())
	}()
	cursor, err := r.cursors.Get(ctx, s.name)
	if err != nil {
		st.Err = fmt.Errorf("source %q: loading cursor: %w", s.name, err)
		st.Errors++
		r.metrics.errors.WithLabelValues(s.name, "cursor").Inc()
		return st
	}
	out := &passOutput{r: r, s: s, ctx: ctx, stats: &st, cursor: cursor}
	err = s.c.Collect(ctx, cursor, out)
	if err != nil && ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		err = nil // stopped (shutdown, or the end of a streamer's --once window)
	}
	if err != nil {
		st.Err = fmt.Errorf("source %q: %w", s.name, err)
		st.Errors++
		kind := "collect"
		if _, ok := RetryAfter(err, time.Now()); ok {
			kind = "rate_limited"
		}
		r.metrics.errors.WithLabelValues(s.name, kind).Inc()
	}
	s.log.Debug("pass done", "emitted", st.Emitted, "skipped", st.Skipped, "errors", st.Errors, "took", time.Since(start))
	return st
}

// passOutput is the Output of one pass: it publishes synchronously, so when
// Checkpoint runs every mention emitted before it has been acked.
type passOutput struct {
	r      *Runner
	s      *source
	ctx    context.Context
	stats  *Stats
	cursor []byte
}

func (o *passOutput) Emit(m *mention.Mention) error {
	name := o.s.name
	o.r.metrics.fetched.WithLabelValues(name).Inc()
	clipFields(m)
	if err := m.Validate(); err != nil {
		o.stats.Skipped++
		o.stats.Errors++
		o.r.metrics.skipped.WithLabelValues(name, "invalid").Inc()
		o.r.metrics.errors.WithLabelValues(name, "invalid").Inc()
		o.s.log.Warn("invalid mention dropped", "url", m.URL, "id", m.ID, "err", err)
		return nil
	}
	if err := o.r.pub.Publish(o.ctx, m); err != nil {
		return fmt.Errorf("publishing %s: %w", m.Key(), err)
	}
	o.stats.Emitted++
	o.r.metrics.emitted.WithLabelValues(name).Inc()
	return nil
}

func (o *passOutput) Skip(reason string) {
	o.stats.Skipped++
	o.r.metrics.fetched.WithLabelValues(o.s.name).Inc()
	o.r.metrics.skipped.WithLabelValues(o.s.name, reason).Inc()
}

func (o *passOutput) SkipBad(err error) {
	o.Skip("malformed")
	o.Warn("malformed", err)
}

func (o *passOutput) Warn(kind string, err error) {
	o.stats.Errors++
	o.r.metrics.errors.WithLabelValues(o.s.name, kind).Inc()
	o.s.log.Warn("source damaged", "kind", kind, "err", err)
}

func (o *passOutput) Checkpoint(cursor []byte) error {
	if bytes.Equal(cursor, o.cursor) {
		return nil
	}
	if err := o.r.cursors.Put(o.ctx, o.s.name, cursor); err != nil {
		return fmt.Errorf("saving cursor: %w", err)
	}
	o.cursor = bytes.Clone(cursor)
	o.r.metrics.cursorSaves.WithLabelValues(o.s.name).Inc()
	return nil
}

// clipFields shortens over-long text and title (long articles) to the
// contract's limits, marking the mention as truncated, rather than losing it.
func clipFields(m *mention.Mention) {
	if len(m.Text) <= mention.MaxTextBytes && len(m.Title) <= mention.MaxTitleBytes {
		return
	}
	m.Text = Clip(m.Text, mention.MaxTextBytes)
	m.Title = Clip(m.Title, mention.MaxTitleBytes)
	if m.Extra == nil {
		m.Extra = map[string]json.RawMessage{}
	}
	m.Extra["truncated"] = json.RawMessage("true")
}
