// Package pipeline is the classifier worker: it pulls mentions from the bus,
// classifies them, writes them to the store in batches and acknowledges each
// message only after its rows are committed.
package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"sync"
	"time"
	"unsafe"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ewom/ewom/internal/bus"
	"github.com/ewom/ewom/internal/config"
	"github.com/ewom/ewom/internal/mention"
	"github.com/ewom/ewom/internal/store"
)

// Annotator adds what is read from a mention's text besides its labels to
// its rows: terms and story (*terms.Annotator). Version names its rules,
// stored with the rows (terms_version).
type Annotator interface {
	Annotate(m *mention.Mention, id string, rows []store.Row)
	Version() string
}

// Classifier labels a mention; *classify.Classifier implements it.
type Classifier interface {
	Classify(m *mention.Mention) mention.Classification
}

// Transform rewrites a mention before it is stored, e.g. to pseudonymise
// its author. It may be nil.
type Transform func(m *mention.Mention)

// Worker consumes the bus and fills the store. Run it once.
type Worker struct {
	Bus        *bus.Bus
	Store      store.Store
	Classifier Classifier
	Transform  Transform
	Annotator  Annotator // nil stores no terms or stories
	Pipeline   config.Pipeline
	Batch      config.Store
	Metrics    *Metrics
	Log        *slog.Logger

	// Set by Run.
	timing timing
	held   *tracker
}

// item is one message in a batch with the rows it became.
type item struct {
	held     *held
	id       string
	rows     []store.Row
	ingested time.Time // when JetStream stored the message
}

// batch is what one insert stores. Batches are reused once committed, so
// the insert's row buffer and id set are allocated once, not per batch.
type batch struct {
	items []item
	rows  int // rows of all items
	bytes int
	// insert and seen are unstored's buffers.
	insert []store.Row
	seen   map[string]bool
}

// reset empties the batch for reuse, dropping its references.
func (b *batch) reset() {
	clear(b.items)
	clear(b.insert)
	clear(b.seen)
	b.items, b.insert, b.rows, b.bytes = b.items[:0], b.insert[:0], 0, 0
}

// unstored returns the rows of the batch's mentions that are neither in
// existing nor earlier in the batch, and how many mentions they are.
func (b *batch) unstored(existing map[string]bool) (rows []store.Row, mentions int) {
	if b.seen == nil {
		b.seen = make(map[string]bool, len(b.items))
	}
	b.insert = slices.Grow(b.insert[:0], b.rows)
	for _, it := range b.items {
		if existing[it.id] || b.seen[it.id] {
			continue
		}
		b.seen[it.id] = true
		b.insert = append(b.insert, it.rows...)
		mentions++
	}
	return b.insert, mentions
}

// FetchBatch is the most messages one pull request asks the bus for; a
// worker asks again once fewer than this wait to be classified.
const FetchBatch = 1000

// fetchWait is how long a pull request waits for messages; a consumer
// leader change drops waiting requests, so it is short.
const fetchWait = time.Second

// flushQuiet: a batch is also flushed once no message has come for this
// long, so a burst (a collector's poll, an import) is stored at once rather
// than after the flush interval.
const flushQuiet = 50 * time.Millisecond

// Run consumes until ctx ends, then drains: messages already delivered are
// processed, the last batch is flushed and acknowledged, and Run returns.
func (w *Worker) Run(ctx context.Context) error {
	cons, err := w.Bus.Consumer(ctx, bus.ConsumerConfig{AckWait: w.Pipeline.AckWait,
		MaxAckPending: w.Pipeline.MaxAckPending, MaxDeliver: w.Pipeline.MaxDeliver})
	if err != nil {
		return err
	}
	w.timing = newTiming(w.Pipeline.AckWait)
	// At most two batches' worth held: one being stored, the next filling.
	w.held = newTracker(min(2*w.Batch.BatchRows, w.Pipeline.MaxAckPending))
	// msgs never blocks the fetch: it has room for every message the
	// worker may hold. taken tells the fetch that a preparer took one.
	msgs, taken := make(chan *held, w.held.limit), make(chan struct{}, 1)
	go func() {
		defer close(msgs)
		w.fetch(ctx, cons, msgs, taken)
	}()
	stopKeepAlive := make(chan struct{})
	keptAlive := make(chan struct{})
	go func() {
		defer close(keptAlive)
		w.keepAlive(stopKeepAlive)
	}()
	defer func() { close(stopKeepAlive); <-keptAlive }()

	// Decoding and classifying run on the process's cores, shared out
	// among its workers; the inserter runs beside them so that the next
	// batch is prepared while this one is committed.
	items := make(chan item, 1024)
	var prepared sync.WaitGroup
	for range preparers(w.Pipeline.Workers) {
		prepared.Go(func() {
			for h := range msgs {
				select {
				case taken <- struct{}{}:
				default:
				}
				if it, ok := w.prepare(ctx, h); ok {
					items <- it
				}
			}
		})
	}
	go func() { prepared.Wait(); close(items) }()

	// One batch fills while the other is committed; a committed batch
	// comes back through free.
	full, free := make(chan *batch, 1), make(chan *batch, 2)
	var inserter sync.WaitGroup
	inserter.Go(func() {
		for b := range full {
			w.commit(b)
			b.reset()
			select {
			case free <- b:
			default:
			}
		}
	})

	cur := &batch{}
	timer := time.NewTimer(w.Batch.FlushInterval)
	timer.Stop()
	idle := time.NewTimer(flushQuiet)
	idle.Stop()
	var lastItem time.Time
	flush := func() {
		if len(cur.items) == 0 {
			return
		}
		timer.Stop()
		idle.Stop()
		full <- cur
		select {
		case cur = <-free:
		default:
			cur = &batch{}
		}
	}
	for {
		select {
		case it, ok := <-items:
			if !ok {
				flush()
				close(full)
				inserter.Wait()
				return nil
			}
			if len(cur.items) == 0 {
				timer.Reset(w.Batch.FlushInterval)
				idle.Reset(flushQuiet)
			}
			lastItem = time.Now()
			cur.items = append(cur.items, it)
			cur.rows += len(it.rows)
			for i := range it.rows {
				cur.bytes += it.rows[i].Size()
			}
			if cur.rows >= w.Batch.BatchRows || cur.bytes >= w.Batch.BatchBytes {
				flush()
			}
		case <-timer.C:
			flush()
		case <-idle.C:
			if wait := flushQuiet - time.Since(lastItem); wait > 0 {
				idle.Reset(wait)
			} else {
				flush()
			}
		}
	}
}

// preparers is how many goroutines of a worker decode and classify: the
// process's cores shared out among its workers.
func preparers(workers int) int {
	workers = max(workers, 1)
	return max(1, (runtime.GOMAXPROCS(0)+workers-1)/workers)
}

// fetch pulls messages into msgs until ctx ends. It asks the bus for more
// when fewer than FetchBatch wait to be prepared, and only for as many as
// the worker has room for: each message is held from its arrival, so its
// ack timer is known from the moment it starts, and the worker holds what
// it is about to work on rather than a backlog another worker could take.
func (w *Worker) fetch(ctx context.Context, cons jetstream.Consumer, msgs chan *held, taken <-chan struct{}) {
	failures := 0
	for ctx.Err() == nil {
		if len(msgs) >= FetchBatch {
			select {
			case <-ctx.Done():
				return
			case <-taken:
			}
			continue
		}
		n := w.held.room(ctx)
		if n == 0 {
			return
		}
		mb, err := cons.Fetch(min(n, FetchBatch), jetstream.FetchMaxWait(fetchWait))
		if err == nil {
			for m := range mb.Messages() {
				msgs <- w.held.add(m, time.Now())
				w.Metrics.heldMessages.Inc()
			}
			err = mb.Error()
		}
		if err == nil {
			failures = 0
			continue
		}
		// NATS unreachable, or the consumer's leader changing: try again
		// with backoff, the pause doubling up to five seconds.
		failures++
		pause := min(100*time.Millisecond<<min(failures-1, 6), 5*time.Second)
		w.Log.Warn("fetch from bus failed; retrying", "err", err, "attempt", failures, "pause", pause)
		select {
		case <-ctx.Done():
			return
		case <-time.After(pause):
		}
	}
}

// keepAlive sends an InProgress for each message held keepAlive since its
// ack timer last restarted, until stop is closed. A keep-alive counts once
// a flush of the connection confirms that the server has it: while NATS is
// unreachable the messages keep their old times, so the store calls of
// their batches end before the bus could give them to another worker.
func (w *Worker) keepAlive(stop <-chan struct{}) {
	every := w.timing.keepAlive
	conn := w.Bus.JetStream().Conn()
	timer := time.NewTimer(every)
	defer timer.Stop()
	for {
		select {
		case <-stop:
			return
		case <-timer.C:
		}
		sent := time.Now()
		hs := w.held.due(sent.Add(-every))
		ok := true
		if len(hs) > 0 {
			var err error
			for _, h := range hs {
				// One acked meanwhile needs no keep-alive.
				if err = h.msg.InProgress(); err != nil && !errors.Is(err, jetstream.ErrMsgAlreadyAckd) {
					break
				}
				err = nil
			}
			if err == nil {
				fctx, cancel := context.WithTimeout(context.Background(), every)
				err = conn.FlushWithContext(fctx)
				cancel()
			}
			ok = err == nil
			w.held.kept(hs, sent, ok)
			if ok {
				w.Metrics.keptAlive.Add(float64(len(hs)))
			} else {
				w.Log.Warn("keep-alive of held messages not confirmed; retrying", "messages", len(hs), "err", err)
			}
		}
		next := every
		if at, any := w.held.nextDue(every); any {
			next = time.Until(at)
		}
		if !ok {
			next = every / 10
		}
		timer.Reset(max(next, time.Millisecond))
	}
}

// prepare decodes and classifies one message. Messages that can never be
// processed go to the dead-letter stream; ok is false for them.
func (w *Worker) prepare(ctx context.Context, h *held) (item, bool) {
	w.Metrics.received.Inc()
	msg := h.msg
	m, err := mention.Parse(msg.Data())
	if err != nil {
		reason := "invalid: " + err.Error()
		if mention.IsMalformed(err) {
			reason = "unparseable: " + err.Error()
		}
		w.deadLetter(ctx, h, reason)
		return item{}, false
	}
	ingested := time.Now()
	if meta, err := msg.Metadata(); err == nil {
		ingested = meta.Timestamp
	}
	id := m.Key()
	declaredLang := m.Lang
	cls, lab := classify(w.Classifier, w.Annotator, &m)
	w.Metrics.classified.WithLabelValues(cls.Sentiment).Inc()
	// The raw column shares the message's bytes: the client gives every
	// delivered message a buffer of its own that nothing writes again, and
	// the message is held until its rows are stored anyway.
	raw := unsafe.String(unsafe.SliceData(msg.Data()), len(msg.Data()))
	if w.Transform != nil {
		w.Transform(&m)
		// The raw payload must not keep what the transform removed.
		if b, err := m.MarshalJSON(); err == nil {
			raw = string(b)
		}
	}
	rows := Rows(&m, id, declaredLang, cls, raw, ingested)
	lab.annotate(w.Annotator, &m, id, rows)
	return item{held: h, id: id, rows: rows, ingested: ingested}, true
}

// commit stores a batch and settles every message in it: ack after the
// rows are committed (or were already stored), delayed redelivery when the
// store fails, dead letter on the last allowed delivery. The store call
// ends by the batch's deadline (see timing), which bounds the id lookup
// and the insert alike.
func (w *Worker) commit(b *batch) {
	start := time.Now()
	ctx, cancel := context.WithDeadline(context.Background(), w.timing.deadline(w.held.oldest(b)))
	defer cancel()
	inserted, err := w.store(ctx, b)
	w.Metrics.insertSeconds.Observe(time.Since(start).Seconds())
	if err != nil {
		w.Metrics.insertFailed.Inc()
		// An insert the client gave up on may still be committed by the
		// server: the redelivery waits until it would have been.
		var atLeast time.Duration
		if inserted {
			atLeast = w.timing.lateCommit
		}
		w.Log.Warn("store batch failed; messages will be redelivered", "mentions", len(b.items), "insert_sent", inserted,
			"redelivery_after_at_least", atLeast, "err", err)
		for _, it := range b.items {
			w.retryOrDeadLetter(it.held, err, atLeast)
		}
		return
	}
	for _, it := range b.items {
		if err := it.held.msg.Ack(); err != nil {
			w.Log.Warn("ack", "err", err)
		}
		w.settle(it.held)
		w.Metrics.latency.Observe(time.Since(it.ingested).Seconds())
	}
}

// store inserts the batch's rows whose mention is not stored yet, so a
// redelivered or re-imported mention is neither stored nor counted twice.
// inserted tells whether rows were sent to the store, so that a failed
// call may have committed them.
func (w *Worker) store(ctx context.Context, b *batch) (inserted bool, err error) {
	ids := make([]string, 0, len(b.items))
	from, to := b.items[0].rows[0].PublishedAt, b.items[0].rows[0].PublishedAt
	for _, it := range b.items {
		ids = append(ids, it.id)
		at := it.rows[0].PublishedAt
		if at.Before(from) {
			from = at
		}
		if at.After(to) {
			to = at
		}
	}
	existing, err := w.Store.ExistingIDs(ctx, ids, from, to)
	if err != nil {
		return false, err
	}
	rows, stored := b.unstored(existing)
	w.Metrics.duplicates.Add(float64(len(b.items) - stored))
	if len(rows) == 0 {
		return false, nil
	}
	if err := w.Store.Insert(ctx, rows); err != nil {
		return true, err
	}
	w.Metrics.batchRows.Observe(float64(len(rows)))
	w.Metrics.stored.Add(float64(stored))
	return true, nil
}

// settle stops holding a message once it is acked, NAKed or terminated.
func (w *Worker) settle(h *held) {
	w.held.settle(h)
	w.Metrics.heldMessages.Dec()
}

// retryOrDeadLetter hands a message back for redelivery after its backoff,
// and no sooner than atLeast, or dead-letters it on its last delivery.
func (w *Worker) retryOrDeadLetter(h *held, cause error, atLeast time.Duration) {
	msg := h.msg
	meta, err := msg.Metadata()
	if err == nil && int(meta.NumDelivered) >= w.Pipeline.MaxDeliver {
		w.deadLetter(context.Background(), h, fmt.Sprintf("max_deliveries: %d attempts failed, last: %v", meta.NumDelivered, cause))
		return
	}
	delay := w.Pipeline.Backoff[len(w.Pipeline.Backoff)-1]
	if err == nil && int(meta.NumDelivered)-1 < len(w.Pipeline.Backoff) {
		delay = w.Pipeline.Backoff[meta.NumDelivered-1]
	}
	w.Metrics.redelivered.Inc()
	if err := msg.NakWithDelay(max(delay, atLeast)); err != nil {
		w.Log.Warn("nak", "err", err)
	}
	w.settle(h)
}

func (w *Worker) deadLetter(ctx context.Context, h *held, reason string) {
	msg := h.msg
	defer w.settle(h)
	w.Log.Warn("dead-lettering message", "subject", msg.Subject(), "reason", reason)
	if err := w.Bus.DeadLetter(ctx, msg.Subject(), msg.Data(), reason); err != nil {
		// Keep the message on the stream rather than lose it.
		w.Log.Error("dead-letter failed; message stays on the stream", "err", err)
		_ = msg.NakWithDelay(5 * time.Second)
		return
	}
	if err := msg.Term(); err != nil {
		w.Log.Warn("term", "err", err)
	}
}

// Rows turns a classified mention into its store rows: one per brand it
// names, or one with no brand.
func Rows(m *mention.Mention, id, declaredLang string, cls mention.Classification, raw string, ingested time.Time) []store.Row {
	base := store.Row{
		MentionID: id, Source: m.Source, SourceID: m.ID, URL: m.URL, Title: m.Title, Text: m.Text,
		AuthorHandle: m.Author.Handle, AuthorName: m.Author.Name, AuthorURL: m.Author.URL,
		AuthorFollowers: uint64(max(m.Author.Followers, 0)), PublishedAt: m.PublishedAt, IngestedAt: ingested,
		Lang: cls.Lang, SourceLang: declaredLang, Likes: uint64(max(m.Engagement.Likes, 0)),
		Reposts: uint64(max(m.Engagement.Reposts, 0)), Replies: uint64(max(m.Engagement.Replies, 0)),
		ParentURL: m.ParentURL, Sentiment: cls.Sentiment, SentimentScore: float32(cls.SentimentScore),
		SentimentUnscored: cls.SentimentUnscored, Touchpoint: cls.Touchpoint, TouchpointReason: cls.TouchpointReason,
		UndisclosedCommercial: cls.UndisclosedCommercial, JourneyStage: cls.JourneyStage, Brands: cls.Brands,
		ClassifierVersion: cls.ClassifierVersion, Raw: raw,
	}
	if m.Rating != nil {
		r := float32(*m.Rating)
		base.Rating = &r
	}
	if len(cls.Brands) == 0 {
		return []store.Row{base}
	}
	rows := make([]store.Row, len(cls.Brands))
	for i, b := range cls.Brands {
		rows[i] = base
		rows[i].Brand = b
		// Each brand's row carries the labels read from the clauses about it.
		if i < len(cls.BrandLabels) && cls.BrandLabels[i].Brand == b {
			l := cls.BrandLabels[i]
			rows[i].Sentiment, rows[i].SentimentScore, rows[i].JourneyStage = l.Sentiment, float32(l.SentimentScore), l.JourneyStage
		}
	}
	return rows
}
