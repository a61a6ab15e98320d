package faults

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// BenchmarkSplit measures the split topology with ewom's default settings:
// 100,000 mentions (-faults.mentions) imported through the api until all
// are stored, against the cluster's own R3 publish rate measured in the
// same round. Run it with scripts/faults.sh --bench.
func BenchmarkSplit(b *testing.B) {
	n := 100000
	if *mentions > 0 {
		n = *mentions
	}
	// Quiet: a benchmark's log is cut at ten lines, kept for the rounds.
	topo := startTopology(b, "", func(string, ...any) {})
	ctx := context.Background()
	round := 0
	for b.Loop() {
		round++
		g := NewMentions(fmt.Sprintf("bench-%d-%d", round, time.Now().Unix()),
			time.Now().Add(-24*time.Hour).Add(time.Duration(round)*time.Hour))
		r, err := topo.Bench(ctx, RunOptions{Mentions: g, N: n, Chunk: 1000, Senders: 4, Timeout: *timeout,
			Stall: 3 * time.Minute})
		if err != nil {
			b.Fatalf("%v\n%s", err, r)
		}
		b.Logf("round %d: %s", round, r)
		b.ReportMetric(r.StoredRate(), "stored/s")
		b.ReportMetric(r.PublishRate(), "R3-publish/s")
		b.ReportMetric(r.Fraction(), "stored/R3")
	}
}
