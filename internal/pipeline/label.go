package pipeline

import (
	"sync"

	"github.com/ewom/ewom/internal/classify/token"
	"github.com/ewom/ewom/internal/mention"
	"github.com/ewom/ewom/internal/store"
)

// textClassifier is a Classifier that leaves the title and text it read
// tokenized (*classify.Classifier), and textAnnotator an Annotator that
// reads them so (*terms.Annotator): with both, a mention is lowercased and
// tokenized once for its labels and its terms.
type textClassifier interface {
	ClassifyText(m *mention.Mention, text *token.Text) mention.Classification
}

type textAnnotator interface {
	AnnotateText(id string, rows []store.Row, text *token.Text)
}

// texts are the token buffers of mentions being classified and annotated.
var texts = sync.Pool{New: func() any { return new(token.Text) }}

// labeling is one mention's classification on its way to annotation.
type labeling struct {
	text        *token.Text // nil: the annotator tokenizes the text itself
	title, body string      // what text holds the tokens of
}

// classify labels m with c, keeping its tokens for a when a reads them.
// Call l.annotate (or l.done) after it.
func classify(c Classifier, a Annotator, m *mention.Mention) (mention.Classification, labeling) {
	tc, ok := c.(textClassifier)
	if _, ok2 := a.(textAnnotator); !ok || !ok2 {
		return c.Classify(m), labeling{}
	}
	l := labeling{text: texts.Get().(*token.Text), title: m.Title, body: m.Text}
	return tc.ClassifyText(m, l.text), l
}

// annotate annotates the rows of m (id) with a, from the tokens classify
// kept unless m's title or text changed since (a transform), and returns
// the token buffer.
func (l labeling) annotate(a Annotator, m *mention.Mention, id string, rows []store.Row) {
	defer l.done()
	if a == nil {
		return
	}
	if l.text != nil && m.Title == l.title && m.Text == l.body {
		a.(textAnnotator).AnnotateText(id, rows, l.text)
		return
	}
	a.Annotate(m, id, rows)
}

// done returns the token buffer.
func (l labeling) done() {
	if l.text != nil {
		*l.text = token.Text{Tokens: l.text.Tokens[:0]}
		texts.Put(l.text)
	}
}
