package terms

import (
	"testing"

	"github.com/ewom/ewom/internal/classify/token"
)

// BenchmarkBandKeys times the story signature of the labelled mentions'
// texts, from their words' hashes.
func BenchmarkBandKeys(b *testing.B) {
	var texts [][]uint64
	var tx token.Text
	for _, text := range labelledTexts(b) {
		tx.Read("", text)
		texts = append(texts, appendWordHashes(nil, tx.Tokens))
	}
	var sink uint64
	for i := 0; b.Loop(); i++ {
		k, _ := bandKeys(texts[i%len(texts)])
		sink += k[0]
	}
	_ = sink
}
