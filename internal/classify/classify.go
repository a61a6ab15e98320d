// Package classify labels mentions: language, sentiment (fi/en/sv), PESO
// touchpoint, customer-journey stage and the configured brands they name.
// It is pure Go with embedded lexicons; see docs/classifier.md.
package classify

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/ewom/ewom/internal/classify/lang"
	"github.com/ewom/ewom/internal/classify/token"
	"github.com/ewom/ewom/internal/config"
	"github.com/ewom/ewom/internal/mention"
)

// Classifier labels mentions. It is safe for concurrent use.
type Classifier struct {
	t       *tables
	brands  []*brandMatcher
	brandIx *brandIndex // every brand's patterns, found in one pass
	// anyAccounts: some brand lists owned accounts, so the author's
	// account key (a string built per mention) is worth building.
	anyAccounts bool
	scratch     sync.Pool // *scratch, reused between calls
}

// scratch holds a call's tokens and lookups, kept for the next call.
type scratch struct {
	toks                         []token.Token
	post, buf, reversed, carried lexed // the post, and per brand its texts (perbrand.go)
	clauses                      []clause
	found                        []*brandMatcher
	foundAt                      []int
	at                           [][]int // the tokens naming each brand found
	definite                     []bool
}

// brandTokens returns n empty lists of token indices.
func (sc *scratch) brandTokens(n int) [][]int {
	for len(sc.at) < n {
		sc.at = append(sc.at, nil)
	}
	for i := range sc.at[:n] {
		sc.at[i] = sc.at[i][:0]
	}
	return sc.at[:n]
}

// scoredLangs have sentiment lexicons.
var scoredLangs = map[string]bool{"fi": true, "en": true, "sv": true}

// Option changes a Classifier at construction.
type Option func(*Classifier) error

// WithLearnedLexicon replaces the embedded learned model of a
// language (see ReadLearned and cmd/xedtrain); used to measure
// held-out folds. The version gets a "+custom" suffix.
func WithLearnedLexicon(code string, r io.Reader) Option {
	return func(c *Classifier) error {
		lex, err := ReadLearned(r)
		if err != nil {
			return fmt.Errorf("learned lexicon %s: %w", code, err)
		}
		t := *c.t
		t.learned, t.features = maps.Clone(t.learned), maps.Clone(t.features)
		t.setLearned(code, lex.withCues(code, t.subjCues[code]))
		t.version = strings.TrimSuffix(t.version, "+custom") + "+custom"
		c.t = &t
		return nil
	}
}

// New compiles the brand matchers. The error names the bad brand setting.
func New(brands []config.Brand, opts ...Option) (*Classifier, error) {
	t, err := sharedTables()
	if err != nil {
		return nil, fmt.Errorf("classifier lexicons: %w", err)
	}
	c := &Classifier{t: t}
	for _, opt := range opts {
		if err := opt(c); err != nil {
			return nil, err
		}
	}
	var errs []error
	names := map[string]bool{}
	for i, b := range brands {
		bm, err := newBrandMatcher(b, i)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if names[strings.ToLower(bm.name)] {
			errs = append(errs, fmt.Errorf("brands[%d].name: %q is configured twice", i, bm.name))
		}
		names[strings.ToLower(bm.name)] = true
		c.brands = append(c.brands, bm)
		c.anyAccounts = c.anyAccounts || len(bm.accounts) > 0
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	c.brandIx = newBrandIndex(c.brands)
	c.scratch.New = func() any { return &scratch{toks: make([]token.Token, 0, 128)} }
	return c, nil
}

// Version is the classifier_version stored with every label: the rules
// version and a hash of the embedded lexicons.
func (c *Classifier) Version() string { return c.t.version }

// Classify labels a mention without an explanation.
func (c *Classifier) Classify(m *mention.Mention) mention.Classification {
	return c.classify(m, nil, true)
}

// Explain labels a mention and records the evidence behind each label.
func (c *Classifier) Explain(m *mention.Mention) mention.Classification {
	tr := &trace{}
	cl := c.classify(m, tr, true)
	cl.Explanation = tr.evidence
	if cl.Explanation == nil {
		cl.Explanation = []mention.Evidence{}
	}
	return cl
}

// classify labels a mention; stageModel false leaves the journey stage to
// the cue rules (the stage model's training features need their stage).
func (c *Classifier) classify(m *mention.Mention, tr *trace, stageModel bool) mention.Classification {
	sc := c.scratch.Get().(*scratch)
	defer c.scratch.Put(sc)
	lowerTitle, lowerText := token.Lower(m.Title), token.Lower(m.Text)
	toks := token.Append(sc.toks[:0], m.Title, lowerTitle)
	titleEnd := len(toks)
	if len(toks) > 0 {
		toks = append(toks, token.Token{Text: ".", Kind: token.Punct})
	}
	textStart := len(toks)
	toks = token.Append(toks, m.Text, lowerText)
	sc.toks = toks[:0]

	cl := mention.Classification{ClassifierVersion: c.t.version, Brands: []string{}}

	det := c.t.lang.Detect(toks, m.Lang)
	cl.Lang = det.Lang
	if tr != nil {
		tr.add("lang", "rule", det.Lang, det.Confidence, "declared "+orNone(m.Lang))
	}

	code := lexiconCode(det.Lang, det.Guess)
	if det.Lang == lang.Und && code != "" && tr != nil {
		tr.add("sentiment", "rule", "lexicon "+code, 0, "language und; using the likeliest lexicon")
	}
	lx := &sc.post
	c.t.lexTokens(lx, toks, code)

	found, foundAt := sc.found[:0], sc.foundAt[:0] // found[i] is c.brands[foundAt[i]]
	author, host := "", hostOf(m.URL)
	if c.anyAccounts {
		author = accountKey(m)
	}
	var titleBuf, textBuf [16]brandHit
	var titleHits, textHits []brandHit
	if len(c.brands) > 0 {
		titleHits, textHits = c.brandIx.scan(lowerTitle, titleBuf[:0]), c.brandIx.scan(lowerText, textBuf[:0])
	}
	var segments []string // of the mention URL's path, parsed when first needed
	segmentsKnown := false
	lowerURL := strings.ToLower(m.URL) // no copy when it is lowercase already
	for bi, b := range c.brands {
		matched, ok := b.find(lowerTitle, titleHits, bi)
		if !ok && author != "" && b.accounts[author] {
			matched, ok = author, true // a brand's own post is about the brand
		}
		if !ok {
			matched, ok = b.find(lowerText, textHits, bi)
		}
		if !ok && host != "" {
			matched, ok = b.ownsHost(host)
		}
		if !ok && m.URL != "" && b.mayNameInURL(lowerURL) {
			if !segmentsKnown {
				segments, segmentsKnown = urlSegments(m.URL), true
			}
			matched, ok = b.namedInURL(segments)
		}
		if ok {
			found, foundAt = append(found, b), append(foundAt, bi)
			tr.add("brand", "alias", matched, 1, b.name)
		}
	}
	sc.found, sc.foundAt = found, foundAt
	if len(found) > 0 {
		cl.Brands = make([]string, len(found))
		for i, b := range found {
			cl.Brands[i] = b.name
		}
	}

	cues := scanCues(lx, tr)
	tp := c.touchpoint(m, author, host, toks, &cues, found, tr)
	cl.Touchpoint, cl.TouchpointReason, cl.UndisclosedCommercial = tp.touchpoint, tp.reason, tp.undisclosed
	tr.add("touchpoint", "rule", tp.touchpoint, 0, tp.reason)
	if tp.voice == "" && asksAdvice(&cues, toks) {
		tp.voice = voiceAsking
	}
	raw, hits := c.t.scoreSentiment(lx, tr)
	cl.Sentiment, cl.SentimentScore = sentimentOf(voiced(raw, tp.voice, tr), hits, m.Rating, tr)
	if code == "" && hits == 0 && m.Rating == nil {
		cl.SentimentUnscored = true
		if tr != nil {
			tr.add("sentiment", "rule", "unscored", 0, "no lexicon for language "+det.Lang)
		}
	}
	source := sourceKey(m)
	var postDefinite bool
	cl.JourneyStage, postDefinite = journeyStage(&cues, tp, source, toks, tr)
	var definite []bool // per brand label: decided by a rule the stage model may not overrule
	if len(found) > 0 {
		var at [][]int
		if len(found) > 1 {
			at = sc.brandTokens(len(found))
			for i, b := range found {
				at[i] = b.positions(at[i], lowerTitle, titleHits, foundAt[i], toks, 0, titleEnd)
				at[i] = b.positions(at[i], lowerText, textHits, foundAt[i], toks, textStart, len(toks))
				if len(at[i]) == 0 {
					at[i] = nil // named by account or domain only
				}
			}
		}
		cl.BrandLabels, definite = c.brandLabels(sc, found, at, m, &cl, tp, &cues, postDefinite, tr)
	}
	if c.t.stages != nil && stageModel && (!postDefinite || slices.Contains(definite, false)) {
		sw := lx.stageEvidence(tp.touchpoint, source)
		postRule := cl.JourneyStage
		if !postDefinite {
			cl.JourneyStage = c.modelStage(sw, postRule, "", tr)
		}
		for i := range cl.BrandLabels {
			switch l := &cl.BrandLabels[i]; {
			case definite[i]:
			case l.JourneyStage == postRule && !postDefinite && tr == nil:
				l.JourneyStage = cl.JourneyStage // the same question as the post's
			default:
				l.JourneyStage = c.modelStage(sw, l.JourneyStage, l.Brand, tr)
			}
		}
	}
	return cl
}

// lexiconCode is the language whose lexicons score a text: the detected
// one, or for a text too short to name its language the likeliest one
// (its words are scored rather than ignored); "" when no lexicon fits
// (emoji, emoticons and ratings only).
func lexiconCode(detected, guess string) string {
	if detected == lang.Und && scoredLangs[guess] {
		return guess
	}
	if scoredLangs[detected] {
		return detected
	}
	return ""
}

// modelStage is the stage model's answer given the rules' stage.
func (c *Classifier) modelStage(sw stageWords, ruleStage, brand string, tr *trace) string {
	stage, z := c.t.stages.predict(sw, ruleStage)
	if tr != nil {
		tr.evidence = append(tr.evidence, mention.Evidence{Label: "journey_stage", Kind: "model", Text: stage, Weight: round3(z),
			Note: "learned stage model over the words and the rules' " + ruleStage, Brand: brand})
	}
	return stage
}

// StageExamples are the stage model's training features of a mention,
// with the cue rules' stages: per brand named, and for the post ("").
func (c *Classifier) StageExamples(m *mention.Mention) map[string][]string {
	cl := c.classify(m, nil, false)
	toks := token.Append(nil, m.Title, token.Lower(m.Title))
	if len(toks) > 0 {
		toks = append(toks, token.Token{Text: ".", Kind: token.Punct})
	}
	toks = token.Append(toks, m.Text, token.Lower(m.Text))
	det := c.t.lang.Detect(toks, m.Lang)
	code := lexiconCode(det.Lang, det.Guess)
	src := sourceKey(m)
	out := map[string][]string{"": StageFeatures(nil, toks, code, cl.Touchpoint, src, cl.JourneyStage)}
	for _, l := range cl.BrandLabels {
		out[l.Brand] = StageFeatures(nil, toks, code, cl.Touchpoint, src, l.JourneyStage)
	}
	return out
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
