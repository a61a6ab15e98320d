package terms_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"github.com/ewom/ewom/internal/golden"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ewom/ewom/internal/classify"
	"github.com/ewom/ewom/internal/classify/eval"
	"github.com/ewom/ewom/internal/config"
	"github.com/ewom/ewom/internal/mention"
	"github.com/ewom/ewom/internal/store"
)

var update = flag.Bool("update", false, "rewrite testdata/golden.jsonl.gz from this build's output")

// goldenFile holds what the annotator made of every text of goldenSets:
// the rules' outputs, which a faster build must reproduce byte for byte.
const goldenFile = "testdata/golden.jsonl.gz"

// goldenSet is a corpus annotated with one annotator (one story index),
// in order, under the brands it names.
type goldenSet struct {
	name   string
	brands string // brands.yaml
	posts  []goldenPost
}

type goldenPost struct {
	id, lang string
	m        mention.Mention
}

// goldenRecord is one post's output: its story (from the Annotate path),
// and per language its terms and forms, grouped by the rows (brands; ""
// is the row without a brand) that got the same.
type goldenRecord struct {
	Set   string        `json:"set"`
	ID    string        `json:"id"`
	Lang  string        `json:"lang"`
	Story string        `json:"story"`
	Terms []goldenTerms `json:"terms"`
}

type goldenTerms struct {
	Lang   string   `json:"lang"`
	Brands []string `json:"brands,omitempty"` // none: the row without a brand and the brands not listed
	Keys   []string `json:"keys"`
	Forms  []string `json:"forms"`
}

// goldenSets are the development and test sets (twice, the second time
// under other ids, so that copies join stories), the label models'
// training corpus, the classifier's labelled mentions and the benchmark
// corpus built from them: 9,189 posts in fi, en, sv and a few others.
func goldenSets(t *testing.T) []goldenSet {
	t.Helper()
	published := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	readJSONL := func(files ...string) []goldenPost {
		var out []goldenPost
		for _, name := range files {
			items, err := eval.ReadDevFile(name)
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range items {
				out = append(out, goldenPost{id: it.ID, lang: it.Lang, m: it.Mention(published)})
			}
		}
		return out
	}
	dev := readJSONL("../classify/testdata/dev/dev.jsonl", "../classify/testdata/dev/test.jsonl")
	for _, p := range dev[:len(dev):len(dev)] {
		p.id += "/copy"
		dev = append(dev, p)
	}
	var labelled []goldenPost
	f, err := os.Open("../classify/testdata/mentions.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		fs := strings.Split(sc.Text(), "\t")
		if strings.HasPrefix(sc.Text(), "#") || len(fs) != 11 {
			continue
		}
		labelled = append(labelled, goldenPost{id: fmt.Sprintf("mentions.tsv:%d", n), lang: fs[4], m: mention.Mention{Text: fs[10]}})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	var bench []goldenPost
	langs := []string{"fi", "en", "sv", "und"}
	for i, m := range classify.BenchCorpus(2000) {
		bench = append(bench, goldenPost{id: fmt.Sprintf("bench:%d", i), lang: langs[i%len(langs)], m: m})
	}
	return []goldenSet{
		{"dev", "../classify/testdata/dev/brands.yaml", dev},
		{"train", "../classify/testdata/train/brands.yaml", readJSONL("../classify/testdata/train/corpus.jsonl")},
		{"labelled", "../classify/testdata/brands.yaml", labelled},
		{"bench", "../classify/testdata/brands.yaml", bench},
	}
}

// goldenOutput annotates every post of the sets and returns their records,
// one JSON line each.
func goldenOutput(t *testing.T) []byte {
	t.Helper()
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	for _, set := range goldenSets(t) {
		cfg, err := config.Load(set.brands)
		if err != nil {
			t.Fatal(err)
		}
		ann := newAnnotator(t, cfg.Brands)
		names := append([]string{""}, ann.Extractor.Brands()...)
		for _, p := range set.posts {
			rows := make([]store.Row, len(names))
			for i, b := range names {
				rows[i] = store.Row{Brand: b, Lang: p.lang}
			}
			ann.Annotate(&p.m, p.id, rows)
			rec := goldenRecord{Set: set.name, ID: p.id, Lang: p.lang, Story: fmt.Sprintf("%016x", rows[0].Story)}
			text := p.m.Text
			if p.m.Title != "" {
				text = p.m.Title + "\n" + p.m.Text
			}
			// The post's own language from the rows, the others from Extract.
			for _, lang := range []string{p.lang, "fi", "en", "sv", "und"} {
				if lang != p.lang {
					terms := ann.Extractor.Extract(text, lang)
					for i := range rows {
						rows[i].Terms, rows[i].TermForms = terms.For(i - 1)
					}
				} else if len(rec.Terms) > 0 {
					continue
				}
				rec.Terms = appendGrouped(rec.Terms, lang, rows)
			}
			if err := enc.Encode(rec); err != nil {
				t.Fatal(err)
			}
		}
	}
	return out.Bytes()
}

// appendGrouped appends the terms of rows (rows[0] without a brand), one
// entry for the rows that got the same; the first names no brands.
func appendGrouped(to []goldenTerms, lang string, rows []store.Row) []goldenTerms {
	start := len(to)
rows:
	for _, r := range rows {
		for i := start; i < len(to); i++ {
			if slices.Equal(to[i].Keys, r.Terms) && slices.Equal(to[i].Forms, r.TermForms) {
				to[i].Brands = append(to[i].Brands, r.Brand)
				continue rows
			}
		}
		to = append(to, goldenTerms{Lang: lang, Brands: []string{r.Brand}, Keys: r.Terms, Forms: r.TermForms})
	}
	to[start].Brands = nil // rows[0], the row without a brand, and the others like it
	return to
}

// TestGolden checks that the terms, forms and stories of 9,189 posts are
// byte for byte those the rules gave when the golden file was written
// (`go test ./internal/terms -run Golden -update` rewrites it, for a
// change of the rules, with a new Version).
func TestGolden(t *testing.T) {
	golden.Check(t, goldenFile, goldenOutput(t), *update)
}
