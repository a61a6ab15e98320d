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
	"strconv"
	"strings"
	"sync"

	"github.com/ewom/ewom/internal/classify/lang"
	"github.com/ewom/ewom/internal/classify/strtab"
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
	// analyser makes the analyses of the words for the reader after the
	// classifier (WithAnalyser); nil: none.
	analyser token.Analyser
	scratch  sync.Pool // *scratch, reused between calls
}

// scratch holds a call's tokens and lookups, kept for the next call.
type scratch struct {
	text                         token.Text
	post, buf, reversed, carried lexed // the post, and per brand its texts (perbrand.go)
	clauses                      []clause
	found                        []*brandMatcher
	foundAt                      []int
	at                           [][]int // the tokens naming each brand found
	views                        []brandView
	collect                      bool                 // the label models' examples are collected
	memos                        map[string]*wordMemo // by lexicon code
}

// memo returns the word memo of a lexicon code, made when first needed.
func (sc *scratch) memo(code string) *wordMemo {
	m := sc.memos[code]
	if m == nil {
		if sc.memos == nil {
			sc.memos = map[string]*wordMemo{}
		}
		m = strtab.NewCache[memoEntry](wordMemoLog)
		sc.memos[code] = m
	}
	return m
}

// decided says which labels a rule decided, which the label models may
// not overrule: an ad's or the brand's own post's stage, the brand's own
// post's sentiment, a switch's.
type decided struct{ stage, sentiment bool }

// brandView is what the label models read of one brand beside its labels.
type brandView struct {
	decided
	cues      [16]float64   // its stage cues' weights
	signals   signals       // its sentiment walk's
	words     labelEvidence // the label models' evidence of its text's words
	wordKeys  []string      // … their keys, when collecting examples
	asPost    bool          // its labels, cues, signals and words are the post's
	postWords bool          // its words are the post's (it has none of its own)
	roles     roles         // how the post names it beside the other brands
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

// WithAnalyser has the classifier have n analyse the words of the texts it
// classifies and keep the analyses in its word memo, for a reader of its
// tokens after it (token.Text.Analyses: the term annotator's), so that a
// word met again is looked up once for both.
func WithAnalyser(n token.Analyser) Option {
	return func(c *Classifier) error {
		c.analyser = n
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
	c.scratch.New = func() any { return &scratch{text: token.Text{Tokens: make([]token.Token, 0, 128)}} }
	return c, nil
}

// Version is the classifier_version stored with every label: the rules
// version and a hash of the embedded lexicons.
func (c *Classifier) Version() string { return c.t.version }

// Classify labels a mention without an explanation.
func (c *Classifier) Classify(m *mention.Mention) mention.Classification {
	return c.classify(m, nil, nil, nil)
}

// ClassifyText labels a mention as Classify does and leaves its title and
// text tokenized in text (its buffer reused), for the readers after the
// classifier: the term annotator takes them from there instead of
// lowercasing and tokenizing the text again.
func (c *Classifier) ClassifyText(m *mention.Mention, text *token.Text) mention.Classification {
	return c.classify(m, text, nil, nil)
}

// Explain labels a mention and records the evidence behind each label.
func (c *Classifier) Explain(m *mention.Mention) mention.Classification {
	tr := &trace{}
	cl := c.classify(m, nil, tr, nil)
	cl.Explanation = tr.evidence
	if cl.Explanation == nil {
		cl.Explanation = []mention.Evidence{}
	}
	return cl
}

// classify labels a mention, tokenized into text (nil: the scratch's).
// With ex it collects the label models' training examples instead of
// applying them (the labels are the rules').
func (c *Classifier) classify(m *mention.Mention, text *token.Text, tr *trace, ex *labelExamples) mention.Classification {
	sc := c.scratch.Get().(*scratch)
	defer c.scratch.Put(sc)
	sc.collect = ex != nil
	if text == nil {
		text = &sc.text
	}
	text.Read(m.Title, m.Text)
	toks, lowerTitle, lowerText := text.Tokens, text.Title, text.Body
	titleEnd, textStart := text.TitleEnd(), text.BodyStart

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
	var analyses []token.Analysis
	if c.analyser != nil {
		analyses = text.StartAnalyses(c.analyser, code)
	}
	c.t.lexTokens(lx, toks, code, sc.memo(code), analyses, c.analyser)

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
	postWords := postContext{title: lowerTitle, text: lowerText}
	for bi, b := range c.brands {
		matched, ok := b.find(m.Title, lowerTitle, titleHits, bi, c.t.persons, &postWords)
		if !ok && author != "" && b.accounts[author] {
			matched, ok = author, true // a brand's own post is about the brand
		}
		if !ok {
			matched, ok = b.find(m.Text, lowerText, textHits, bi, c.t.persons, &postWords)
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
	raw, hits, sig := c.t.scoreSentiment(lx, tr)
	cl.Sentiment, cl.SentimentScore = sentimentOf(voiced(raw, tp.voice, tr), hits, m.Rating, tr)
	if code == "" && hits == 0 && m.Rating == nil {
		cl.SentimentUnscored = true
		if tr != nil {
			tr.add("sentiment", "rule", "unscored", 0, "no lexicon for language "+det.Lang)
		}
	}
	source := sourceKey(m)
	var post decided
	cl.JourneyStage, post.stage = journeyStage(&cues, tp, source, toks, tr)
	post.sentiment = tp.voice == voiceBrand || code == ""
	var views []brandView
	if len(found) > 0 {
		var at [][]int
		if len(found) > 1 {
			at = sc.brandTokens(len(found))
			for i, b := range found {
				at[i] = b.positions(at[i], m.Title, lowerTitle, titleHits, foundAt[i], c.t.persons, toks, 0, titleEnd)
				at[i] = b.positions(at[i], m.Text, lowerText, textHits, foundAt[i], c.t.persons, toks, textStart, len(toks))
				if len(at[i]) == 0 {
					at[i] = nil // named by account or domain only
				}
			}
		}
		cl.BrandLabels, views = c.brandLabels(sc, found, at, m, &cl, tp, &cues, sig, post, tr)
	}
	lm := c.t.labels
	// The label models were learned on mentions of brands: a post naming
	// no configured brand (chat, news, subtitles) keeps the rules' labels.
	if ex == nil && (lm == nil || len(found) == 0 || (post.stage && post.sentiment && !slices.ContainsFunc(views, undecided))) {
		return cl
	}
	postView := ruleView{stage: cl.JourneyStage, sentiment: cl.Sentiment, score: cl.SentimentScore, cues: cues.stageWeights, signals: sig}
	if ex != nil {
		ex.collect(lm, lx, code, tp.touchpoint, source, m.Rating, postView, post, &cl, views)
		return cl
	}
	words := lx.wordEvidence()
	var postEv labelEvidence // the post's words as a brand of several reads them, once
	postKnown := false
	rulePost := cl
	c.modelLabels(lm, words, postView, post, tp.touchpoint, source, code, m.Rating, "", &cl.JourneyStage, &cl.Sentiment, &cl.SentimentScore, tr)
	for i := range cl.BrandLabels {
		l, v := &cl.BrandLabels[i], &views[i]
		if v.asPost && tr == nil {
			l.JourneyStage, l.Sentiment, l.SentimentScore = cl.JourneyStage, cl.Sentiment, cl.SentimentScore // the same question as the post's
			continue
		}
		if v.asPost {
			l.JourneyStage, l.Sentiment, l.SentimentScore = rulePost.JourneyStage, rulePost.Sentiment, rulePost.SentimentScore
		}
		rv := ruleView{stage: l.JourneyStage, sentiment: l.Sentiment, score: l.SentimentScore, cues: v.cues, signals: v.signals, roles: v.roles}
		if !v.asPost {
			rv.post = &postView
		}
		brandWords := words
		if !v.asPost && !v.postWords {
			if !postKnown {
				postEv, postKnown = lx.postWordEvidence(), true
			}
			brandWords = v.words.plus(postEv)
		}
		c.modelLabels(lm, brandWords, rv, v.decided, tp.touchpoint, source, code, m.Rating, l.Brand, &l.JourneyStage, &l.Sentiment, &l.SentimentScore, tr)
	}
	return cl
}

func undecided(v brandView) bool { return !v.stage || !v.sentiment }

// modelLabels sets the stage and sentiment the label models give one
// brand (or the post: brand ""), each unless a rule decided it.
func (c *Classifier) modelLabels(lm *labelModel, words labelEvidence, rv ruleView, d decided, touchpoint, source, code string,
	rating *float64, brand string, stage, sentiment *string, score *float64, tr *trace) {
	if d.stage && d.sentiment {
		return
	}
	z := lm.logOdds(lm.withRules(words, rv, touchpoint, source, code, rating))
	if !d.stage {
		var zs float64
		*stage, zs = stageOf(&z)
		if tr != nil {
			tr.evidence = append(tr.evidence, mention.Evidence{Label: "journey_stage", Kind: "model", Text: *stage, Weight: round3(zs),
				Note: "learned label model over the words and the rules' " + rv.stage, Brand: brand})
		}
	}
	if !d.sentiment {
		label, modelScore := sentimentOfModel(&z)
		if label != *sentiment {
			// The rules' score keeps its intensity where the model agrees.
			*sentiment, *score = label, modelScore
		}
		if tr != nil {
			tr.evidence = append(tr.evidence, mention.Evidence{Label: "sentiment", Kind: "model", Text: *sentiment, Weight: *score,
				Note: "learned label model over the words and the rules' " + rv.sentiment + " (" + strconv.FormatFloat(rv.score, 'g', 3, 64) + ")", Brand: brand})
		}
	}
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

// LabelExample is one mention × brand as the label models are trained on
// it: the features, and the rules' stage and sentiment.
type LabelExample struct {
	Features         []string
	Stage, Sentiment string
	// A rule decided the label: the models do not overrule it.
	StageDecided, SentimentDecided bool
	// NoBrand: the post names no configured brand, so the models do not
	// apply.
	NoBrand bool
}

// labelExamples collects a mention's LabelExamples, and (with a model)
// the evidence the classifier sums for each, which must agree
// (TestLabelFeaturesMatchPrediction).
type labelExamples struct {
	post     LabelExample
	brands   map[string]LabelExample
	evidence map[string]labelEvidence // by brand, "" for the post
}

func (ex *labelExamples) collect(lm *labelModel, lx *lexed, code, touchpoint, source string, rating *float64,
	postView ruleView, post decided, cl *mention.Classification, views []brandView) {
	words := wordFeatures(nil, lx)
	var wordEv, postWordEv labelEvidence
	if lm != nil {
		wordEv, postWordEv = lx.wordEvidence(), lx.postWordEvidence()
	}
	add := func(brand string, keys []string, ev labelEvidence, rv ruleView, d decided) LabelExample {
		if lm != nil {
			ex.evidence[brand] = lm.withRules(ev, rv, touchpoint, source, code, rating)
		}
		return LabelExample{Features: ruleFeatures(slices.Clip(keys), rv, touchpoint, source, code, rating),
			Stage: rv.stage, Sentiment: rv.sentiment, StageDecided: d.stage, SentimentDecided: d.sentiment, NoBrand: len(views) == 0}
	}
	ex.post = add("", words, wordEv, postView, post)
	for i, l := range cl.BrandLabels {
		v := &views[i]
		keys, ev := words, wordEv
		if !v.asPost && !v.postWords {
			keys, ev = append(slices.Clip(v.wordKeys), postKeys(words)...), v.words.plus(postWordEv)
		}
		rv := ruleView{stage: l.JourneyStage, sentiment: l.Sentiment, score: l.SentimentScore, cues: v.cues, signals: v.signals, roles: v.roles}
		if !v.asPost {
			rv.post = &postView
		}
		ex.brands[l.Brand] = add(l.Brand, keys, ev, rv, v.decided)
	}
}

// LabelExamples are the label models' training examples of a mention: for
// the post, and per brand named.
func (c *Classifier) LabelExamples(m *mention.Mention) (post LabelExample, brands map[string]LabelExample) {
	ex := &labelExamples{brands: map[string]LabelExample{}, evidence: map[string]labelEvidence{}}
	c.classify(m, nil, nil, ex)
	return ex.post, ex.brands
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
