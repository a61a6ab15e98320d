package classify

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"github.com/ewom/ewom/internal/golden"
	"testing"

	"github.com/ewom/ewom/internal/config"
	"github.com/ewom/ewom/internal/mention"
)

var updateGolden = flag.Bool("update-golden", false, "rewrite testdata/golden.jsonl.gz from the current classifier")

const goldenPath = "testdata/golden.jsonl.gz"

// goldenRecord is everything the classifier says of one text: what
// Classify returns and what Explain returns, evidence included.
type goldenRecord struct {
	Set      string                 `json:"set"`
	Item     string                 `json:"item"`
	Classify mention.Classification `json:"classify"`
	Explain  mention.Classification `json:"explain"`
}

// goldenSet is a set of texts and the brands they are classified with.
type goldenSet struct {
	name     string
	brands   []config.Brand
	mentions []mention.Mention
	ids      []string
}

// goldenSets are the development set's splits, the training corpus, the
// hand-labelled mentions and the benchmark corpora, each with the brands
// it is evaluated (or benchmarked) with.
func goldenSets(t *testing.T) []goldenSet {
	t.Helper()
	load := func(path string) []config.Brand {
		cfg, err := config.Load(path)
		if err != nil {
			t.Fatal(err)
		}
		return cfg.Brands
	}
	devBrands := load("testdata/dev/brands.yaml")
	var sets []goldenSet
	for _, s := range []struct{ name, path, brands string }{
		{"dev", "testdata/dev/dev.jsonl", "testdata/dev/brands.yaml"},
		{"test", "testdata/dev/test.jsonl", "testdata/dev/brands.yaml"},
		{"train", "testdata/train/corpus.jsonl", "testdata/train/brands.yaml"},
	} {
		gs := goldenSet{name: s.name, brands: devBrands}
		if s.brands != "testdata/dev/brands.yaml" {
			gs.brands = load(s.brands)
		}
		for _, it := range readDevItems(t, s.path) {
			gs.mentions = append(gs.mentions, it.Mention(devPublished))
			gs.ids = append(gs.ids, it.ID)
		}
		sets = append(sets, gs)
	}
	labelled := goldenSet{name: "mentions.tsv", brands: load("testdata/brands.yaml")}
	for _, r := range readLabelled(t) {
		labelled.mentions = append(labelled.mentions, r.m)
		labelled.ids = append(labelled.ids, fmt.Sprintf("line %d", r.line))
	}
	sets = append(sets, labelled)
	for _, size := range []int{200, 300} {
		for _, b := range []struct {
			name   string
			brands []config.Brand
		}{{"bench brands", BenchBrands()}, {"test brands", testBrands}} {
			gs := goldenSet{name: fmt.Sprintf("bench corpus %d bytes, %s", size, b.name), brands: b.brands, mentions: BenchCorpus(size)}
			for i := range gs.mentions {
				gs.ids = append(gs.ids, fmt.Sprintf("#%d", i))
			}
			sets = append(sets, gs)
		}
	}
	return sets
}

// TestGoldenOutputs classifies every text of the golden sets and compares
// all that Classify and Explain return (labels, scores, brands, per-brand
// labels, evidence) with what the classifier returned when the file was
// written, so that a speed-up cannot change a label. A deliberate change
// of the labels rewrites the file: go test -run TestGoldenOutputs -update-golden.
func TestGoldenOutputs(t *testing.T) {
	var got bytes.Buffer
	enc := json.NewEncoder(&got)
	n := 0
	for _, gs := range goldenSets(t) {
		c, err := New(gs.brands)
		if err != nil {
			t.Fatalf("%s: %v", gs.name, err)
		}
		for i := range gs.mentions {
			m := gs.mentions[i]
			rec := goldenRecord{Set: gs.name, Item: gs.ids[i], Classify: c.Classify(&m), Explain: c.Explain(&m)}
			if err := enc.Encode(rec); err != nil {
				t.Fatal(err)
			}
			n++
		}
	}
	golden.Check(t, goldenPath, got.Bytes(), *updateGolden)
}
