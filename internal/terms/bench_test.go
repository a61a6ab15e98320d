package terms_test

import (
	"math/rand/v2"
	"runtime"
	"runtime/metrics"
	"slices"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ewom/ewom/internal/classify"
	"github.com/ewom/ewom/internal/classify/eval"
	"github.com/ewom/ewom/internal/classify/token"
	"github.com/ewom/ewom/internal/config"
	"github.com/ewom/ewom/internal/mention"
	"github.com/ewom/ewom/internal/pipeline"
	"github.com/ewom/ewom/internal/store"
	"github.com/ewom/ewom/internal/terms"
)

// benchMentions are the development and test sets' 840 labelled posts (fi,
// en, sv; social posts and reviews), with the brands they name.
func benchMentions(b testing.TB) ([]mention.Mention, []config.Brand) {
	b.Helper()
	var ms []mention.Mention
	var brands []config.Brand
	for _, name := range []string{"dev.jsonl", "test.jsonl"} {
		var items []eval.DevItem
		items, brands = terms.ReadSet(b, "../classify/testdata/dev/"+name, "../classify/testdata/dev/brands.yaml")
		for _, it := range items {
			ms = append(ms, it.Mention(time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)))
		}
	}
	return ms, brands
}

// newAnnotator returns an annotator of brands with a story index of its
// own and no metrics.
func newAnnotator(tb testing.TB, brands []config.Brand) *terms.Annotator {
	tb.Helper()
	ext, err := terms.New(brands)
	if err != nil {
		tb.Fatal(err)
	}
	ann, err := terms.NewAnnotator(ext, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return ann
}

// newWorker returns a classifier of brands and an annotator of its own
// (newAnnotator), the classifier having the annotator analyse the words
// (classify.WithAnalyser), as a deployment's workers have them.
func newWorker(tb testing.TB, brands []config.Brand) (*classify.Classifier, *terms.Annotator) {
	tb.Helper()
	ann := newAnnotator(tb, brands)
	cls, err := classify.New(brands, classify.WithAnalyser(ann.Extractor))
	if err != nil {
		tb.Fatal(err)
	}
	return cls, ann
}

// BenchmarkClassifyTerms measures what terms and stories add to the
// classifier workers' per-mention work: "classify" is classification and
// the rows, "classify+terms" adds the annotation, with the word caches
// warm (the corpus repeats), "classify+terms-cold" with a new classifier
// and extractor (empty word caches and story index) every pass over the
// corpus. The classifiers of the last two have the annotator analyse the
// words, as a deployment's do. Run the three in one process and compare
// their ns/op (docs/topics.md):
//
//	go test ./internal/terms -run '^$' -bench ClassifyTerms -count 5
func BenchmarkClassifyTerms(b *testing.B) {
	ms, brands := benchMentions(b)
	var tx token.Text
	// run classifies and annotates (ann nil: classifies) the corpus's
	// mentions over and over, with a new classifier and annotator from
	// renew every pass (nil: the first ones throughout).
	run := func(b *testing.B, cls *classify.Classifier, ann *terms.Annotator, renew func() (*classify.Classifier, *terms.Annotator)) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if i%len(ms) == 0 && renew != nil {
				b.StopTimer()
				cls, ann = renew()
				b.StartTimer()
			}
			m := ms[i%len(ms)]
			id := m.Key()
			rows := pipeline.Rows(&m, id, m.Lang, cls.ClassifyText(&m, &tx), "", m.PublishedAt)
			if ann != nil {
				ann.AnnotateText(id, rows, &tx)
			}
		}
	}
	b.Run("classify", func(b *testing.B) {
		cls, err := classify.New(brands)
		if err != nil {
			b.Fatal(err)
		}
		run(b, cls, nil, nil)
	})
	b.Run("classify+terms", func(b *testing.B) {
		cls, ann := newWorker(b, brands)
		run(b, cls, ann, nil)
	})
	b.Run("classify+terms-cold", func(b *testing.B) {
		run(b, nil, nil, func() (*classify.Classifier, *terms.Annotator) { return newWorker(b, brands) })
	})
}

// BenchmarkAnnotateParts splits the annotation's cost: tokenizing, term
// extraction (warm cache) and story assignment, per mention.
func BenchmarkAnnotateParts(b *testing.B) {
	ms, brands := benchMentions(b)
	ext, err := terms.New(brands)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("extract", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			ext.Extract(ms[i%len(ms)].Text, "fi")
		}
	})
	b.Run("annotate", func(b *testing.B) {
		// Each post classified once, its tokens (with the classifier's
		// analyses) and rows kept, and annotated over and over: the
		// annotation alone, with its data hot (BenchmarkWorkerSpeedWithTerms
		// measures it beside a worker's classification).
		cls, ann := newWorker(b, brands)
		txs := make([]token.Text, len(ms))
		rows := make([][]store.Row, len(ms))
		ids := make([]string, len(ms))
		for i := range ms {
			m := &ms[i]
			ids[i] = m.Key()
			rows[i] = pipeline.Rows(m, ids[i], m.Lang, cls.ClassifyText(m, &txs[i]), "", m.PublishedAt)
		}
		for i := 0; b.Loop(); i++ {
			k := i % len(ms)
			ann.AnnotateText(ids[k], rows[k], &txs[k])
		}
	})
	b.Run("stories", func(b *testing.B) {
		s := terms.NewStories()
		for i := 0; b.Loop(); i++ {
			s.Assign(ms[i%len(ms)].ID, ms[i%len(ms)].Text)
		}
	})
}

// BenchmarkWorkerSpeedWithTerms measures the drop in a classifier worker's
// speed that terms and stories cause, as the target is defined (speed with
// terms at least 0.85 of the speed without), with no clock read inside a
// mention's work. Three arms do what a worker does with each mention,
// over the same posts in the same order:
//
//   - "plain": a classifier without terms (classify.New) classifies it
//     (ClassifyText) and makes its rows (pipeline.Rows), as a worker
//     without terms does;
//   - "analysing": the same with the classifier of a worker with terms
//     (newWorker: made WithAnalyser of the annotator's extractor), without
//     the annotation;
//   - "terms": that classifier and its rows, then the annotation of the
//     rows from the classifier's tokens (AnnotateText), as a worker with
//     terms does.
//
// Each arm takes a post's id (mention.Key, a SHA-256: some 0.2 µs) once,
// for the rows and the annotation, as the worker does (AnnotationShare,
// before, took it again inside the annotation's time).
//
// The arms take turns a block of blockMentions (1,000 posts, some 15 ms)
// at a time, each arm the same block of posts in turn, the order of the
// arms turning round from one block to the next, so that the machine's
// drifting load and the processor's caches fall alike on all three. The
// clocks are read once a block, before and after it: the process's CPU
// time (every thread's, the garbage collector's too, and none of other
// processes'), the goroutine's thread's (the benchmark locks its goroutine
// to a thread; without the collector's background work) and the wall
// time.
//
// Two sets of posts:
//
//   - "repeat" (the benchmark's first form): the development and test
//     sets' 840 posts (benchMentions) over and over. "analysing" and
//     "terms" share one classifier, token buffer, extractor and story
//     index, so that their classifier and word caches are in the same
//     state: the annotation leaves the classifier's state as it is, and
//     the analyses are made (and memoized) whether or not the tokens are
//     annotated. Before the timed blocks every arm does every post once:
//     the word memos, the annotator's word caches and the story index are
//     warm, and from then on every post joins its own story (its bands
//     are found) and every word is cached — kinder than a deployment,
//     whose posts are mostly new.
//   - "distinct": 8,030 posts (distinctMentions: the label models'
//     training corpus and the development and test sets, shuffled, under
//     their 40 brands together), of which the first 1,030 warm the arms
//     up and the next are timed, each once (with -benchtime 7000x; a
//     larger b.N goes round them again). "analysing" and "terms" have a
//     classifier and annotator each, which see the same posts in the same
//     order, so that each arm pays for the words met for the first time
//     (the classifier's memo, the annotator's analyses), and the story
//     index fills as in a deployment.
//   - "distinct-stories": the same posts, all of them warming the arms up
//     (so that every word is known, as after a long run), and then a new
//     story index: the timed posts are new to the stories alone.
//
// Reported (per mention, by the process's CPU clock unless named "wall"
// or "thread"): speed-ratio is the speed with terms over the speed
// without ("plain"), the target's measure (at least 0.85); share is the
// annotation's time ("terms" − "analysing") over "plain"'s, the share the
// per-mention benchmark before it (AnnotationShare) estimated, and
// analyse-share what the classifier's analyses add; the µs are each arm's
// time a mention and the B/op the bytes they allocate
// (the collector's work, which the process's clock counts in whichever
// block it falls, grows with them); ns/op is the three arms' wall time a
// post together. Run it pinned to one core with -cpu 1:
//
//	taskset -c 1 go test ./internal/terms -run '^$' -bench 'WorkerSpeedWithTerms/repeat' -cpu 1 -benchtime 60000x -count 5
//	taskset -c 1 go test ./internal/terms -run '^$' -bench 'WorkerSpeedWithTerms/distinct' -cpu 1 -benchtime 7000x -count 5
//
// b.N is the posts each arm does (rounded up to whole blocks).
func BenchmarkWorkerSpeedWithTerms(b *testing.B) {
	b.Run("repeat", func(b *testing.B) {
		ms, brands := benchMentions(b)
		workerSpeed(b, ms, brands, len(ms), true)
	})
	b.Run("distinct", func(b *testing.B) {
		ms, brands := distinctMentions(b)
		workerSpeed(b, ms, brands, distinctWarm, false)
	})
	b.Run("distinct-stories", func(b *testing.B) {
		ms, brands := distinctMentions(b)
		workerSpeed(b, ms, brands, -distinctWarm, false)
	})
}

// distinctWarm are the posts of distinctMentions that warm the arms up.
const distinctWarm = 1030

// distinctMentions are the label models' training corpus (7,190 posts)
// and the development and test sets (840), in an order shuffled once and
// for all, with the brands of both (40).
func distinctMentions(b testing.TB) ([]mention.Mention, []config.Brand) {
	b.Helper()
	ms, brands := benchMentions(b)
	items, more := terms.ReadSet(b, "../classify/testdata/train/corpus.jsonl", "../classify/testdata/train/brands.yaml")
	for _, it := range items {
		ms = append(ms, it.Mention(time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)))
	}
	for _, br := range more {
		if !slices.ContainsFunc(brands, func(o config.Brand) bool { return o.Name == br.Name }) {
			brands = append(brands, br)
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	r.Shuffle(len(ms), func(i, j int) { ms[i], ms[j] = ms[j], ms[i] })
	return ms, brands
}

// workerSpeed runs BenchmarkWorkerSpeedWithTerms' arms over ms, the first
// warm of them once untimed, then b.N from there on (around), with one
// classifier and annotator for "analysing" and "terms" (shared) or one
// each. A negative warm warms the arms up with all of ms, then gives the
// annotator a new story index, and times ms from -warm on.
func workerSpeed(b *testing.B, ms []mention.Mention, brands []config.Brand, warm int, shared bool) {
	warmAll := warm < 0
	warm = max(warm, -warm)
	const blockMentions = 1000
	plain, err := classify.New(brands)
	if err != nil {
		b.Fatal(err)
	}
	cls, ann := newWorker(b, brands)
	acls := cls
	if !shared {
		acls, _ = newWorker(b, brands)
	}
	var plainTx, atx, tx token.Text
	timed := ms[warm:]
	if len(timed) == 0 {
		timed = ms
	}
	// classifying is an arm without the annotation.
	classifying := func(c *classify.Classifier, tx *token.Text) func(posts []mention.Mention, from, n int) {
		return func(posts []mention.Mention, from, n int) {
			for i := from; i < from+n; i++ {
				m := &posts[i%len(posts)]
				rows := pipeline.Rows(m, m.Key(), m.Lang, c.ClassifyText(m, tx), "", m.PublishedAt)
				sinkRows += len(rows)
			}
		}
	}
	// arms[k] does posts [from, from+n) of posts, around.
	arms := [...]func(posts []mention.Mention, from, n int){
		classifying(plain, &plainTx),
		classifying(acls, &atx),
		func(posts []mention.Mention, from, n int) {
			for i := from; i < from+n; i++ {
				m := &posts[i%len(posts)]
				id := m.Key()
				rows := pipeline.Rows(m, id, m.Lang, cls.ClassifyText(m, &tx), "", m.PublishedAt)
				ann.AnnotateText(id, rows, &tx)
				sinkRows += len(rows)
			}
		},
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	clock := func(id int32) time.Duration {
		var ts unix.Timespec
		if err := unix.ClockGettime(id, &ts); err != nil {
			b.Fatal(err)
		}
		return time.Duration(ts.Nano())
	}
	for _, arm := range arms {
		if warmAll {
			arm(ms, 0, len(ms))
		} else {
			arm(ms, 0, warm)
		}
	}
	if warmAll {
		ann.Stories = terms.NewStories()
	}
	runtime.GC()
	var proc, thread, wall [len(arms)]time.Duration
	var allocs [len(arms)]uint64
	allocated := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	heapAllocs := func() uint64 {
		metrics.Read(allocated)
		return allocated[0].Value.Uint64()
	}
	blocks := (b.N + blockMentions - 1) / blockMentions
	b.ResetTimer()
	for blk := range blocks {
		from := blk * blockMentions
		for k := range arms {
			a := (blk + k) % len(arms)
			h0, p0, t0, w0 := heapAllocs(), clock(unix.CLOCK_PROCESS_CPUTIME_ID), clock(unix.CLOCK_THREAD_CPUTIME_ID), time.Now()
			arms[a](timed, from, blockMentions)
			w1, t1, p1 := time.Now(), clock(unix.CLOCK_THREAD_CPUTIME_ID), clock(unix.CLOCK_PROCESS_CPUTIME_ID)
			allocs[a] += heapAllocs() - h0
			proc[a] += p1 - p0
			thread[a] += t1 - t0
			wall[a] += w1.Sub(w0)
		}
	}
	b.StopTimer()
	const plainArm, analysingArm, termsArm = 0, 1, 2
	n := float64(blocks * blockMentions)
	us := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / n / 1e3 }
	b.ReportMetric(float64(proc[plainArm])/float64(proc[termsArm]), "speed-ratio")
	b.ReportMetric(float64(thread[plainArm])/float64(thread[termsArm]), "thread-speed-ratio")
	b.ReportMetric(float64(wall[plainArm])/float64(wall[termsArm]), "wall-speed-ratio")
	b.ReportMetric(float64(proc[termsArm]-proc[analysingArm])/float64(proc[plainArm]), "share")
	b.ReportMetric(float64(proc[analysingArm]-proc[plainArm])/float64(proc[plainArm]), "analyse-share")
	b.ReportMetric(n/proc[plainArm].Seconds(), "plain-mentions/s")
	b.ReportMetric(n/proc[termsArm].Seconds(), "terms-mentions/s")
	b.ReportMetric(us(proc[plainArm]), "plain-µs/op")
	b.ReportMetric(us(proc[analysingArm]), "analysing-µs/op")
	b.ReportMetric(us(proc[termsArm]), "terms-µs/op")
	b.ReportMetric(us(proc[termsArm]-proc[analysingArm]), "annotate-µs/op")
	b.ReportMetric(float64(allocs[plainArm])/n, "plain-B/op")
	b.ReportMetric(float64(allocs[analysingArm])/n, "analysing-B/op")
	b.ReportMetric(float64(allocs[termsArm])/n, "terms-B/op")
}

// sinkRows keeps the benchmarks' rows counted, so that no arm's work can
// be left out.
var sinkRows int
