// Package digest sends the scheduled email digests (docs/digests.md): per
// configured list, a daily or weekly summary of its brands — headline
// figures against the previous period, charts as inline PNG images, the top
// negative posts, the period's alerts — over SMTP, once per period across
// restarts and processes.
package digest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ewom/ewom/internal/alert"
	"github.com/ewom/ewom/internal/config"
	"github.com/ewom/ewom/internal/store"
)

// Deps are what the digest service needs.
type Deps struct {
	Store       store.Store
	Config      config.Digests
	Brands      []config.Brand
	ExternalURL string      // links in the mail ("" : none)
	Topics      TopicSource // nil: no emerging topics section
	Registerer  prometheus.Registerer
	Logger      *slog.Logger
	Now         func() time.Time // nil: time.Now
	// Tick is how often the schedule is checked (default 30s); Settle how
	// long a claim waits for competing claims before reading them back
	// (default 2s); Lease how long a claim without outcome holds a period
	// (default 10m); Backoff the wait after the first failed round, doubled
	// for each further one (default 1m).
	Tick, Settle, Lease, Backoff time.Duration
}

// Service runs the digest schedule.
type Service struct {
	d      Deps
	cfg    config.Digests
	from   *mail.Address
	mailer *mailer
	reader reader
	ledger ledger
	owner  string
	m      *metrics
}

type metrics struct {
	sent, failed, skipped *prometheus.CounterVec
	recipients            *prometheus.CounterVec
	bytes                 prometheus.Counter
	duration              prometheus.Histogram
}

func newMetrics(r prometheus.Registerer) *metrics {
	m := &metrics{
		sent: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ewom_digest_sent_total",
			Help: "Digests the SMTP server accepted, by list."}, []string{"digest"}),
		failed: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ewom_digest_failed_total",
			Help: "Digest rounds that failed (building the report, the SMTP server or recording), by list."}, []string{"digest"}),
		skipped: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ewom_digest_skipped_total",
			Help: "Digest periods not sent by this process, by reason: sent (already), claimed (another process holds it), lost (another claim won), given_up (retries used)."},
			[]string{"digest", "reason"}),
		recipients: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ewom_digest_recipients_total",
			Help: "Recipients of accepted digests, by list."}, []string{"digest"}),
		bytes: prometheus.NewCounter(prometheus.CounterOpts{Name: "ewom_digest_sent_bytes_total",
			Help: "Bytes of digest messages the SMTP server accepted."}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "ewom_digest_build_duration_seconds",
			Help: "Time to build and send one digest.", Buckets: prometheus.ExponentialBuckets(0.05, 2, 10)}),
	}
	if r != nil {
		r.MustRegister(m.sent, m.failed, m.skipped, m.recipients, m.bytes, m.duration)
	}
	return m
}

// New builds the service from validated configuration.
func New(d Deps) (*Service, error) {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	for p, def := range map[*time.Duration]time.Duration{&d.Tick: 30 * time.Second, &d.Settle: 2 * time.Second,
		&d.Lease: 10 * time.Minute, &d.Backoff: time.Minute} {
		if *p == 0 {
			*p = def
		}
	}
	cfg := d.Config.WithDefaults()
	from, err := mail.ParseAddress(cfg.SMTP.From)
	if err != nil {
		return nil, fmt.Errorf("digests.smtp.from: %w", err)
	}
	m, err := newMailer(cfg.SMTP)
	if err != nil {
		return nil, err
	}
	host, _ := os.Hostname()
	return &Service{d: d, cfg: cfg, from: from, mailer: m, m: newMetrics(d.Registerer), owner: fmt.Sprintf("%s/%d", host, os.Getpid()),
		reader: reader{st: d.Store, alerts: alert.NewRepo(d.Store), topics: d.Topics}, ledger: ledger{st: d.Store}}, nil
}

// Run checks the schedule every Tick until ctx ends.
func (s *Service) Run(ctx context.Context) error {
	t := time.NewTicker(s.d.Tick)
	defer t.Stop()
	for {
		s.Check(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Check sends every list's latest due period that no process has sent.
// Failures are logged and counted; the ledger retries them with backoff.
func (s *Service) Check(ctx context.Context) {
	now := s.d.Now()
	for _, l := range s.cfg.Lists {
		p, err := latest(l, now)
		if err != nil { // validated configuration: not reached
			s.d.Logger.Error("digest schedule", "digest", l.Name, "err", err)
			continue
		}
		if err := s.deliver(ctx, l, p); err != nil {
			s.m.failed.WithLabelValues(l.Name).Inc()
			s.d.Logger.Warn("digest not sent", "digest", l.Name, "period_start", p.Start, "err", err)
		}
	}
}

// deliver sends l's digest for p unless the ledger says it is sent, held by
// another process, waiting out a failure's backoff or given up.
func (s *Service) deliver(ctx context.Context, l config.Digest, p Period) error {
	rows, err := s.ledger.rows(ctx, l.Name, p)
	if err != nil {
		return err
	}
	v := decide(rows, s.d.Lease, s.d.Backoff, s.cfg.Retries+1)
	switch {
	case v.done:
		reason := "sent"
		if len(rows) > 0 && rows[len(rows)-1].State == stateFailed {
			reason = "given_up"
		}
		s.m.skipped.WithLabelValues(l.Name, reason).Inc()
		return nil
	case v.wait:
		s.m.skipped.WithLabelValues(l.Name, "claimed").Inc()
		return nil
	}
	claim := newClaim(s.owner)
	if err := s.ledger.record(ctx, l.Name, p, v.round, stateClaimed, claim, 0, s.owner); err != nil {
		return err
	}
	select { // competing claims inserted meanwhile become visible
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(s.d.Settle):
	}
	if rows, err = s.ledger.rows(ctx, l.Name, p); err != nil {
		return err
	}
	if !won(rows, v.round, claim) {
		s.m.skipped.WithLabelValues(l.Name, "lost").Inc()
		return nil
	}
	start := time.Now()
	size, err := s.send(ctx, l, p)
	s.m.duration.Observe(time.Since(start).Seconds())
	if err != nil {
		// The round is marked failed on a fresh context: the send's may be over.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		return errors.Join(err, s.ledger.record(rctx, l.Name, p, v.round, stateFailed, claim, 0, err.Error()))
	}
	s.m.sent.WithLabelValues(l.Name).Inc()
	s.m.recipients.WithLabelValues(l.Name).Add(float64(len(l.Recipients)))
	s.m.bytes.Add(float64(size))
	s.d.Logger.Info("digest sent", "digest", l.Name, "period_start", p.Start, "period_end", p.End, "round", v.round,
		"recipients", len(l.Recipients), "bytes", size)
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	return s.ledger.record(rctx, l.Name, p, v.round, stateSent, claim, len(l.Recipients), "")
}

// send builds and submits the digest; it returns the message's size.
func (s *Service) send(ctx context.Context, l config.Digest, p Period) (int, error) {
	loc, err := l.Location()
	if err != nil {
		return 0, err
	}
	brands := l.Brands
	if len(brands) == 0 {
		for _, b := range s.d.Brands {
			brands = append(brands, b.Name)
		}
	}
	rep, err := s.reader.report(ctx, brands, p, loc, l.Language, l.TopPosts)
	if err != nil {
		return 0, err
	}
	rep.Name, rep.External = l.Name, s.d.ExternalURL
	msg, err := compose(rep, s.from, l.Recipients, s.d.Now())
	if err != nil {
		return 0, err
	}
	if err := s.mailer.send(ctx, s.from.Address, l.Recipients, msg.Body); err != nil {
		return 0, err
	}
	return len(msg.Body), nil
}
