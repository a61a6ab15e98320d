package faults

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// A plain `go test` runs the short suite: every scenario once on a small
// import, with the bus's redelivery settings shortened so that a killed
// worker's messages come back within seconds. scripts/faults.sh runs the
// long one (-faults.long: the default settings, 100,000 mentions a run,
// repeated runs).
var (
	long      = flag.Bool("faults.long", false, "production pipeline settings and 100,000 mentions a run (default: the short suite)")
	scenarios = flag.String("faults.scenario", "", "comma-separated scenarios to run (default: all): "+scenarioNames())
	runs      = flag.Int("faults.runs", 1, "runs of each scenario")
	mentions  = flag.Int("faults.mentions", 0, "mentions imported per run (default 20,000; 100,000 with -faults.long)")
	timeout   = flag.Duration("faults.request-timeout", 15*time.Second, "client-side bound on one ingest request; a request without an answer by then counts against the run")
	keep      = flag.String("faults.keep", "", "keep every process's data and log under this directory")
)

func scenarioNames() string {
	names := make([]string, len(Scenarios))
	for i, s := range Scenarios {
		names[i] = s.Name
	}
	return strings.Join(names, ",")
}

// shortPipeline redelivers a killed worker's messages after 20 s and
// retries a failed insert within seconds, so that the short suite's drains
// take seconds, not the defaults' minutes.
const shortPipeline = "pipeline: {ack_wait: 20s, backoff: [1s, 2s, 5s]}\n"

func selected(t *testing.T) []Scenario {
	if *scenarios == "" {
		return Scenarios
	}
	var out []Scenario
	for name := range strings.SplitSeq(*scenarios, ",") {
		found := false
		for _, s := range Scenarios {
			if s.Name == strings.TrimSpace(name) {
				out, found = append(out, s), true
			}
		}
		if !found {
			t.Fatalf("-faults.scenario: no scenario %q (have %s)", name, scenarioNames())
		}
	}
	return out
}

func startTopology(t testing.TB, pipeline string, logf func(string, ...any)) *Topology {
	o := Options{Binaries: Build(t), Classifiers: 2, Pipeline: pipeline, Logf: logf}
	if *keep != "" {
		dir, err := os.MkdirTemp(*keep, "faults-")
		if err != nil {
			t.Fatal(err)
		}
		o.Dir = dir
	}
	return Start(t, o)
}

// TestFaults runs each scenario against one topology, each run importing
// mentions of its own source and published_at range, and fails a run that
// is not exact or left a request unanswered.
func TestFaults(t *testing.T) {
	// A third of a run's mentions is sent while the fault lasts, at
	// duringRate: over 13 s in the short suite, 17 s in the long one (less
	// when the fault is over sooner). The bus must drain without a minute
	// (three with the defaults, whose backoff reaches 2 minutes) going by
	// without progress.
	n, chunk, duringRate, pipeline, stall := 20000, 200, 500.0, shortPipeline, time.Minute
	if *long {
		n, chunk, duringRate, pipeline, stall = 100000, 1000, 2000.0, "", 3*time.Minute
	}
	if *mentions > 0 {
		n = *mentions
	}
	chosen := selected(t)
	topo := startTopology(t, pipeline, nil)
	for _, e := range topo.takeEvents() {
		t.Errorf("start-up: %s", e)
	}
	ctx := context.Background()
	// Each run's mentions are published in a range of their own, a week
	// ago, so the id checks of runs do not overlap.
	base := time.Now().Add(-7 * 24 * time.Hour)
	var summary []string
	k := 0
	for run := 1; run <= *runs; run++ {
		for _, sc := range chosen {
			name := fmt.Sprintf("%s/%d", sc.Name, run)
			start := base.Add(time.Duration(k) * (time.Duration(n)*time.Millisecond + time.Minute))
			k++
			t.Run(name, func(t *testing.T) {
				source := fmt.Sprintf("faults-%s-%d-%d", sc.Name, run, time.Now().Unix())
				r := topo.Run(ctx, sc, RunOptions{Mentions: NewMentions(source, start), N: n, Chunk: chunk, Senders: 4,
					Timeout: *timeout, DuringRate: duringRate, Stall: stall})
				r.Scenario = name
				t.Log("\n" + r.String())
				status := "exact"
				if !r.OK() {
					status = "FAILED: " + strings.Join(r.Problems, "; ")
					t.Fail()
				}
				summary = append(summary, fmt.Sprintf("%-20s %s", name, status))
			})
		}
	}
	t.Log("summary:\n" + strings.Join(summary, "\n"))
}
