package terms

import (
	"fmt"

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
	brands    map[string]int // brand name → its index in the extractor
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
	a := &Annotator{Extractor: e, Stories: NewStories(), brands: map[string]int{}, metrics: annotatorMetrics{
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
	for i, b := range e.Brands() {
		a.brands[b] = i
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
	t := a.Extractor.extractHashed(caches, tx, rows[0].Lang)
	story, joined := a.Stories.assign(id, &keys, ok)
	a.metrics.mentions.Inc()
	a.metrics.terms.Add(float64(t.n))
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
// terms that are the brand's names (as Terms.For), in one slice of
// strings for all the rows (termSet.rowStrings): the rows whose brand no
// term names share one copy of all the terms (capped, so that an append
// to one copies), made in bulk.
func (a *Annotator) setTerms(t *termSet, rows []store.Row) {
	keys, forms, brands := t.keys[:t.n], t.forms[:t.n], t.brands[:t.n]
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
		for i := range rows {
			var bit uint64
			if b, ok := a.brands[rows[i].Brand]; ok {
				bit = named & (1 << b)
			}
			left = append(left, bit)
		}
	}
	size, shared := 0, false
	for i := range rows {
		if left == nil || left[i] == 0 {
			shared = true
			continue
		}
		for _, m := range brands {
			if m&left[i] == 0 {
				size += 2
			}
		}
	}
	if shared {
		size += 2 * t.n
	}
	strs := t.rowStrings(size)     // the rows' keys and forms
	var allKeys, allForms []string // the shared ones
	if shared {
		allKeys, allForms, strs = strs[:t.n:t.n], strs[t.n:2*t.n:2*t.n], strs[2*t.n:]
		copy(allKeys, keys)
		copy(allForms, forms)
	}
	for i := range rows {
		r := &rows[i]
		if left == nil || left[i] == 0 {
			r.Terms, r.TermForms = allKeys, allForms
		} else {
			r.Terms, strs = unnamed(strs, keys, brands, left[i])
			r.TermForms, strs = unnamed(strs, forms, brands, left[i])
		}
	}
}

// Version names the extraction rules (Version).
func (a *Annotator) Version() string { return Version }
