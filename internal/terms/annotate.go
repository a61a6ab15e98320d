package terms

import (
	"fmt"
	"math/bits"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ewom/ewom/internal/classify/token"
	"github.com/ewom/ewom/internal/mention"
	"github.com/ewom/ewom/internal/store"
)

// Annotator fills in the terms and story of a mention's rows, as the
// classifier workers and `ewom reclassify` store them.
type Annotator struct {
	Extractor *Extractor
	Stories   *Stories
	metrics   annotatorMetrics
}

// annotatorMetrics count the mentions annotated, the terms they got, the
// mentions whose terms were cut at MaxTerms, and the mentions that joined
// an earlier story.
type annotatorMetrics struct {
	mentions, terms, truncated, joined prometheus.Counter
}

// NewAnnotator returns an annotator with a story index of its own; its
// metrics are registered with reg (nil: not exported).
func NewAnnotator(e *Extractor, reg prometheus.Registerer) (*Annotator, error) {
	a := &Annotator{Extractor: e, Stories: NewStories(), metrics: annotatorMetrics{
		mentions: prometheus.NewCounter(prometheus.CounterOpts{Name: "ewom_terms_annotated_mentions_total",
			Help: "Mentions whose terms and story were extracted."}),
		terms: prometheus.NewCounter(prometheus.CounterOpts{Name: "ewom_terms_extracted_terms_total",
			Help: "Terms (lemmas and phrases) extracted, before each brand's row leaves out its own names."}),
		truncated: prometheus.NewCounter(prometheus.CounterOpts{Name: "ewom_terms_truncated_mentions_total",
			Help: "Mentions with more terms than are stored (terms.MaxTerms); the rest were dropped."}),
		joined: prometheus.NewCounter(prometheus.CounterOpts{Name: "ewom_terms_story_joined_mentions_total",
			Help: "Mentions that joined the story of an earlier near-duplicate."}),
	}}
	if reg != nil {
		for _, c := range []prometheus.Collector{a.metrics.mentions, a.metrics.terms, a.metrics.truncated, a.metrics.joined} {
			if err := reg.Register(c); err != nil {
				return nil, fmt.Errorf("terms: metrics: %w", err)
			}
		}
	}
	return a, nil
}

// Annotate sets the terms, their version and the story of rows, the rows
// of mention m (id) as pipeline.Rows made them: each brand's row without
// that brand's own names.
func (a *Annotator) Annotate(m *mention.Mention, id string, rows []store.Row) {
	if len(rows) == 0 {
		return
	}
	tx := texts.Get().(*token.Text)
	defer texts.Put(tx)
	tx.Read(m.Title, m.Text)
	a.AnnotateText(id, rows, tx)
}

// AnnotateText is Annotate with the mention's title and text already
// tokenized, as classify.Classifier.ClassifyText leaves them: the worker
// lowercases and tokenizes a mention once for both.
func (a *Annotator) AnnotateText(id string, rows []store.Row, tx *token.Text) {
	if len(rows) == 0 {
		return
	}
	caches := a.Extractor.caches.get()
	defer a.Extractor.caches.put(caches)
	// The story's band hashes are taken first and their slots prefetched,
	// to be read after the terms are extracted.
	keys, ok := bandKeys(a.Extractor.hashWords(caches, tx, rows[0].Lang))
	a.Stories.readAhead(&keys, ok)
	// A post's only row takes the terms as they are: its brand's names
	// are left out as they are found.
	hide := ""
	if len(rows) == 1 {
		hide = rows[0].Brand
	}
	t := a.Extractor.extractHashed(caches, tx, rows[0].Lang, hide)
	story, joined := a.Stories.assign(id, &keys, ok)
	a.metrics.mentions.Inc()
	a.metrics.terms.Add(float64(t.n + t.hidden))
	if t.truncated {
		a.metrics.truncated.Inc()
	}
	if joined {
		a.metrics.joined.Inc()
	}
	a.setTerms(t, rows)
	for i := range rows {
		rows[i].TermsVersion, rows[i].Story = Version, story
	}
}

// setTerms sets the terms of rows from t, each brand's row without the
// terms that are the brand's names (as Terms.For). The rows whose brand no
// term names share the set's terms (termSet.take); the others get copies
// without their brand's, in one slice of strings for them all
// (termSet.rowStrings), but for the last of them when no row shares the
// terms: its copy is made in place.
func (a *Annotator) setTerms(t *termSet, rows []store.Row) {
	brands := t.brands[:t.n]
	keys, forms := t.take()
	var named uint64 // the brands some term names
	for _, m := range brands {
		named |= m
	}
	// left[i] is the bit of row i's brand when a term names it, else 0
	// (nil: no term names a brand).
	var left []uint64
	var small [8]uint64
	if named != 0 {
		left = small[:0]
		names := a.Extractor.Brands()
		for i := range rows {
			// The brands named are few (one or two): their names are
			// compared, not looked up.
			var bit uint64
			for m := named; m != 0; m &= m - 1 {
				if b := bits.TrailingZeros64(m); names[b] == rows[i].Brand {
					bit = 1 << b
					break
				}
			}
			left = append(left, bit)
		}
	}
	shared, last := false, -1 // last: the last row whose brand a term names
	for i := range rows {
		if left == nil || left[i] == 0 {
			shared = true
		} else {
			last = i
		}
	}
	inPlace := last >= 0 && !shared
	size, copies := 0, false
	for i := range rows {
		if left == nil || left[i] == 0 || (inPlace && i == last) {
			continue
		}
		copies = true
		for _, m := range brands {
			if m&left[i] == 0 {
				size += 2
			}
		}
	}
	var strs []string
	if copies {
		strs = t.rowStrings(size) // never nil: a row left without terms has an empty list
	}
	for i := range rows {
		r := &rows[i]
		switch {
		case left == nil || left[i] == 0:
			r.Terms, r.TermForms = keys, forms
		case !inPlace || i != last:
			r.Terms, strs = unnamed(strs, keys, brands, left[i])
			r.TermForms, strs = unnamed(strs, forms, brands, left[i])
		}
	}
	if inPlace { // after the others' copies, which read keys and forms whole
		r := &rows[last]
		r.Terms, _ = unnamed(keys, keys, brands, left[last])
		r.TermForms, _ = unnamed(forms, forms, brands, left[last])
	}
}

// Version names the extraction rules (Version).
func (a *Annotator) Version() string { return Version }
