package pipeline_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ewom/ewom/internal/bus"
	"github.com/ewom/ewom/internal/bus/bustest"
	"github.com/ewom/ewom/internal/classify"
	"github.com/ewom/ewom/internal/config"
	"github.com/ewom/ewom/internal/mention"
	"github.com/ewom/ewom/internal/pipeline"
	"github.com/ewom/ewom/internal/store"
	"github.com/ewom/ewom/internal/store/storetest"
)

// countingClassifier counts the deliveries it classifies, by mention id.
type countingClassifier struct {
	pipeline.Classifier
	mu   sync.Mutex
	seen map[string]int
}

func (c *countingClassifier) Classify(m *mention.Mention) mention.Classification {
	c.mu.Lock()
	c.seen[m.ID]++
	c.mu.Unlock()
	return c.Classifier.Classify(m)
}

func (c *countingClassifier) times(id string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.seen[id]
}

// firstInsert wraps a store so that its first insert misbehaves as a busy
// ClickHouse server can: commit is given the rows and the client's context
// and does what the server would.
type firstInsert struct {
	store.Store
	commit  func(ctx context.Context, s store.Store, rows []store.Row) error
	once    sync.Once
	started chan struct{}
}

func (f *firstInsert) Insert(ctx context.Context, rows []store.Row) error {
	first := false
	f.once.Do(func() { first = true })
	if !first {
		return f.Store.Insert(ctx, rows)
	}
	close(f.started)
	// The server has the rows: the caller may reuse its slice.
	return f.commit(ctx, f.Store, slices.Clone(rows))
}

// testWorkers runs workers on one consumer of b with ack_wait 4 s (keep-
// alives after 0.67 s, store calls ending 2.33 s after the oldest restart,
// redelivery after a failed insert no sooner than 1 s), until the test ends.
type testWorkers struct {
	t       *testing.T
	b       *bus.Bus
	cls     *countingClassifier
	cfg     config.Config
	metrics *pipeline.Metrics
	ctx     context.Context
	wg      sync.WaitGroup
}

func newTestWorkers(t *testing.T, b *bus.Bus, backoff time.Duration) *testWorkers {
	cls, err := classify.New([]config.Brand{{Name: "Koijarit"}, {Name: "Gigantti"}})
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.Pipeline.AckWait = 4 * time.Second
	cfg.Pipeline.Backoff = []time.Duration{backoff}
	cfg.Pipeline.Workers = 2
	ctx, cancel := context.WithCancel(context.Background())
	tw := &testWorkers{t: t, b: b, cls: &countingClassifier{Classifier: cls, seen: map[string]int{}}, cfg: cfg,
		metrics: pipeline.NewMetrics(prometheus.NewRegistry()), ctx: ctx}
	t.Cleanup(func() { cancel(); tw.wg.Wait() })
	return tw
}

// start runs one more worker storing into s.
func (tw *testWorkers) start(s store.Store) {
	w := &pipeline.Worker{Bus: tw.b, Store: s, Classifier: tw.cls, Pipeline: tw.cfg.Pipeline, Batch: tw.cfg.Store,
		Metrics: tw.metrics, Log: slog.New(slog.DiscardHandler)}
	tw.wg.Go(func() {
		if err := w.Run(tw.ctx); err != nil {
			tw.t.Errorf("worker: %v", err)
		}
	})
}

var day = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

// publish puts mentions from..to-1 on the bus: each names one or both
// brands, so the rollup holds one row per mention and brand named.
func publish(t *testing.T, b *bus.Bus, from, to int) {
	texts := []string{"Koijarit: toimitus myöhässä, huono palvelu", "Gigantti was great, fast delivery",
		"Koijarit ja Gigantti: kummaltakin kallista"}
	var ms []*mention.Mention
	for i := from; i < to; i++ {
		ms = append(ms, &mention.Mention{Source: "test", ID: fmt.Sprint(i), Text: texts[i%len(texts)],
			PublishedAt: day.Add(time.Duration(i) * time.Second)})
	}
	for _, p := range b.PublishAll(context.Background(), ms) {
		if p.Err != nil {
			t.Fatal(p.Err)
		}
	}
}

// settled waits until the bus holds nothing for the workers and the store
// counts n mentions.
func settled(t *testing.T, b *bus.Bus, s store.Store, n uint64) {
	t.Helper()
	ctx := context.Background()
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(50 * time.Millisecond) {
		pending, ackPending, err := b.Pending(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.CountMentions(ctx, day, day.Add(24*time.Hour), "")
		if err != nil {
			t.Fatal(err)
		}
		if pending == 0 && ackPending == 0 && got == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 2 minutes: %d mentions stored of %d, %d pending on the bus, %d unacknowledged", got, n, pending, ackPending)
		}
	}
}

// exactRollup checks, per brand, that the five-minute and the daily rollup
// count each stored mention once.
func exactRollup(t *testing.T, s store.Store) {
	t.Helper()
	q := func(sql string) string {
		rows, err := s.Query(context.Background(), sql)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(rows)
		return string(b)
	}
	exact := q("SELECT brand, toInt64(uniqExact(mention_id)) AS n FROM " + s.Table("mentions") + " GROUP BY brand ORDER BY brand")
	for _, rollup := range []string{"mentions_5m", "mentions_1d"} {
		if got := q("SELECT brand, toInt64(sum(mentions)) AS n FROM " + s.Table(rollup) + " GROUP BY brand ORDER BY brand"); got != exact {
			t.Errorf("%s counts %s per brand; the stored mentions are %s", rollup, got, exact)
		}
	}
}

// A worker whose first insert takes longer than ack_wait (the server
// commits it late, after the client gave up) shares the consumer with a
// second worker. Neither the batch being inserted nor the messages waiting
// behind it in the next batch may reach the other worker while the first
// holds them: every mention is stored and counted once in both rollups,
// and each waiting mention is classified once.
func TestSlowInsertDoesNotDoubleTheRollup(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			b := bustest.RunJetStream(t)
			tw := newTestWorkers(t, b, 100*time.Millisecond)
			hold := 5 * tw.cfg.Pipeline.AckWait / 4
			slow := &firstInsert{Store: e.Store, started: make(chan struct{}),
				commit: func(ctx context.Context, s store.Store, rows []store.Row) error {
					// The server works on the rows whatever the client's deadline.
					time.Sleep(hold)
					if err := s.Insert(context.Background(), rows); err != nil {
						return err
					}
					return ctx.Err()
				}}
			tw.start(slow)
			publish(t, b, 0, 300)
			<-slow.started
			tw.start(e.Store)
			// These wait behind the slow insert (or go to the other worker).
			publish(t, b, 300, 600)
			settled(t, b, e.Store, 600)
			exactRollup(t, e.Store)
			var again []int
			for i := 300; i < 600; i++ {
				if tw.cls.times(fmt.Sprint(i)) != 1 {
					again = append(again, i)
				}
			}
			if len(again) > 0 {
				t.Errorf("%d of the 300 mentions published while the first insert ran were delivered more than once (%v); want each once",
					len(again), again[:min(len(again), 5)])
			}
		})
	}
}

// An insert the client gives up on at its deadline is committed by the
// server a moment later: the batch's redelivery must come after that, so
// that its id check finds the rows and nothing is stored twice.
func TestCancelledInsertCommittedLateIsNotStoredTwice(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			b := bustest.RunJetStream(t)
			// Retries come fast: only the late commit's allowance may hold the redelivery back.
			tw := newTestWorkers(t, b, 10*time.Millisecond)
			late := tw.cfg.Pipeline.AckWait / 16
			var committed sync.WaitGroup
			t.Cleanup(committed.Wait)
			cancelled := &firstInsert{Store: e.Store, started: make(chan struct{}),
				commit: func(ctx context.Context, s store.Store, rows []store.Row) error {
					<-ctx.Done()
					committed.Go(func() {
						time.Sleep(late)
						if err := s.Insert(context.Background(), rows); err != nil {
							t.Errorf("late commit: %v", err)
						}
					})
					return ctx.Err()
				}}
			tw.start(cancelled)
			publish(t, b, 0, 300)
			<-cancelled.started
			tw.start(e.Store)
			settled(t, b, e.Store, 300)
			committed.Wait()
			exactRollup(t, e.Store)
		})
	}
}
