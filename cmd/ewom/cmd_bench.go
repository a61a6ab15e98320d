package main

import (
	"context"
	"log/slog"
	"os"
	"runtime/pprof"
	"time"

	"github.com/ewom/ewom/internal/bench"
	"github.com/ewom/ewom/internal/config"
	"github.com/ewom/ewom/internal/store"
)

func init() {
	register("bench", "benchmarks: 'ewom bench pipeline' (the pipeline vs. its limits, embedded or with --dsn on a ClickHouse server)", runBench)
}

func runBench(ctx context.Context, env *cliEnv, args []string) error {
	if len(args) == 0 || args[0] != "pipeline" {
		return usagef("usage: ewom bench pipeline [flags] (classifier: ewom bench-classify)")
	}
	fs := newFlagSet(env, "bench pipeline")
	n := fs.Int("mentions", 200000, "mentions for the throughput runs")
	rate := fs.Int("latency-rate", 2000, "mentions/s for the latency run")
	dur := fs.Duration("latency-for", 15*time.Second, "length of the latency run")
	workers := fs.Int("workers", 1, "classifier workers")
	rounds := fs.Int("rounds", 3, "rounds of the limits and the pipeline, one after another; figures are their medians")
	dataDir := fs.String("data-dir", "", "where the embedded engine keeps its data (default: a temporary directory)")
	chdbLib := fs.String("chdb-lib", "", "path to libchdb.so (default: CHDB_LIB_PATH or the install places)")
	batchRows := fs.Int("batch-rows", 0, "store.batch_rows of the workers (default: the configuration's default)")
	flushInterval := fs.Duration("flush-interval", 0, "store.flush_interval of the workers (default: the configuration's default)")
	dsn := fs.String("dsn", "", "a ClickHouse server to store into instead of the embedded engine (clickhouse://host:9000/db; the bench makes and drops its own databases)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the run to this file")
	memProfile := fs.String("memprofile", "", "write an allocation profile of the run to this file")
	pipelineOnly := fs.Bool("pipeline-only", false, "measure only the pipeline's throughput (no limits, no latency run)")
	compareTerms := fs.Bool("compare-terms", false, "also run each round's pipeline without terms and stories, and report the rate with them over without")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	if *memProfile != "" {
		defer func() {
			if err := writeAllocProfile(*memProfile); err != nil {
				slog.Error("write allocation profile", "err", err)
			}
		}()
	}
	if *n < 1000 || *rate < 1 || *workers < 1 || *rounds < 1 || *dur < time.Second || *batchRows < 0 || *flushInterval < 0 {
		return usagef("--mentions ≥ 1000, --latency-rate ≥ 1, --workers ≥ 1, --rounds ≥ 1, --latency-for ≥ 1s, --batch-rows and --flush-interval ≥ 0")
	}
	s, closeStore, err := openBenchStore(ctx, *dsn, *dataDir, *chdbLib)
	if err != nil {
		return err
	}
	defer closeStore()
	_, err = bench.RunPipeline(ctx, bench.PipelineOptions{Mentions: *n, LatencyRate: *rate, LatencyFor: *dur,
		Workers: *workers, Batch: config.Store{BatchRows: *batchRows, FlushInterval: *flushInterval}, Rounds: *rounds, Store: s, Out: env.stdout, PipelineOnly: *pipelineOnly, CompareTerms: *compareTerms})
	return err
}

// openBenchStore connects to the server dsn names, or opens the embedded
// engine under dataDir (a temporary directory when empty, removed by done).
func openBenchStore(ctx context.Context, dsn, dataDir, chdbLib string) (s store.Store, done func(), err error) {
	if dsn != "" {
		if s, err = store.OpenServer(ctx, dsn); err != nil {
			return nil, nil, err
		}
		return s, func() { s.Close() }, nil
	}
	tmp := ""
	if dataDir == "" {
		if tmp, err = os.MkdirTemp("", "ewom-bench-"); err != nil {
			return nil, nil, err
		}
		dataDir = tmp
	}
	if chdbLib == "" {
		chdbLib = os.Getenv("CHDB_LIB_PATH")
	}
	if s, err = store.OpenEmbedded(chdbLib, dataDir, "ewom_bench"); err != nil {
		os.RemoveAll(tmp)
		return nil, nil, err
	}
	return s, func() { s.Close(); os.RemoveAll(tmp) }, nil
}

func writeAllocProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
