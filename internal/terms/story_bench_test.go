package terms

import (
	"os"
	"strings"
	"testing"

	"github.com/ewom/ewom/internal/classify/token"
)

// BenchmarkBandKeys times the story signature of the labelled mentions'
// texts, from their words' hashes.
func BenchmarkBandKeys(b *testing.B) {
	data, err := os.ReadFile("../classify/testdata/mentions.tsv")
	if err != nil {
		b.Fatal(err)
	}
	var texts [][]uint64
	var tx token.Text
	for line := range strings.Lines(string(data)) {
		if f := strings.Split(strings.TrimSuffix(line, "\n"), "\t"); len(f) == 11 && !strings.HasPrefix(line, "#") {
			tx.Read("", f[10])
			texts = append(texts, appendWordHashes(nil, tx.Tokens))
		}
	}
	var sink uint64
	for i := 0; b.Loop(); i++ {
		k, _ := bandKeys(texts[i%len(texts)])
		sink += k[0]
	}
	_ = sink
}
