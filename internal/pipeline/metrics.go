package pipeline

import "github.com/prometheus/client_golang/prometheus"

// Metrics counts what the classifier worker received, classified, stored,
// skipped as duplicate, failed, retried and kept alive, and how many
// messages it holds.
type Metrics struct {
	received      prometheus.Counter
	classified    *prometheus.CounterVec
	stored        prometheus.Counter
	duplicates    prometheus.Counter
	insertFailed  prometheus.Counter
	redelivered   prometheus.Counter
	keptAlive     prometheus.Counter
	heldMessages  prometheus.Gauge
	batchRows     prometheus.Histogram
	insertSeconds prometheus.Histogram
	latency       prometheus.Histogram
}

// NewMetrics registers the worker's metrics with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		received: prometheus.NewCounter(prometheus.CounterOpts{Name: "ewom_classifier_received_messages_total",
			Help: "Messages the classifier worker received from the bus (redeliveries included)."}),
		classified: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ewom_classifier_classified_mentions_total",
			Help: "Mentions classified, by sentiment."}, []string{"sentiment"}),
		stored: prometheus.NewCounter(prometheus.CounterOpts{Name: "ewom_store_stored_mentions_total",
			Help: "Distinct mentions committed to the store."}),
		duplicates: prometheus.NewCounter(prometheus.CounterOpts{Name: "ewom_store_duplicate_mentions_total",
			Help: "Mentions not stored again because they were already stored (redelivery, re-import)."}),
		insertFailed: prometheus.NewCounter(prometheus.CounterOpts{Name: "ewom_store_insert_failed_total",
			Help: "Batches the store did not commit; their messages are redelivered with backoff."}),
		redelivered: prometheus.NewCounter(prometheus.CounterOpts{Name: "ewom_classifier_retried_messages_total",
			Help: "Messages handed back to the bus for a delayed redelivery."}),
		keptAlive: prometheus.NewCounter(prometheus.CounterOpts{Name: "ewom_classifier_kept_alive_messages_total",
			Help: "InProgress keep-alives sent for messages held past a sixth of ack_wait (waiting in a batch or behind a running insert)."}),
		heldMessages: prometheus.NewGauge(prometheus.GaugeOpts{Name: "ewom_classifier_held_messages",
			Help: "Messages delivered to the classifier workers and not yet acked, NAKed or dead-lettered."}),
		batchRows: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "ewom_store_batch_rows",
			Help: "Rows per committed insert.", Buckets: prometheus.ExponentialBuckets(1, 4, 9)}),
		insertSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "ewom_store_insert_duration_seconds",
			Help: "Time to look up and insert one batch.", Buckets: prometheus.ExponentialBuckets(0.001, 2, 15)}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "ewom_pipeline_ingest_to_stored_seconds",
			Help: "Time from a mention's arrival on the bus to its commit in the store.", Buckets: prometheus.ExponentialBuckets(0.01, 2, 14)}),
	}
	reg.MustRegister(m.received, m.classified, m.stored, m.duplicates, m.insertFailed, m.redelivered, m.keptAlive, m.heldMessages, m.batchRows, m.insertSeconds, m.latency)
	return m
}
