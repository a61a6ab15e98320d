package alert

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ewom/ewom/internal/config"
	"github.com/ewom/ewom/internal/query"
	"github.com/ewom/ewom/internal/store"
)

// Deps are what the alerting service needs.
type Deps struct {
	Store      store.Store
	Config     config.Alerts
	Brands     []config.Brand
	Registerer prometheus.Registerer // nil: metrics are not registered
	Logger     *slog.Logger
	Now        func() time.Time // nil: time.Now
	// Users are who alerts may be assigned to (web.users' names).
	Users []string
}

// Service runs the evaluation loop and serves the alerts API.
type Service struct {
	deps      Deps
	cfg       config.NegativeSpike
	brands    []string
	scopes    []scope
	det       *Detector
	repo      *Repo
	notifiers []Notifier
	minSev    []string
	log       *slog.Logger
	m         *metrics

	mu       sync.Mutex // guards engine and coverage
	engine   *Engine
	coverage hourCoverage
	restored bool
}

type metrics struct {
	score, ratio *prometheus.GaugeVec
	mentions     *prometheus.GaugeVec
	firing       *prometheus.GaugeVec
	duration     prometheus.Histogram
	lastEval     prometheus.Gauge
	evals        *prometheus.CounterVec
	notified     *prometheus.CounterVec
	actions      *prometheus.CounterVec
}

func newMetrics(r prometheus.Registerer) *metrics {
	m := &metrics{
		score: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "ewom_alert_detector_score",
			Help: "Spike detector score, -log10 of the count test's p-value, the highest over the segment kind's values (0: nothing to test)."},
			[]string{"brand", "segment_kind", "window"}),
		ratio: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "ewom_alert_detector_ratio",
			Help: "Observed over expected negative mentions for the highest-scoring value of the segment kind."},
			[]string{"brand", "segment_kind", "window"}),
		mentions: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "ewom_alert_window_mentions",
			Help: "Mentions published in the last hour, from the rollup (deduplicated)."},
			[]string{"brand", "sentiment", "touchpoint"}),
		firing: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "ewom_alert_firing_alerts",
			Help: "Alerts currently firing."}, []string{"brand", "severity"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "ewom_alert_evaluation_duration_seconds",
			Help: "Time one evaluation cycle takes.", Buckets: prometheus.ExponentialBuckets(0.01, 2, 12)}),
		lastEval: prometheus.NewGauge(prometheus.GaugeOpts{Name: "ewom_alert_last_evaluation_timestamp_seconds",
			Help: "When the last successful evaluation cycle finished."}),
		evals: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ewom_alert_evaluations_total",
			Help: "Evaluation cycles by outcome."}, []string{"outcome"}),
		notified: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ewom_alert_notifications_total",
			Help: "Notification deliveries by notifier and outcome."}, []string{"notifier", "outcome"}),
		actions: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ewom_alert_actions_total",
			Help: "Workflow actions received (acknowledge, assign, comment, snooze, resolve) by outcome: ok, rejected (a bad or conflicting request) or error (the store)."},
			[]string{"action", "outcome"}),
	}
	if r != nil {
		r.MustRegister(m.score, m.ratio, m.mentions, m.firing, m.duration, m.lastEval, m.evals, m.notified, m.actions)
	}
	return m
}

// New builds the service; Run starts it.
func New(d Deps) (*Service, error) {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	s := &Service{deps: d, cfg: d.Config.NegativeSpike, det: NewDetector(d.Config.NegativeSpike),
		repo: NewRepo(d.Store), log: d.Logger, m: newMetrics(d.Registerer), engine: NewEngine(d.Config.NegativeSpike)}
	for _, b := range d.Brands {
		s.brands = append(s.brands, b.Name)
	}
	for i, q := range d.Config.NegativeSpike.Queries {
		key := fmt.Sprintf("alerts.negative_spike.queries[%d]", i)
		parsed, err := query.Parse(q.Query)
		if err != nil {
			return nil, fmt.Errorf("%s.query: %w", key, err)
		}
		sc := scope{name: q.Name, cond: " AND " + parsed.SQL(), brands: q.Brands}
		if len(sc.brands) == 0 {
			sc.brands = s.brands
		}
		for j, b := range sc.brands {
			if !slices.Contains(s.brands, b) {
				return nil, fmt.Errorf("%s.brands[%d]: %q is not a configured brand", key, j, b)
			}
		}
		s.scopes = append(s.scopes, sc)
	}
	for i, n := range d.Config.Notify {
		nt, err := NewNotifier(n, d.Config.ExternalURL)
		if err != nil {
			return nil, fmt.Errorf("alerts.notify[%d]: %w", i, err)
		}
		s.notifiers = append(s.notifiers, nt)
		s.minSev = append(s.minSev, n.MinSeverity)
	}
	return s, nil
}

// Run evaluates at every interval boundary (plus the configured lag) until
// ctx ends. A failed cycle is logged and retried at the next boundary.
func (s *Service) Run(ctx context.Context) error {
	for {
		now := s.deps.Now()
		next := now.Truncate(s.cfg.Interval).Add(s.cfg.Interval + s.cfg.Lag)
		if at := now.Truncate(s.cfg.Interval); now.Sub(at) < s.cfg.Lag {
			next = at.Add(s.cfg.Lag)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(next.Sub(now)):
		}
		// Evaluate logs the outcome, a failure too; the next boundary retries.
		_, _ = s.Evaluate(ctx, next.Add(-s.cfg.Lag))
	}
}

// Evaluate runs one cycle for the evaluation time at (aligned to Bucket):
// reads the rollup, runs the detector, applies the lifecycle, persists,
// explains and notifies. It returns the lifecycle events, and logs one line
// for the cycle: the brands and windows evaluated, how long it took, the
// alerts firing after it and the lifecycle events (or the error).
func (s *Service) Evaluate(ctx context.Context, at time.Time) ([]Event, error) {
	start := time.Now()
	at = at.Truncate(Bucket)
	events, err := s.evaluate(ctx, at)
	took := time.Since(start)
	s.m.duration.Observe(took.Seconds())
	s.mu.Lock()
	firing := len(s.engine.Active())
	s.mu.Unlock()
	attrs := []any{"at", at, "brands", len(s.brands), "windows", s.cfg.Windows, "duration", took.Round(time.Millisecond),
		"firing", firing, "events", len(events)}
	if err != nil {
		s.m.evals.WithLabelValues("error").Inc()
		if ctx.Err() == nil {
			// A store outage fails a tick, and the next tick evaluates again,
			// as the other components retry (a warning, counted in
			// ewom_alert_evaluations_total{outcome="error"}).
			s.log.Warn("alert evaluation failed; the next tick tries again", append(attrs, "err", err)...)
		}
		return events, err
	}
	s.m.evals.WithLabelValues("ok").Inc()
	s.m.lastEval.Set(float64(s.deps.Now().Unix()))
	s.log.Info("alert evaluation", attrs...)
	return events, nil
}

func (s *Service) evaluate(ctx context.Context, at time.Time) ([]Event, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.brands) == 0 {
		return nil, nil
	}
	if !s.restored {
		active, resolved, err := s.repo.State(ctx, at.Add(-max(s.cfg.Cooldown, slices.Max(s.cfg.Windows))))
		if err != nil {
			return nil, fmt.Errorf("restore alert state: %w", err)
		}
		s.engine.Restore(active, resolved)
		s.restored = true
	}
	if err := s.applyResolutions(ctx); err != nil {
		return nil, err
	}
	from := at.Add(-HistoryNeeded(s.cfg))
	if err := s.coverage.refresh(ctx, s.deps.Store, from, at); err != nil {
		return nil, err
	}
	plan := s.det.Plan(at, &s.coverage)
	counts, err := queryCounts(ctx, s.deps.Store, s.brands, s.cfg.Segments, s.scopes, plan)
	if err != nil {
		return nil, err
	}
	results := map[Key][]Result{}
	for k := range counts.sums {
		if rs := s.det.Evaluate(plan, k, counts); len(rs) > 0 {
			results[k] = rs
		}
	}
	s.updateScores(results)
	if err := s.updateMentions(ctx, at); err != nil {
		s.log.Warn("mention gauges", "err", err)
	}
	events := s.engine.Step(at, results)
	return events, s.deliver(ctx, at, events)
}

// deliver explains new alerts, persists every change, sends notifications
// and records delivery, so a restart neither re-sends nor forgets one.
func (s *Service) deliver(ctx context.Context, at time.Time, events []Event) error {
	var errs []error
	for i := range events {
		ev := &events[i]
		if ev.Type != EventResolved {
			x, err := s.explain(ctx, &ev.Alert)
			if err != nil {
				s.log.Warn("explain alert", "alert", ev.Alert.ID, "err", err)
			} else {
				ev.Alert.Explanation = x
				s.engine.SetExplanation(ev.Alert.Key(), x)
			}
		}
		s.log.Info("alert "+ev.Type, "brand", ev.Alert.Brand, "segment", ev.Alert.Segment(), "severity", ev.Alert.Severity,
			"observed", ev.Alert.Observed, "expected", ev.Alert.Expected, "p", ev.Alert.PValue, "window", ev.Alert.Window)
	}
	saved := make([]Alert, len(events))
	for i, ev := range events {
		saved[i] = ev.Alert
	}
	if err := s.repo.Save(ctx, saved...); err != nil {
		return err
	}
	// Pending deliveries: this cycle's events, and active alerts whose
	// last delivery failed (or was cut off by a restart).
	pending := events
	for _, a := range s.engine.Active() {
		if a.NotifiedAt == nil && !slices.ContainsFunc(events, func(e Event) bool { return e.Alert.ID == a.ID }) {
			pending = append(pending, Event{Type: EventFiring, Alert: a})
		}
	}
	var done []Alert
	for _, ev := range pending {
		if s.notify(ctx, ev) {
			ev.Alert.NotifiedAt = &at
			if ev.Type != EventResolved {
				s.engine.MarkNotified(ev.Alert.Key(), at)
			}
			done = append(done, ev.Alert)
		} else {
			errs = append(errs, fmt.Errorf("alert %s not delivered", ev.Alert.ID))
		}
	}
	if err := s.repo.Save(ctx, done...); err != nil {
		errs = append(errs, err)
	}
	active := s.engine.Active()
	// Refreshes carry who acknowledged and who is assigned.
	if err := s.repo.withWorkflows(ctx, active); err != nil {
		s.log.Warn("alert workflows for the refresh", "err", err)
	}
	for i, n := range s.notifiers {
		if r, ok := n.(refresher); ok {
			if err := r.Refresh(ctx, s.filter(i, active), at.Add(4*s.cfg.Interval)); err != nil {
				s.m.notified.WithLabelValues(n.Name(), "error").Inc()
				errs = append(errs, fmt.Errorf("%s refresh: %w", n.Name(), err))
			}
		}
	}
	s.m.firing.Reset()
	for _, a := range active {
		s.m.firing.WithLabelValues(a.Brand, a.Severity).Inc()
	}
	return errors.Join(errs...)
}

// applyResolutions lets go of the active alerts a person resolved (through
// this process or another) and writes their resolved state again, in case
// this evaluator wrote a firing one after the person's.
func (s *Service) applyResolutions(ctx context.Context) error {
	active := s.engine.Active()
	ids := make([]string, len(active))
	for i, a := range active {
		ids[i] = a.ID
	}
	done, err := s.repo.resolvedByHand(ctx, ids)
	if err != nil || len(done) == 0 {
		return err
	}
	var saved []Alert
	for _, a := range active {
		at, ok := done[a.ID]
		if !ok {
			continue
		}
		s.engine.ResolveByHand(a.ID, at)
		a.State, a.UpdatedAt, a.ResolvedAt = StateResolved, at, &at
		saved = append(saved, a)
		s.log.Info("alert resolved by hand", "alert", a.ID, "brand", a.Brand, "segment", a.Segment())
	}
	return s.repo.Save(ctx, saved...)
}

// explain explains an alert; a query scope's from the mentions its query
// matches.
func (s *Service) explain(ctx context.Context, a *Alert) (*Explanation, error) {
	if a.SegmentKind == KindQuery {
		for _, sc := range s.scopes {
			if sc.name == a.SegmentValue {
				return ExplainWhere(ctx, s.deps.Store, a, sc.cond)
			}
		}
		return nil, fmt.Errorf("alert %s: no query %q is configured (alerts.negative_spike.queries)", a.ID, a.SegmentValue)
	}
	return Explain(ctx, s.deps.Store, a)
}

func (s *Service) filter(i int, alerts []Alert) []Alert {
	if s.minSev[i] == "" {
		return alerts
	}
	limit := severityRank(s.cfg.Severities, s.minSev[i])
	var out []Alert
	for _, a := range alerts {
		if severityRank(s.cfg.Severities, a.Severity) <= limit {
			out = append(out, a)
		}
	}
	return out
}

// notify sends ev to every notifier that takes its severity; it reports
// whether all deliveries succeeded.
func (s *Service) notify(ctx context.Context, ev Event) bool {
	ok := true
	for i, n := range s.notifiers {
		if len(s.filter(i, []Alert{ev.Alert})) == 0 {
			continue
		}
		if err := n.Notify(ctx, ev); err != nil {
			ok = false
			s.m.notified.WithLabelValues(n.Name(), "error").Inc()
			s.log.Warn("alert notification failed", "notifier", n.Name(), "alert", ev.Alert.ID, "err", err)
			continue
		}
		s.m.notified.WithLabelValues(n.Name(), "ok").Inc()
	}
	return ok
}

func (s *Service) updateScores(results map[Key][]Result) {
	type gk struct{ brand, kind, window string }
	score, ratio := map[gk]float64{}, map[gk]float64{}
	for _, b := range s.brands {
		for _, kind := range append([]string{KindAll}, s.cfg.Segments...) {
			for _, w := range s.cfg.Windows {
				score[gk{b, kind, w.String()}], ratio[gk{b, kind, w.String()}] = 0, 0
			}
		}
	}
	for k, rs := range results {
		for _, r := range rs {
			g := gk{k.Brand, k.Kind, r.Window.String()}
			if sc := r.Score(); sc >= score[g] {
				score[g], ratio[g] = sc, r.Ratio
			}
		}
	}
	for g, v := range score {
		s.m.score.WithLabelValues(g.brand, g.kind, g.window).Set(v)
		s.m.ratio.WithLabelValues(g.brand, g.kind, g.window).Set(ratio[g])
	}
}

func (s *Service) updateMentions(ctx context.Context, at time.Time) error {
	rows, err := s.deps.Store.Query(ctx, fmt.Sprintf("SELECT brand, sentiment, touchpoint, sum(mentions) AS m FROM %s"+
		" WHERE brand IN %s AND bucket >= %s AND bucket < %s GROUP BY brand, sentiment, touchpoint",
		s.deps.Store.Table("mentions_5m"), store.QuoteList(s.brands), store.Time(at.Add(-time.Hour)), store.Time(at)))
	if err != nil {
		return err
	}
	var rs []struct {
		Brand, Sentiment, Touchpoint string
		M                            json.Number
	}
	if err := decodeRows(rows, &rs); err != nil {
		return err
	}
	s.m.mentions.Reset()
	for _, r := range rs {
		v, _ := strconv.ParseFloat(r.M.String(), 64)
		s.m.mentions.WithLabelValues(r.Brand, r.Sentiment, r.Touchpoint).Set(v)
	}
	return nil
}
