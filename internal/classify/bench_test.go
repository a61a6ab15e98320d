package classify

import (
	"fmt"
	"slices"
	"testing"

	"github.com/ewom/ewom/internal/config"

	"github.com/jonreiter/govader"
)

// The throughput targets (docs/classifier.md): full classification at
// ≥ 1.5x govader's sentiment-only speed and ≥ 50,000 ~200-byte mentions/s
// on one core, with a constant number of allocations per mention;
// issue #15: ≥ 50,000 ~300-byte mentions/s with 3 configured brands.

func BenchmarkClassify(b *testing.B) {
	c := newTestClassifier(b)
	corpus := BenchCorpus(200)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		c.Classify(&corpus[i%len(corpus)])
	}
}

// The throughput target's case (issue #15, ewom bench-classify -bytes
// 300): ~300-byte mentions, three configured brands.
func BenchmarkClassify300(b *testing.B) {
	c, err := New(BenchBrands())
	if err != nil {
		b.Fatal(err)
	}
	corpus := BenchCorpus(300)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		c.Classify(&corpus[i%len(corpus)])
	}
}

// A brand list with competitors: 60 brands with aliases, most absent from
// the texts, as when tracking share of voice.
func BenchmarkClassifyManyBrands(b *testing.B) {
	brands := slices.Clone(testBrands)
	for i := range 60 {
		brands = append(brands, config.Brand{Name: fmt.Sprintf("Kilpailija%02d", i), Aliases: []string{fmt.Sprintf("Rival %02d", i), fmt.Sprintf("#rival%02d", i)}})
	}
	c, err := New(brands)
	if err != nil {
		b.Fatal(err)
	}
	corpus := BenchCorpus(200)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		c.Classify(&corpus[i%len(corpus)])
	}
}

func BenchmarkExplain(b *testing.B) {
	c := newTestClassifier(b)
	corpus := BenchCorpus(200)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		c.Explain(&corpus[i%len(corpus)])
	}
}

func BenchmarkGovaderSentimentOnly(b *testing.B) {
	sia := govader.NewSentimentIntensityAnalyzer()
	corpus := BenchCorpus(200)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		sia.PolarityScores(corpus[i%len(corpus)].Text)
	}
}
