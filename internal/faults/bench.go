package faults

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ewom/ewom/internal/store"
)

// SplitResult holds the figures of one benchmark round on the split
// topology.
type SplitResult struct {
	N int
	// Taken is when the api had taken the last mention, Stored when the
	// store held all of them, both from the start of the import.
	Taken, Stored time.Duration
	// PublishBefore and PublishAfter are the cluster's own R3 publish
	// rates (messages/s) measured right before and after the import.
	PublishBefore, PublishAfter float64
	Load                        LoadStats
	Check                       Check
	// CPU is what each process of the topology used from the start of the
	// import until the bus was drained, most first.
	CPU []ProcessCPU
}

// ProcessCPU is one process's CPU time, user and system.
type ProcessCPU struct {
	Name string
	CPU  time.Duration
}

// StoredRate is mentions/s from the start of the import until all were
// stored.
func (r SplitResult) StoredRate() float64 { return float64(r.N) / r.Stored.Seconds() }

// PublishRate is the mean of the two R3 publish measurements.
func (r SplitResult) PublishRate() float64 { return (r.PublishBefore + r.PublishAfter) / 2 }

// Fraction is the stored rate over the R3 publish rate.
func (r SplitResult) Fraction() float64 { return r.StoredRate() / r.PublishRate() }

// String reports the round in two lines.
func (r SplitResult) String() string {
	return fmt.Sprintf("%d mentions: taken by the api in %s (%.0f/s), stored in %s: %.0f stored/s; R3 publish %.0f/s before, %.0f/s after;"+
		" stored/R3 %.3f (issue #20's target: ≥ 10,000/s and ≥ 0.3)\n"+
		"requests %d (503: %d, unanswered %d), slowest answer %s; %s",
		r.N, r.Taken.Round(10*time.Millisecond), float64(r.N)/r.Taken.Seconds(), r.Stored.Round(10*time.Millisecond), r.StoredRate(),
		r.PublishBefore, r.PublishAfter, r.Fraction(),
		r.Load.Requests, r.Load.Unavailable, r.Load.Unanswered, r.Load.MaxLatency.Round(10*time.Millisecond), r.Check.Summary()) +
		"\n" + r.cpuSummary()
}

// cpuSummary says where the machine's CPU went during the import.
func (r SplitResult) cpuSummary() string {
	var total time.Duration
	parts := make([]string, 0, len(r.CPU))
	for _, p := range r.CPU {
		total += p.CPU
		parts = append(parts, fmt.Sprintf("%s %.1f s", p.Name, p.CPU.Seconds()))
	}
	return fmt.Sprintf("CPU until drained: %s; all %.1f s, %.0f µs a mention (the harness's own not counted)",
		strings.Join(parts, ", "), total.Seconds(), float64(total.Microseconds())/float64(r.N))
}

// Bench imports o.N mentions through the api as fast as it takes them and
// times until the store holds every one; the cluster's R3 publish rate is
// measured before and after with messages of the same size. An inexact
// store is an error.
func (topo *Topology) Bench(ctx context.Context, o RunOptions) (SplitResult, error) {
	r := SplitResult{N: o.N}
	if err := topo.Healthy(ctx); err != nil {
		return r, err
	}
	payloads := make([][]byte, o.N)
	for i := range payloads {
		m := o.Mentions.At(i)
		var err error
		if payloads[i], err = m.MarshalJSON(); err != nil {
			return r, err
		}
	}
	var err error
	if r.PublishBefore, err = topo.NATS.PublishRate(ctx, payloads); err != nil {
		return r, fmt.Errorf("R3 publish rate: %w", err)
	}
	cpuBefore := topo.processCPU()
	begin := time.Now()
	loadDone := make(chan error, 1)
	go func() {
		var err error
		r.Load, err = Load{Mentions: o.Mentions, N: o.N, Chunk: o.Chunk, Senders: o.Senders, Timeout: o.Timeout,
			Stall: o.Stall, API: topo.API.URL, Token: topo.Token}.Run(ctx)
		r.Taken = time.Since(begin)
		loadDone <- err
	}()
	count := "SELECT toUInt32(uniqExact(mention_id)) AS n FROM " + topo.Store.Table("mentions") + " WHERE source = " + store.Quote(o.Mentions.Source)
	err = waitProgress(ctx, o.Stall, func() (int, error) {
		var rows []struct{ N int }
		if err := topo.query(ctx, &rows, count); err != nil {
			return 0, err
		}
		if left := o.N - rows[0].N; left > 0 {
			return left, fmt.Errorf("%d of %d mentions stored", rows[0].N, o.N)
		}
		return 0, nil
	})
	r.Stored = time.Since(begin)
	if lerr := <-loadDone; lerr != nil {
		return r, fmt.Errorf("import: %w", lerr)
	}
	if err != nil {
		return r, err
	}
	if err := topo.Drain(ctx, o.Stall); err != nil {
		return r, err
	}
	for name, after := range topo.processCPU() {
		r.CPU = append(r.CPU, ProcessCPU{Name: name, CPU: after - cpuBefore[name]})
	}
	slices.SortFunc(r.CPU, func(a, b ProcessCPU) int { return cmp.Compare(b.CPU, a.CPU) })
	if r.Check, err = topo.Check(ctx, o.Mentions.Source, o.N); err != nil {
		return r, err
	}
	if p := r.Check.Problems(); len(p) > 0 {
		return r, fmt.Errorf("not exact: %v", p)
	}
	if r.PublishAfter, err = topo.NATS.PublishRate(ctx, payloads); err != nil {
		return r, fmt.Errorf("R3 publish rate: %w", err)
	}
	return r, nil
}

// benchStream is the stream PublishRate measures with.
const benchStream = "FAULTS_R3_BENCH"

// PublishRate publishes the payloads to a fresh stream replicated on three
// nodes from one connection, asynchronously with up to 4,096 acks
// outstanding (as `nats bench js pub --batch` and ewom's api do), and
// returns messages/s until the last ack. The stream is deleted after.
func (c *NATSCluster) PublishRate(ctx context.Context, payloads [][]byte) (float64, error) {
	nc, err := nats.Connect(c.URL())
	if err != nil {
		return 0, err
	}
	defer nc.Close()
	var failed atomic.Int64
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(4096),
		jetstream.WithPublishAsyncErrHandler(func(jetstream.JetStream, *nats.Msg, error) { failed.Add(1) }))
	if err != nil {
		return 0, err
	}
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: benchStream, Subjects: []string{"faults.bench.r3"},
		Storage: jetstream.FileStorage, Replicas: len(c.nodes)}); err != nil {
		return 0, err
	}
	defer func() { _ = js.DeleteStream(context.Background(), benchStream) }()
	begin := time.Now()
	for _, p := range payloads {
		// Waiting while 4,096 acks are outstanding is the flow control
		// measured, not a failure.
		if _, err := js.PublishAsync("faults.bench.r3", p, jetstream.WithStallWait(time.Minute)); err != nil {
			return 0, err
		}
	}
	select {
	case <-js.PublishAsyncComplete():
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	elapsed := time.Since(begin)
	if n := failed.Load(); n > 0 {
		return 0, fmt.Errorf("%d of %d publishes failed", n, len(payloads))
	}
	return float64(len(payloads)) / elapsed.Seconds(), nil
}
