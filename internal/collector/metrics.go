package collector

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the collectors' Prometheus metrics, all labelled by source.
type Metrics struct {
	fetched     *prometheus.CounterVec
	emitted     *prometheus.CounterVec
	skipped     *prometheus.CounterVec
	errors      *prometheus.CounterVec
	requests    *prometheus.CounterVec
	cursorSaves *prometheus.CounterVec
	quota       *prometheus.CounterVec
	passSeconds *prometheus.HistogramVec
}

// NewMetrics creates the metrics and registers them on reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	counter := func(name, help string, labels ...string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, append([]string{"source"}, labels...))
	}
	m := &Metrics{
		fetched:     counter("ewom_collector_fetched_total", "Items fetched from the source (emitted plus skipped)."),
		emitted:     counter("ewom_collector_emitted_total", "Mentions published to the bus."),
		skipped:     counter("ewom_collector_skipped_total", "Items fetched but not emitted, by reason.", "reason"),
		errors:      counter("ewom_collector_errors_total", "Failed passes, invalid or unreadable items and damaged documents, by kind.", "kind"),
		requests:    counter("ewom_collector_requests_total", "HTTP requests by response status (\"error\" when none).", "status"),
		cursorSaves: counter("ewom_collector_cursor_saves_total", "Cursors stored after publishing."),
		quota:       counter("ewom_collector_quota_units_total", "API quota units spent by sources whose API counts them (YouTube Data API)."),
		passSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "ewom_collector_pass_duration_seconds",
			Help:    "Duration of one collection pass.",
			Buckets: prometheus.ExponentialBuckets(0.05, 2, 14),
		}, []string{"source"}),
	}
	for _, c := range []prometheus.Collector{m.fetched, m.emitted, m.skipped, m.errors, m.requests, m.cursorSaves, m.quota, m.passSeconds} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (m *Metrics) request(source, status string) {
	if m != nil {
		m.requests.WithLabelValues(source, status).Inc()
	}
}

// Quota returns the counter of API quota units this source spends, for
// collectors whose API meters calls in units (YouTube's search costs 100,
// a list 1).
func (e *Env) Quota() prometheus.Counter {
	if e.metrics == nil {
		return prometheus.NewCounter(prometheus.CounterOpts{Name: "ewom_collector_quota_units_total"})
	}
	return e.metrics.quota.WithLabelValues(e.Name)
}
