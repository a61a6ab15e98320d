package main

import (
	"cmp"
	"context"
	"fmt"
	"runtime"
	"slices"
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
	ratios := make([]float64, len(ours))
	for i := range ours {
		ratios[i] = ours[i].rate / vader[i].rate
	}
	o, v := medianOf(ours), medianOf(vader)
	fmt.Fprintf(env.stdout, "one core (GOMAXPROCS=1), median of %d alternating rounds\n", *rounds)
	fmt.Fprintf(env.stdout, "ewom full classification:   %9.0f texts/s  %6.1f allocs/text\n", o.rate, o.allocs)
	fmt.Fprintf(env.stdout, "govader sentiment only:     %9.0f texts/s  %6.1f allocs/text\n", v.rate, v.allocs)
	slices.Sort(ratios)
	fmt.Fprintf(env.stdout, "ratio ewom/govader:         %9.2fx  (rounds: %.2f–%.2f)\n", ratios[len(ratios)/2], ratios[0], ratios[len(ratios)-1])
	return nil
}

type throughput struct {
	rate   float64 // texts per second
	allocs float64 // heap allocations per text
}

// medianOf returns the round with the median rate.
func medianOf(ts []throughput) throughput {
	s := slices.Clone(ts)
	slices.SortFunc(s, func(a, b throughput) int { return cmp.Compare(a.rate, b.rate) })
	return s[len(s)/2]
}

// measure runs fn over the corpus, round-robin, for about d.
func measure(ctx context.Context, d time.Duration, corpus []mention.Mention, fn func(*mention.Mention)) throughput {
	for i := range corpus { // warm up lazily built tables and caches
		fn(&corpus[i])
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start, n := time.Now(), 0
	for time.Since(start) < d && ctx.Err() == nil {
		for i := range corpus {
			fn(&corpus[i])
		}
		n += len(corpus)
	}
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	return throughput{rate: float64(n) / elapsed.Seconds(), allocs: float64(after.Mallocs-before.Mallocs) / float64(n)}
}
