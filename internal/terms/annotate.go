package terms

import (
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
}

// NewAnnotator returns an annotator with a story index of its own.
func NewAnnotator(e *Extractor) *Annotator {
	a := &Annotator{Extractor: e, Stories: NewStories(), brands: map[string]int{}}
	for i, b := range e.Brands() {
		a.brands[b] = i
	}
	return a
}

// Annotate sets the terms, their version and the story of rows, the rows
// of mention m (id) as pipeline.Rows made them: each brand's row without
// that brand's own names.
func (a *Annotator) Annotate(m *mention.Mention, id string, rows []store.Row) {
	if len(rows) == 0 {
		return
	}
	text := m.Text
	if m.Title != "" {
		text = m.Title + "\n" + m.Text
	}
	lower := token.Lower(text)
	buf := tokens.Get().(*[]token.Token)
	toks := token.Append((*buf)[:0], text, lower)
	t := a.Extractor.extract(toks, lower, rows[0].Lang)
	story := a.Stories.assign(id, toks)
	*buf = toks[:0]
	tokens.Put(buf)
	for i := range rows {
		b, ok := a.brands[rows[i].Brand]
		if !ok {
			b = -1
		}
		rows[i].Terms, rows[i].TermForms = t.For(b)
		rows[i].TermsVersion, rows[i].Story = Version, story
	}
}

// Version names the extraction rules (Version).
func (a *Annotator) Version() string { return Version }
