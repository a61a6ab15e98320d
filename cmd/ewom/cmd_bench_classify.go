package main

import (
	"cmp"
	"context"
	"fmt"
	"runtime"
	"slices"
	"syscall"
	"time"

	"github.com/ewom/ewom/internal/classify"
	"github.com/ewom/ewom/internal/mention"
	"github.com/jonreiter/govader"
)

func init() {
	register("bench-classify", "classifier throughput vs govader (English VADER) on a mixed fi/en corpus", runBenchClassify)
}

func runBenchClassify(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "bench-classify")
	dur := fs.Duration("duration", 3*time.Second, "how long to run each classifier in all")
	rounds := fs.Int("rounds", 5, "alternating rounds of the two classifiers")
	size := fs.Int("bytes", 200, "approximate text size of each mention")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *dur <= 0 || *size <= 0 || *rounds < 1 {
		return usagef("--duration, --bytes and --rounds must be positive")
	}
	corpus := classify.BenchCorpus(*size)
	if len(corpus) == 0 {
		return fmt.Errorf("empty benchmark corpus")
	}
	brands := classify.BenchBrands()
	c, err := classify.New(brands)
	if err != nil {
		return err
	}
	bytes := 0
	for _, m := range corpus {
		bytes += len(m.Text)
	}
	fmt.Fprintf(env.stdout, "corpus: %d mentions, mean %d bytes, mixed fi/en/sv; %d configured brands\n", len(corpus), bytes/len(corpus), len(brands))
	// One core, so that each classifier's garbage collection is counted
	// against it; rounds alternate the two so that a busy spell of a shared
	// machine hits both.
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	sia := govader.NewSentimentIntensityAnalyzer()
	var ours, vader []throughput
	for range *rounds {
		ours = append(ours, measure(ctx, *dur/time.Duration(*rounds), corpus, func(m *mention.Mention) { c.Classify(m) }))
		vader = append(vader, measure(ctx, *dur/time.Duration(*rounds), corpus, func(m *mention.Mention) { sia.PolarityScores(m.Text) }))
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	ratios, cpuRatios := make([]float64, len(ours)), make([]float64, len(ours))
	for i := range ours {
		ratios[i] = ours[i].rate / vader[i].rate
		cpuRatios[i] = ours[i].cpuRate / vader[i].cpuRate
	}
	o, v := medianOf(ours), medianOf(vader)
	oc, vc := medianBy(ours, cpuRateOf), medianBy(vader, cpuRateOf)
	fmt.Fprintf(env.stdout, "one core (GOMAXPROCS=1), median of %d alternating rounds; per CPU-second: the process's CPU time, which other jobs on a shared core do not inflate\n", *rounds)
	fmt.Fprintf(env.stdout, "ewom full classification:   %9.0f texts/s  %9.0f texts/CPU-s  %6.1f allocs/text\n", o.rate, oc.cpuRate, o.allocs)
	fmt.Fprintf(env.stdout, "govader sentiment only:     %9.0f texts/s  %9.0f texts/CPU-s  %6.1f allocs/text\n", v.rate, vc.cpuRate, v.allocs)
	slices.Sort(ratios)
	slices.Sort(cpuRatios)
	fmt.Fprintf(env.stdout, "ratio ewom/govader:         %9.2fx  (rounds: %.2f–%.2f); per CPU-second %.2fx (%.2f–%.2f)\n",
		ratios[len(ratios)/2], ratios[0], ratios[len(ratios)-1], cpuRatios[len(cpuRatios)/2], cpuRatios[0], cpuRatios[len(cpuRatios)-1])
	return nil
}

type throughput struct {
	rate    float64 // texts per second
	cpuRate float64 // texts per second of the process's CPU time
	allocs  float64 // heap allocations per text
}

func rateOf(t throughput) float64    { return t.rate }
func cpuRateOf(t throughput) float64 { return t.cpuRate }

// medianOf returns the round with the median rate.
func medianOf(ts []throughput) throughput { return medianBy(ts, rateOf) }

// medianBy returns the round with the median of a rate.
func medianBy(ts []throughput, rate func(throughput) float64) throughput {
	s := slices.Clone(ts)
	slices.SortFunc(s, func(a, b throughput) int { return cmp.Compare(rate(a), rate(b)) })
	return s[len(s)/2]
}

// cpuTime is the CPU time (user and system) the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// measure runs fn over the corpus, round-robin, for about d.
func measure(ctx context.Context, d time.Duration, corpus []mention.Mention, fn func(*mention.Mention)) throughput {
	for i := range corpus { // warm up lazily built tables and caches
		fn(&corpus[i])
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start, cpuStart, n := time.Now(), cpuTime(), 0
	for time.Since(start) < d && ctx.Err() == nil {
		for i := range corpus {
			fn(&corpus[i])
		}
		n += len(corpus)
	}
	elapsed, cpu := time.Since(start), cpuTime()-cpuStart
	runtime.ReadMemStats(&after)
	return throughput{rate: float64(n) / elapsed.Seconds(), cpuRate: float64(n) / cpu.Seconds(), allocs: float64(after.Mallocs-before.Mallocs) / float64(n)}
}
