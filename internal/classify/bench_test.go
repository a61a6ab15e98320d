package classify

import (
	"testing"

	"github.com/jonreiter/govader"
)

// The throughput targets (docs/classifier.md): full classification at
// ≥ 1.5x govader's sentiment-only speed and ≥ 50,000 ~200-byte mentions/s
// on one core, with a constant number of allocations per mention.

func BenchmarkClassify(b *testing.B) {
	c := newTestClassifier(b)
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
