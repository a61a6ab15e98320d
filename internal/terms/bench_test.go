package terms_test

import (
	"os"
	"runtime"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ewom/ewom/internal/classify"
	"github.com/ewom/ewom/internal/classify/eval"
	"github.com/ewom/ewom/internal/classify/token"
	"github.com/ewom/ewom/internal/config"
	"github.com/ewom/ewom/internal/mention"
	"github.com/ewom/ewom/internal/pipeline"
	"github.com/ewom/ewom/internal/terms"
)

// benchMentions are the development and test sets' 840 labelled posts (fi,
// en, sv; social posts and reviews), with the brands they name.
func benchMentions(b testing.TB) ([]mention.Mention, []config.Brand) {
	b.Helper()
	var ms []mention.Mention
	for _, name := range []string{"dev.jsonl", "test.jsonl"} {
		f, err := os.Open("../classify/testdata/dev/" + name)
		if err != nil {
			b.Fatal(err)
		}
		items, err := eval.ReadDev(f)
		f.Close()
		if err != nil {
			b.Fatal(err)
		}
		for _, it := range items {
			ms = append(ms, it.Mention(time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)))
		}
	}
	cfg, err := config.Load("../classify/testdata/dev/brands.yaml")
	if err != nil {
		b.Fatal(err)
	}
	return ms, cfg.Brands
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
			rows := pipeline.Rows(&m, m.Key(), m.Lang, cls.ClassifyText(&m, &tx), "", m.PublishedAt)
			if ann != nil {
				ann.AnnotateText(m.Key(), rows, &tx)
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
	b.Run("stories", func(b *testing.B) {
		s := terms.NewStories()
		for i := 0; b.Loop(); i++ {
			s.Assign(ms[i%len(ms)].ID, ms[i%len(ms)].Text)
		}
	})
}

// BenchmarkAnnotationShare times classification (with the rows) and the
// annotation of the same mention one after the other, mention by mention,
// as a worker runs them (the annotation reads the tokens and the analyses
// of their words the classification left), so that the machine's load
// drifts alike for both, and reports the
// annotation's time as a fraction of the classification's
// (annotation/classify; the target is at most 0.15).
func BenchmarkAnnotationShare(b *testing.B) {
	ms, brands := benchMentions(b)
	cls, ann := newWorker(b, brands)
	// The thread's CPU time leaves out the time other processes had the
	// core; the wall time is what a worker sees.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cpu := func() time.Duration {
		var ts unix.Timespec
		if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
			b.Fatal(err)
		}
		return time.Duration(ts.Nano())
	}
	var classifying, annotating, classifyingCPU, annotatingCPU time.Duration
	var tx token.Text
	for i := 0; b.Loop(); i++ {
		m := ms[i%len(ms)]
		c0, t0 := cpu(), time.Now()
		rows := pipeline.Rows(&m, m.Key(), m.Lang, cls.ClassifyText(&m, &tx), "", m.PublishedAt)
		t1, c1 := time.Now(), cpu()
		ann.AnnotateText(m.Key(), rows, &tx)
		annotating += time.Since(t1)
		annotatingCPU += cpu() - c1
		classifying += t1.Sub(t0)
		classifyingCPU += c1 - c0
	}
	b.ReportMetric(float64(annotating)/float64(classifying), "annotation/classify")
	b.ReportMetric(float64(annotatingCPU)/float64(classifyingCPU), "cpu-annotation/classify")
	b.ReportMetric(float64(classifying.Nanoseconds())/float64(b.N), "classify-ns/op")
	b.ReportMetric(float64(classifyingCPU.Nanoseconds())/float64(b.N), "cpu-classify-ns/op")
	b.ReportMetric(float64(annotatingCPU.Nanoseconds())/float64(b.N), "cpu-annotate-ns/op")
}
