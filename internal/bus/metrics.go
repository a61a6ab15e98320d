package bus

import (
	"net"
	"strconv"

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
