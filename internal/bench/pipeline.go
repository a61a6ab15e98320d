// Package bench measures the pipeline end to end, with an embedded bus and
// the embedded engine or a ClickHouse server, together with the two limits of the machine it runs on: JetStream alone
// and inserts into the store alone, so figures come as fractions of what the
// parts can do.
package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ewom/ewom/internal/bus"
	"github.com/ewom/ewom/internal/classify"
	"github.com/ewom/ewom/internal/config"
	"github.com/ewom/ewom/internal/memstat"
	"github.com/ewom/ewom/internal/mention"
	"github.com/ewom/ewom/internal/pipeline"
	"github.com/ewom/ewom/internal/store"
	"github.com/ewom/ewom/internal/terms"
)

// PipelineOptions sizes a run.
type PipelineOptions struct {
	Mentions    int           // mentions for the throughput runs
	LatencyRate int           // mentions/s for the latency run
	LatencyFor  time.Duration // length of the latency run
	Workers     int
	// Batch is how the workers batch their inserts (store.batch_rows,
	// batch_bytes, flush_interval); zero values take the defaults.
	Batch config.Store
	// Rounds repeats the two limits and the pipeline, one after another
	// in each round, so that a shared machine's drifting speed hits all
	// three alike; the figures are the rounds' medians.
	Rounds int
	Store  store.Store // an open embedded (or server) store; the bench uses its own databases
	Out    io.Writer
	// PipelineOnly skips the two limits and the latency run (for profiling).
	PipelineOnly bool
	// CompareTerms also runs each round's pipeline with workers that
	// store no terms or stories, just before the one that does, to tell
	// what the annotation costs the pipeline.
	CompareTerms bool
}

// Round holds the throughput figures of one round: rates per second and
// process CPU time per message, row and mention.
type Round struct {
	BusRate, InsertRate, PipelineRate float64
	BusCPU, InsertCPU, PipelineCPU    time.Duration
	// The pipeline without terms and stories (CompareTerms).
	UnannotatedRate float64
	UnannotatedCPU  time.Duration
}

// TermsRatio is the pipeline's rate with terms over its rate without them
// in the same round (CompareTerms).
func (r Round) TermsRatio() float64 { return r.PipelineRate / r.UnannotatedRate }

// Fraction is the pipeline's rate over the smaller of its two limits, as
// measured in the same round.
func (r Round) Fraction() float64 { return r.PipelineRate / min(r.BusRate, r.InsertRate) }

// PipelineResult holds the figures of a run: each round's and the latency
// run's.
type PipelineResult struct {
	Rounds                 []Round
	LatencyP50, LatencyP99 time.Duration
	LatencySamples         int
	PeakRSSBytes           int64
}

// Fraction is the median over the rounds of the pipeline's rate as a
// fraction of the smaller limit of the same round.
func (r PipelineResult) Fraction() float64 {
	return median(r.Rounds, Round.Fraction)
}

// Medians is each figure's median over the rounds. Its Fraction is that of
// the medians, not the median fraction, which r.Fraction gives.
func (r PipelineResult) Medians() Round {
	return Round{
		BusRate: median(r.Rounds, func(x Round) float64 { return x.BusRate }), BusCPU: median(r.Rounds, func(x Round) time.Duration { return x.BusCPU }),
		InsertRate: median(r.Rounds, func(x Round) float64 { return x.InsertRate }), InsertCPU: median(r.Rounds, func(x Round) time.Duration { return x.InsertCPU }),
		PipelineRate: median(r.Rounds, func(x Round) float64 { return x.PipelineRate }), PipelineCPU: median(r.Rounds, func(x Round) time.Duration { return x.PipelineCPU }),
	}
}

var brands = []config.Brand{{Name: "TietokoneKoijarit", Aliases: []string{"Koijarit"}}, {Name: "Gigantti"}, {Name: "Verkkokauppa.com"}, {Name: "Finnair"}}

// generator makes distinct mixed fi/en mentions of about 300 bytes, one
// at a time as a client would send them, so the runs' peak RSS is the
// service's and not a pre-built data set's.
type generator struct {
	corpus []mention.Mention
	run    string
	start  time.Time
}

func newGenerator(run string) generator {
	return generator{corpus: classify.BenchCorpus(300), run: run, start: time.Now().Add(-24 * time.Hour).UTC().Truncate(time.Second)}
}

// at returns the i-th mention; the same i gives the same mention.
func (g generator) at(i int) *mention.Mention {
	m := g.corpus[i%len(g.corpus)]
	m.Source = "bench"
	m.ID = g.run + "-" + strconv.Itoa(i)
	m.PublishedAt = g.start.Add(time.Duration(i) * time.Millisecond)
	return &m
}

// span is the published_at range of the first n mentions, to as an open end.
func (g generator) span(n int) (from, to time.Time) {
	return g.start, g.start.Add(time.Duration(n)*time.Millisecond + time.Second)
}

// RunPipeline runs the rounds of the three measurements and the latency
// run, printing as it goes.
func RunPipeline(ctx context.Context, o PipelineOptions) (PipelineResult, error) {
	var r PipelineResult
	say := func(format string, a ...any) { fmt.Fprintf(o.Out, format+"\n", a...) }
	o.Rounds = max(o.Rounds, 1)
	o.Batch = batching(o.Batch)
	say("mentions: %d (mixed fi/en, ~300 bytes), workers: %d, batches: %d rows / %s, store: %s %s", o.Mentions, o.Workers,
		o.Batch.BatchRows, o.Batch.FlushInterval, o.Store.Info().Engine, o.Store.Info().Version)
	for k := 1; k <= o.Rounds; k++ {
		if o.Rounds > 1 {
			say("round %d of %d", k, o.Rounds)
		}
		x, err := runRound(ctx, o, say)
		if err != nil {
			return r, err
		}
		r.Rounds = append(r.Rounds, x)
		r.PeakRSSBytes = max(r.PeakRSSBytes, memstat.Peak())
	}
	m := r.Medians()
	if o.CompareTerms && o.Rounds > 1 {
		ratios := make([]string, len(r.Rounds))
		for i, x := range r.Rounds {
			ratios[i] = strconv.FormatFloat(x.TermsRatio(), 'f', 3, 64)
		}
		say("pipeline with terms over without, median: %.3f (rounds: %s)", median(r.Rounds, Round.TermsRatio), strings.Join(ratios, ", "))
	}
	if o.PipelineOnly {
		if o.Rounds > 1 {
			say("median pipeline:                            %8.0f mentions/s  (%.0f µs CPU per mention)", m.PipelineRate, micros(m.PipelineCPU))
		}
		return r, nil
	}
	if o.Rounds > 1 {
		say("medians of %d rounds: JetStream alone %.0f msgs/s (%.0f µs CPU), inserts alone %.0f rows/s (%.0f µs CPU), pipeline %.0f mentions/s (%.0f µs CPU)",
			o.Rounds, m.BusRate, micros(m.BusCPU), m.InsertRate, micros(m.InsertCPU), m.PipelineRate, micros(m.PipelineCPU))
		say("pipeline as a fraction of the smaller limit of its round: median %.2f (rounds: %s)", r.Fraction(), fractions(r.Rounds))
	}
	// The latency run's peak counts too.
	memstat.RestartPeak()
	lat, err := pipelineLatency(ctx, o)
	if err != nil {
		return r, fmt.Errorf("latency: %w", err)
	}
	slices.Sort(lat)
	r.LatencySamples = len(lat)
	if len(lat) > 0 {
		r.LatencyP50 = lat[len(lat)/2]
		r.LatencyP99 = lat[min(len(lat)-1, len(lat)*99/100)]
	}
	say("latency at %d mentions/s, ingest to queryable: p50 %s  p99 %s  (%d samples)", o.LatencyRate,
		r.LatencyP50.Round(time.Millisecond), r.LatencyP99.Round(time.Millisecond), r.LatencySamples)
	r.PeakRSSBytes = max(r.PeakRSSBytes, memstat.Peak())
	say("peak RSS during the pipeline and latency runs: %.0f MiB (whole process: bus, classifier, embedded ClickHouse)", float64(r.PeakRSSBytes)/(1<<20))
	return r, nil
}

// runRound measures the two limits (unless PipelineOnly) and the pipeline.
// It leaves the kernel's peak-RSS mark at the pipeline run's peak.
func runRound(ctx context.Context, o PipelineOptions, say func(string, ...any)) (Round, error) {
	var x Round
	var err error
	if !o.PipelineOnly {
		if x.BusRate, x.BusCPU, err = busAlone(ctx, o.Mentions); err != nil {
			return x, fmt.Errorf("JetStream baseline: %w", err)
		}
		say("limit 1, JetStream publish+consume alone:  %8.0f msgs/s      (%.0f µs CPU per message)", x.BusRate, micros(x.BusCPU))
		if x.InsertRate, x.InsertCPU, err = insertAlone(ctx, o.Store, o.Mentions, o.Batch.BatchRows); err != nil {
			return x, fmt.Errorf("insert baseline: %w", err)
		}
		say("limit 2, store inserts alone:               %8.0f rows/s      (%.0f µs CPU per row)", x.InsertRate, micros(x.InsertCPU))
	}
	if o.CompareTerms {
		if x.UnannotatedRate, x.UnannotatedCPU, err = pipelineThroughput(ctx, o, false); err != nil {
			return x, fmt.Errorf("pipeline without terms: %w", err)
		}
		say("pipeline without terms and stories:         %8.0f mentions/s  (%.0f µs CPU per mention)", x.UnannotatedRate, micros(x.UnannotatedCPU))
	}
	memstat.RestartPeak()
	if x.PipelineRate, x.PipelineCPU, err = pipelineThroughput(ctx, o, true); err != nil {
		return x, fmt.Errorf("pipeline: %w", err)
	}
	if o.PipelineOnly {
		say("pipeline, ingest to committed rows:         %8.0f mentions/s  (%.0f µs CPU per mention)", x.PipelineRate, micros(x.PipelineCPU))
	} else {
		say("pipeline, ingest to committed rows:         %8.0f mentions/s  (%.2f of the smaller limit; %.0f µs CPU per mention)",
			x.PipelineRate, x.Fraction(), micros(x.PipelineCPU))
	}
	if o.CompareTerms {
		say("terms and stories: %.3f × the rate without them, %+.1f µs CPU per mention", x.TermsRatio(), micros(x.PipelineCPU-x.UnannotatedCPU))
	}
	return x, nil
}

// batching fills in the defaults of the batch settings left zero.
func batching(b config.Store) config.Store {
	d := config.Default().Store
	if b.BatchRows == 0 {
		b.BatchRows = d.BatchRows
	}
	if b.BatchBytes == 0 {
		b.BatchBytes = d.BatchBytes
	}
	if b.FlushInterval == 0 {
		b.FlushInterval = d.FlushInterval
	}
	return b
}

func median[T float64 | time.Duration](rounds []Round, f func(Round) T) T {
	v := make([]T, len(rounds))
	for i, x := range rounds {
		v[i] = f(x)
	}
	slices.Sort(v)
	if len(v)%2 == 0 {
		return (v[len(v)/2-1] + v[len(v)/2]) / 2
	}
	return v[len(v)/2]
}

func fractions(rounds []Round) string {
	parts := make([]string, len(rounds))
	for i, x := range rounds {
		parts[i] = strconv.FormatFloat(x.Fraction(), 'f', 2, 64)
	}
	return strings.Join(parts, ", ")
}

func openBus(ctx context.Context, dir string) (*bus.Bus, error) {
	return bus.Open(ctx, config.Default().NATS, dir, bus.NewMetrics(prometheus.NewRegistry()), slog.New(slog.DiscardHandler))
}

// busAlone publishes n mentions and consumes (and acks) them concurrently.
func busAlone(ctx context.Context, n int) (rate float64, cpuPerMsg time.Duration, err error) {
	dir, err := os.MkdirTemp("", "ewom-bench-bus-")
	if err != nil {
		return 0, 0, err
	}
	defer os.RemoveAll(dir)
	b, err := openBus(ctx, dir)
	if err != nil {
		return 0, 0, err
	}
	defer b.Close()
	// The pipeline's consumer settings, so the limit is the bus the pipeline uses.
	pc := config.Default().Pipeline
	cons, err := b.Consumer(ctx, bus.ConsumerConfig{AckWait: pc.AckWait, MaxAckPending: pc.MaxAckPending, MaxDeliver: pc.MaxDeliver})
	if err != nil {
		return 0, 0, err
	}
	start, cpuStart := time.Now(), memstat.CPU()
	done := make(chan error, 1)
	go func() {
		// Pulled as the workers pull: at most pipeline.FetchBatch a request.
		for got := 0; got < n; {
			mb, err := cons.Fetch(min(pipeline.FetchBatch, n-got), jetstream.FetchMaxWait(time.Second))
			if err != nil {
				done <- err
				return
			}
			for m := range mb.Messages() {
				_ = m.Ack()
				got++
			}
			if err := mb.Error(); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	if err := publishAll(ctx, b, newGenerator("bus"), n); err != nil {
		return 0, 0, err
	}
	if err := <-done; err != nil {
		return 0, 0, err
	}
	elapsed, cpu := time.Since(start), memstat.CPU()-cpuStart
	return float64(n) / elapsed.Seconds(), cpu / time.Duration(n), nil
}

// publishAll sends the generator's first n mentions in chunks of 1,000,
// each chunk waiting for JetStream's acks, as the ingest API does.
func publishAll(ctx context.Context, b *bus.Bus, g generator, n int) error {
	return publishRange(ctx, b, g, 0, n, 1000)
}

func publishRange(ctx context.Context, b *bus.Bus, g generator, from, to, chunk int) error {
	ms := make([]*mention.Mention, 0, chunk)
	for i := from; i < to; i += chunk {
		ms = ms[:0]
		for j := i; j < min(i+chunk, to); j++ {
			ms = append(ms, g.at(j))
		}
		for _, p := range b.PublishAll(ctx, ms) {
			if p.Err != nil {
				return p.Err
			}
		}
	}
	return nil
}

// insertAlone inserts the rows of n classified mentions in batches of the
// pipeline's size. The rows are built first: only the inserts are measured.
func insertAlone(ctx context.Context, base store.Store, n, batch int) (rate float64, cpuPerRow time.Duration, err error) {
	s, err := benchDatabase(ctx, base, "insert")
	if err != nil {
		return 0, 0, err
	}
	defer dropDatabase(base, s)
	cls, err := classify.New(brands)
	if err != nil {
		return 0, 0, err
	}
	g := newGenerator("insert")
	// The same rows the pipeline writes, raw payload included.
	var rows []store.Row
	for i := range n {
		m := g.at(i)
		raw, err := m.MarshalJSON()
		if err != nil {
			return 0, 0, err
		}
		rows = append(rows, pipeline.Rows(m, m.Key(), m.Lang, cls.Classify(m), string(raw), time.Now())...)
	}
	n = len(rows)
	start, cpuStart := time.Now(), memstat.CPU()
	for i := 0; i < n; i += batch {
		if err := s.Insert(ctx, rows[i:min(i+batch, n)]); err != nil {
			return 0, 0, err
		}
	}
	elapsed, cpu := time.Since(start), memstat.CPU()-cpuStart
	return float64(n) / elapsed.Seconds(), cpu / time.Duration(n), nil
}

// embeddedPipeline is a bus, workers and a store database for one run.
type embeddedPipeline struct {
	bus      *bus.Bus
	store    store.Store
	registry *prometheus.Registry
	stop     func()
}

// stored reads the workers' count of committed mentions, which costs no
// query (polling the store would compete with the inserts being measured).
func (p *embeddedPipeline) stored() (float64, error) {
	mfs, err := p.registry.Gather()
	if err != nil {
		return 0, err
	}
	for _, mf := range mfs {
		if mf.GetName() == "ewom_store_stored_mentions_total" {
			return mf.GetMetric()[0].GetCounter().GetValue(), nil
		}
	}
	return 0, nil
}

// startPipeline starts o.Workers workers on a bus and database of their
// own; with annotate they store terms and stories, as a deployment's do.
func startPipeline(ctx context.Context, o PipelineOptions, name string, annotate bool) (*embeddedPipeline, error) {
	dir, err := os.MkdirTemp("", "ewom-bench-"+name+"-")
	if err != nil {
		return nil, err
	}
	b, err := openBus(ctx, filepath.Join(dir, "bus"))
	if err != nil {
		return nil, err
	}
	s, err := benchDatabase(ctx, o.Store, name)
	if err != nil {
		b.Close()
		return nil, err
	}
	cfg := config.Default()
	cfg.Pipeline.Workers = o.Workers
	cfg.Store = o.Batch
	// Room for two batches per worker, as config validation asks.
	cfg.Pipeline.MaxAckPending = max(cfg.Pipeline.MaxAckPending, 2*o.Workers*o.Batch.BatchRows)
	reg := prometheus.NewRegistry()
	metrics := pipeline.NewMetrics(reg)
	cls, ann, err := labelers(reg, annotate)
	if err != nil {
		return nil, err
	}
	wctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for range o.Workers {
		w := &pipeline.Worker{Bus: b, Store: s, Classifier: cls, Annotator: ann, Pipeline: cfg.Pipeline, Batch: cfg.Store,
			Metrics: metrics, Log: slog.New(slog.DiscardHandler)}
		wg.Go(func() { _ = w.Run(wctx) })
	}
	return &embeddedPipeline{bus: b, store: s, registry: reg, stop: func() {
		cancel()
		wg.Wait()
		b.Close()
		dropDatabase(o.Store, s)
		os.RemoveAll(dir)
	}}, nil
}

// labelers returns the workers' classifier and annotator: without
// annotate, a classifier that makes no word analyses and no annotator (a
// nil interface: the workers then store no terms).
func labelers(reg prometheus.Registerer, annotate bool) (*classify.Classifier, pipeline.Annotator, error) {
	if !annotate {
		cls, err := classify.New(brands)
		return cls, nil, err
	}
	ext, err := terms.New(brands)
	if err != nil {
		return nil, nil, err
	}
	ann, err := terms.NewAnnotator(ext, reg)
	if err != nil {
		return nil, nil, err
	}
	cls, err := classify.New(brands, classify.WithAnalyser(ext))
	return cls, ann, err
}

// pipelineThroughput publishes all mentions as fast as the bus takes them
// and times until every one is committed in the store; annotate as
// startPipeline.
func pipelineThroughput(ctx context.Context, o PipelineOptions, annotate bool) (rate float64, cpuPerMention time.Duration, err error) {
	p, err := startPipeline(ctx, o, "throughput", annotate)
	if err != nil {
		return 0, 0, err
	}
	defer p.stop()
	g := newGenerator("pipe")
	from, to := g.span(o.Mentions)
	start, cpuStart := time.Now(), memstat.CPU()
	errc := make(chan error, 1)
	go func() { errc <- publishAll(ctx, p.bus, g, o.Mentions) }()
	for {
		n, err := p.stored()
		if err != nil {
			return 0, 0, err
		}
		if n >= float64(o.Mentions) {
			break
		}
		if time.Since(start) > 10*time.Minute {
			return 0, 0, fmt.Errorf("only %.0f of %d mentions stored after 10 minutes", n, o.Mentions)
		}
		time.Sleep(5 * time.Millisecond)
	}
	elapsed, cpu := time.Since(start), memstat.CPU()-cpuStart
	if err := <-errc; err != nil {
		return 0, 0, err
	}
	// The counter says committed; the store must agree, exactly.
	if n, err := p.store.CountMentions(ctx, from, to, ""); err != nil || n != uint64(o.Mentions) {
		return 0, 0, fmt.Errorf("store holds %d mentions after the run, want %d (%v)", n, o.Mentions, err)
	}
	return float64(o.Mentions) / elapsed.Seconds(), cpu / time.Duration(o.Mentions), nil
}

// pipelineLatency publishes at a fixed rate and samples, every 100 ms, how
// long the mention just published takes to become visible to a query.
func pipelineLatency(ctx context.Context, o PipelineOptions) ([]time.Duration, error) {
	p, err := startPipeline(ctx, o, "latency", true)
	if err != nil {
		return nil, err
	}
	defer p.stop()
	total := int(float64(o.LatencyRate) * o.LatencyFor.Seconds())
	g := newGenerator("lat")
	const tick = 10 * time.Millisecond
	perTick := max(o.LatencyRate/int(time.Second/tick), 1)
	sampleEvery := max(o.LatencyRate/10, 1)
	type sample struct {
		id        string
		at        time.Time
		published time.Time
	}
	samples := make(chan sample, 1024)
	var lat []time.Duration
	var pollErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		for s := range samples {
			for {
				found, err := p.store.ExistingIDs(ctx, []string{s.id}, s.published, s.published)
				if err != nil {
					pollErr = err
					return
				}
				if found[s.id] {
					lat = append(lat, time.Since(s.at))
					break
				}
				time.Sleep(5 * time.Millisecond)
			}
		}
	})
	ticker := time.NewTicker(tick)
	for i := 0; i < total; {
		<-ticker.C
		end := min(i+perTick, total)
		at := time.Now()
		if err := publishRange(ctx, p.bus, g, i, end, perTick); err != nil {
			ticker.Stop()
			close(samples)
			return nil, err
		}
		for j := i; j < end; j++ {
			if j%sampleEvery == 0 {
				m := g.at(j)
				samples <- sample{id: m.Key(), at: at, published: m.PublishedAt}
			}
		}
		i = end
	}
	ticker.Stop()
	close(samples)
	wg.Wait()
	return lat, pollErr
}

func benchDatabase(ctx context.Context, base store.Store, name string) (store.Store, error) {
	s, err := store.InDatabase(base, fmt.Sprintf("ewom_bench_%s_%d", name, os.Getpid()))
	if err != nil {
		return nil, err
	}
	if _, err := s.Migrate(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

func dropDatabase(base, s store.Store) {
	_ = base.Exec(context.Background(), "DROP DATABASE IF EXISTS `"+s.Info().Database+"`")
}

func micros(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
