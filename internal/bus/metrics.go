package bus

import (
	"context"
	"net"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics counts what the bus published, deduplicated and dead-lettered.
type Metrics struct {
	published     prometheus.Counter
	duplicates    prometheus.Counter
	publishFailed prometheus.Counter
	deadLettered  *prometheus.CounterVec
}

// NewMetrics registers the bus metrics with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		published: prometheus.NewCounter(prometheus.CounterOpts{Name: "ewom_bus_published_messages_total",
			Help: "Mentions persisted in JetStream."}),
		duplicates: prometheus.NewCounter(prometheus.CounterOpts{Name: "ewom_bus_duplicate_messages_total",
			Help: "Publishes JetStream recognised as duplicates (same mention id within the window) and did not store again."}),
		publishFailed: prometheus.NewCounter(prometheus.CounterOpts{Name: "ewom_bus_publish_failed_total",
			Help: "Publishes that JetStream did not acknowledge."}),
		deadLettered: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ewom_bus_dead_lettered_messages_total",
			Help: "Messages moved to the dead-letter stream, by reason."}, []string{"reason"}),
	}
	reg.MustRegister(m.published, m.duplicates, m.publishFailed, m.deadLettered)
	return m
}

func splitHostPort(hp string) (string, int, error) {
	host, p, err := net.SplitHostPort(hp)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.Atoi(p)
	if err != nil {
		return "", 0, err
	}
	return host, port, nil
}

// lagCollector reports the classifier consumer's backlog at scrape time.
type lagCollector struct {
	bus                 *Bus
	pending, ackPending *prometheus.Desc
}

// RegisterLag exports the consumer's backlog (not yet delivered, and
// delivered but unacknowledged) as gauges read from JetStream on scrape.
func (b *Bus) RegisterLag(reg prometheus.Registerer) {
	reg.MustRegister(&lagCollector{bus: b,
		pending: prometheus.NewDesc("ewom_bus_consumer_pending_messages",
			"Mentions on the bus not yet delivered to a classifier worker (consumer lag).", nil, nil),
		ackPending: prometheus.NewDesc("ewom_bus_consumer_ack_pending_messages",
			"Mentions delivered to classifier workers and not yet stored and acknowledged.", nil, nil)})
}

func (c *lagCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.pending
	ch <- c.ackPending
}

func (c *lagCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	pending, ackPending, err := c.bus.Pending(ctx)
	if err != nil {
		// No consumer yet (or no bus): report nothing rather than a false zero.
		return
	}
	ch <- prometheus.MustNewConstMetric(c.pending, prometheus.GaugeValue, float64(pending))
	ch <- prometheus.MustNewConstMetric(c.ackPending, prometheus.GaugeValue, float64(ackPending))
}
