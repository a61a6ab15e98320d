package classify

import (
	"math"
	"slices"
	"strings"

	"github.com/ewom/ewom/internal/classify/token"
	"github.com/ewom/ewom/internal/mention"
)

// Per-brand labels. A post naming one brand is about that brand, so its
// labels are the post's. A post naming several is split into clauses
// (sentence marks, commas, contrast words), each clause is given to the
// brands it names — a clause naming none belongs to the brands of the
// clause before it — and each brand is scored on its own clauses. Two
// constructions are read across brands:
//   - comparison ("X oli nopeampi kuin Y", "X is better than Y", "X är
//     bättre än Y", "toisin kuin Y, X …"): the brands after "kuin/than/än"
//     or in the "unlike" clause get the clause's sentiment reversed;
//   - switching ("siirryin X:stä Y:hyn", "switched from X to Y", "bytte
//     från X till Y"): the brand left is churn and negative; the brand
//     chosen is judged by the rest of the post, its stage purchase (or
//     consideration while the switch is only planned).

// maxLabelledBrands is how many brands one post can be split between;
// brands beyond it share the post's labels.
const maxLabelledBrands = 64

// comparisonDecides is the least sentiment score of a brand in an
// explicit comparison that decides its sentiment.
const comparisonDecides = 0.3

// switchedFloor is the score a brand that was left gets at most.
const switchedFloor = -0.35

// clause is toks[from:to], the brands it names (bits of found's indices)
// and how it reads across them.
type clause struct {
	from, to int
	named    uint64
	explicit uint64 // the brands the clause names itself (named also has those carried over)
	after    uint64 // named after a comparison word ("than", "kuin", "än")
	left     uint64 // named as the brand switched away from
	chosen   uint64 // named as the brand switched to
	chosenAt int    // the token naming it
	unlike   bool   // opens with "unlike" / "toisin kuin" / "till skillnad från"
	switches string // the switching verb, if any (found by findSwitch)
	planned  bool   // the switch is only planned (present or future)
	// switchKnown: findSwitch has looked.
	switchKnown bool
}

// brandLabels labels each found brand from the clauses about it. at[i]
// holds the token indices where found[i] is named (nil: named by account
// or domain only, so the whole post is about it). views[i] holds what the
// label models need beyond the labels: brand i's stage cues, and which of
// its labels a rule decided (postDecided: the post's), which the models may
// not overrule.
func (c *Classifier) brandLabels(sc *scratch, found []*brandMatcher, at [][]int,
	m *mention.Mention, cl *mention.Classification, tp touchpointResult, postCues *cueScan, postSignals signals, postDecided decided, tr *trace) (labels []mention.BrandLabel, views []brandView) {
	labels = make([]mention.BrandLabel, len(found))
	views = slices.Grow(sc.views[:0], len(found))[:len(found)]
	sc.views = views
	for i, b := range found {
		labels[i] = mention.BrandLabel{Brand: b.name, Sentiment: cl.Sentiment, SentimentScore: cl.SentimentScore, JourneyStage: cl.JourneyStage}
		views[i] = brandView{decided: postDecided, cues: postCues.stageWeights, signals: postSignals, asPost: true}
	}
	if len(found) < 2 || len(found) > maxLabelledBrands {
		return labels, views
	}
	post := &sc.post
	toks := post.toks
	sc.clauses = splitClauses(sc.clauses[:0], toks)
	clauses := sc.clauses
	clauseOf := func(p int) int {
		k, _ := slices.BinarySearchFunc(clauses, p, func(cs clause, p int) int {
			if cs.to <= p {
				return -1
			}
			return 1
		})
		return k
	}
	for i, positions := range at {
		for _, p := range positions {
			clauses[clauseOf(p)].named |= 1 << i
			clauses[clauseOf(p)].explicit |= 1 << i
		}
	}
	// Roles need every brand of the clause known first.
	for i, positions := range at {
		for _, p := range positions {
			clauses[clauseOf(p)].markRole(toks, p, i)
		}
	}
	everywhere := uint64(0) // brands named by account or domain only
	for i, positions := range at {
		if positions == nil {
			everywhere |= 1 << i
		}
	}
	if !carryTopics(clauses) || sameForAll(clauses, len(found)) {
		return labels, views // no brand is named in the text, or every clause is about all of them
	}
	buf, reversed, carried := &sc.buf, &sc.reversed, &sc.carried
	source := sourceKey(m)
	for i, b := range found {
		bit := uint64(1) << i
		buf.startText(post)
		reversed.startText(post)
		carried.startText(post)
		left, chosen, planned := false, false, false
		// The post's token spans the brand's text is made of, for its
		// stage cues (the post's scan found them already).
		var spans, carriedSpans spanSet
		for _, cs := range clauses {
			switch {
			case everywhere&bit != 0:
				buf.appendClause(post, cs.from, cs.to)
				spans.add(cs.from, cs.to)
			case cs.left&bit != 0:
				left = true
				buf.appendClause(post, cs.from, cs.to)
				spans.add(cs.from, cs.to)
			case cs.chosen&bit != 0:
				// What follows the name chosen is about it ("… to Y and
				// everything just works").
				chosen, planned = true, cs.planned
				buf.appendWords(post, cs.chosenAt+1, cs.to)
				spans.add(cs.chosenAt+1, cs.to)
			case cs.after&bit != 0 || (cs.unlike && cs.named&bit != 0):
				reversed.appendClause(post, cs.from, cs.to)
			case cs.explicit&bit == 0 && cs.named&bit != 0:
				carried.appendClause(post, cs.from, cs.to)
				carriedSpans.add(cs.from, cs.to)
			case cs.named&bit != 0:
				buf.appendClause(post, cs.from, cs.to)
				spans.add(cs.from, cs.to)
			}
		}
		// What follows a switch is about the brand chosen when it praises
		// it ("… to Y. Everything just works."), about the brand left when
		// it complains ("bought from Y instead. Never again 😤").
		useCarried := len(carried.toks) > 0
		if useCarried && chosen {
			v, _, _ := c.t.scoreSentiment(carried, nil)
			useCarried = v > 0
		}
		if useCarried {
			buf.appendText(carried)
			spans.merge(&carriedSpans)
		}
		for k, cs := range clauses {
			// "unlike X, Y …": X is judged against what the next clause says.
			if cs.unlike && cs.named&bit != 0 && k+1 < len(clauses) && clauses[k+1].named&bit == 0 {
				reversed.appendClause(post, clauses[k+1].from, clauses[k+1].to)
			}
		}
		var btr *trace
		if tr != nil {
			btr = &trace{}
		}
		raw, hits, sig := c.t.scoreSentiment(buf, btr)
		if len(reversed.toks) > 0 {
			rev, revHits, _ := c.t.scoreSentiment(reversed, btr)
			raw = math.Max(-1, math.Min(1, raw-rev))
			hits += revHits
			btr.add("sentiment", "rule", "comparison", -rev, "compared against: that clause's sentiment reversed")
		}
		rating := m.Rating
		if (len(reversed.toks) > 0 && len(buf.toks) == 0) || chosen {
			rating = nil // a review's stars are for the brand reviewed, not the one compared or chosen
		}
		labels[i].Sentiment, labels[i].SentimentScore = sentimentOf(voiced(raw, tp.voice, btr), hits, rating, btr)
		if left && labels[i].SentimentScore > switchedFloor {
			labels[i].Sentiment, labels[i].SentimentScore = mention.Negative, switchedFloor
			btr.add("sentiment", "rule", "switched away", switchedFloor, "the author leaves this brand for another")
		}
		var cues cueScan
		if btr != nil || postCues.overflow || spans.overflow {
			cues = scanCues(buf, btr) // explaining shows each cue, or too many to place
		} else {
			cues = postCues.stageWeightsIn(spans.spans[:spans.n])
		}
		stage, sure := journeyStage(&cues, tp, source, buf.toks, btr)
		// An explicit comparison ("X is better than Y") decides both
		// sides' sentiments when it has one.
		compares := false
		for _, cs := range clauses {
			if cs.explicit&bit != 0 && cs.after&bit == 0 && cs.after&^bit != 0 {
				compares = true
			}
		}
		ownWords := hasWords(buf.toks)
		onlyCompared := len(reversed.toks) > 0 && !ownWords
		comparison := (compares || onlyCompared) && math.Abs(labels[i].SentimentScore) >= comparisonDecides
		if comparison {
			btr.add("sentiment", "rule", "comparison decides", labels[i].SentimentScore, "an explicit comparison with another brand decides it")
		}
		views[i] = brandView{decided: decided{stage: sure || left || chosen, sentiment: postDecided.sentiment || left || comparison}, cues: cues.stageWeights, signals: sig}
		views[i].roles = brandRoles(toks, at, i, left, chosen, planned, len(reversed.toks) > 0, useCarried, everywhere&bit != 0, clauses)
		// The label models read the words of the brand's own text, and a
		// brand with none of its own, named only as compared against
		// ("X vs Y?"), the post's.
		v := &views[i]
		if !ownWords {
			v.roles |= roleNoWords
		}
		switch {
		case !ownWords && (chosen || len(reversed.toks) == 0):
			// Nothing of its own to read (a brand switched to, named
			// last): the rules' sentiment stands.
			v.decided.sentiment = true
		case ownWords:
			if c.t.labels != nil {
				v.words = buf.wordEvidence()
			}
			if sc.collect {
				v.wordKeys = wordFeatures(nil, buf)
			}
		default:
			v.postWords, v.signals = true, postSignals
		}
		switch {
		case left:
			stage = "churn"
			btr.add("journey_stage", "rule", "switched away", 0, "churn for the brand left")
		case chosen && stage == "none" && planned:
			stage = "consideration"
			btr.add("journey_stage", "rule", "switching to", 0, "a planned switch to this brand")
		case chosen && stage == "none":
			stage = "purchase"
			btr.add("journey_stage", "rule", "switched to", 0, "the author chose this brand")
		}
		labels[i].JourneyStage = stage
		if btr != nil {
			for _, e := range btr.evidence {
				if e.Label == "sentiment" || e.Label == "journey_stage" {
					e.Brand = b.name
					tr.evidence = append(tr.evidence, e)
				}
			}
		}
	}
	return labels, views
}

// hasWords reports whether toks hold a word.
func hasWords(toks []token.Token) bool {
	return slices.ContainsFunc(toks, func(t token.Token) bool { return t.Kind == token.Word })
}

// spanSet holds up to maxSpans token spans [from, to) without allocating;
// overflow says more were added than it holds.
type spanSet struct {
	spans    [maxSpans][2]int
	n        int
	overflow bool
}

// maxSpans bounds the clauses a brand's stage cues are summed over before
// its text is scanned again instead.
const maxSpans = 16

func (ss *spanSet) add(from, to int) {
	if ss.n == maxSpans {
		ss.overflow = true
		return
	}
	ss.spans[ss.n] = [2]int{from, to}
	ss.n++
}

func (ss *spanSet) merge(o *spanSet) {
	for _, sp := range o.spans[:o.n] {
		ss.add(sp[0], sp[1])
	}
	ss.overflow = ss.overflow || o.overflow
}

// sameForAll reports clauses that all name every one of n brands in the
// same role: each brand's labels are then the post's.
func sameForAll(clauses []clause, n int) bool {
	all := uint64(1)<<n - 1
	for _, cs := range clauses {
		if cs.named != all || cs.after|cs.left|cs.chosen != 0 || cs.unlike {
			return false
		}
	}
	return true
}

// carryTopics gives each clause naming no brand the brands of the clause
// before it (the first ones, the first named brands): a post goes on about
// the brand it last named. After a switch the topic is the brand chosen,
// after a comparison the brands compared first. It reports whether any
// clause names a brand.
func carryTopics(clauses []clause) bool {
	var topic uint64
	first := -1
	for k := range clauses {
		cs := &clauses[k]
		switch {
		case cs.named == 0:
			if topic != 0 && !clauses[k-1].unlike {
				cs.named = topic
			}
			continue
		case cs.chosen != 0:
			topic = cs.chosen
		case cs.after != 0 && cs.named&^cs.after != 0:
			topic = cs.named &^ cs.after
		case cs.unlike:
			continue // the next clause is the subject's, not the compared brand's
		default:
			topic = cs.named
		}
		if first < 0 {
			first = k
		}
	}
	if first < 0 {
		return false
	}
	for k := 0; k < first; k++ {
		if clauses[k].named == 0 {
			clauses[k].named = topic0(clauses[first])
		}
	}
	return true
}

// topic0 is the topic a clause sets for the clauses around it.
func topic0(cs clause) uint64 {
	switch {
	case cs.chosen != 0:
		return cs.chosen
	case cs.after != 0 && cs.named&^cs.after != 0:
		return cs.named &^ cs.after
	}
	return cs.named
}

// splitClauses cuts the tokens at sentence and clause marks and before
// contrast words, and appends the clauses to out.
func splitClauses(out []clause, toks []token.Token) []clause {
	start := 0
	flush := func(end int) {
		if end > start {
			out = append(out, newClause(toks, start, end))
		}
		start = end
	}
	for i, t := range toks {
		switch {
		case t.Kind == token.Punct:
			flush(i + 1)
		case t.Kind == token.Word && i > start && opensClause(toks, i):
			flush(i)
		}
	}
	flush(len(toks))
	return out
}

// opensClause reports a contrast word that starts a new clause.
func opensClause(toks []token.Token, i int) bool {
	switch toks[i].Text {
	case "mutta", "but", "men", "vaan", "however", "whereas", "although", "though", "vaikka", "däremot", "medan", "unlike":
		return true
	case "kun":
		return next(toks, i) == "taas"
	case "sen":
		return next(toks, i) == "sijaan"
	case "toisin":
		return next(toks, i) == "kuin"
	case "till":
		return next(toks, i) == "skillnad"
	}
	return false
}

func next(toks []token.Token, i int) string {
	if i+1 < len(toks) && toks[i+1].Kind == token.Word {
		return toks[i+1].Text
	}
	return ""
}

func prev(toks []token.Token, i int) string {
	if i > 0 && toks[i-1].Kind == token.Word {
		return toks[i-1].Text
	}
	return ""
}

func newClause(toks []token.Token, from, to int) clause {
	cs := clause{from: from, to: to}
	w := toks[from].Text
	cs.unlike = w == "unlike" || (w == "toisin" && next(toks, from) == "kuin") || (w == "till" && next(toks, from) == "skillnad")
	return cs
}

// findSwitch looks for a verb of switching in the clause, once: only
// clauses naming two brands need it.
func (cs *clause) findSwitch(toks []token.Token) {
	if cs.switchKnown {
		return
	}
	cs.switchKnown = true
	for i := cs.from; i < cs.to; i++ {
		if toks[i].Kind != token.Word {
			continue
		}
		if s, planned, ok := switchVerb(toks[i].Text); ok {
			cs.switches, cs.planned = s, planned
			return
		}
	}
}

// markRole notes how the clause names brand i at token p: after a
// comparison word, or as the brand left or chosen in a switch.
func (cs *clause) markRole(toks []token.Token, p, i int) {
	bit := uint64(1) << i
	for k := cs.from; k < p; k++ {
		if w := toks[k].Text; toks[k].Kind == token.Word && isComparisonWord(w) && cs.named&^bit != 0 {
			cs.after |= bit
			break
		}
	}
	// The post names another brand (brandLabels runs for two or more), so
	// a switch may leave one clause's brand for another's: "Done with X.
	// Switching to Y".
	if cs.findSwitch(toks); cs.switches == "" {
		return
	}
	w, before := toks[p].Text, prev(toks, p)
	switch {
	case isInstead(cs.switches):
		// "bought from Y instead", "tilasin saman Y:ltä": the brand
		// bought from (or at) is the one chosen.
		if before == "from" || before == "från" || before == "at" || before == "hos" || hasAnyEnding(w, sourceEndings) || hasAnyEnding(w, targetEndings) {
			cs.chosen |= bit
			cs.chosenAt = p
		}
	case before == "from" || before == "från" || before == "left" || before == "leaving" || hasAnyEnding(w, sourceEndings):
		cs.left |= bit
	case before == "to" || before == "till" || before == "for" || hasAnyEnding(w, targetEndings):
		cs.chosen |= bit
		cs.chosenAt = p
	}
}

func isComparisonWord(w string) bool {
	switch w {
	case "kuin", "than", "än", "verrattuna", "vs", "versus", "jämfört":
		return true
	}
	return false
}

// Finnish case endings of the place left (elative, ablative) and the place
// gone to (illative, allative), as they end an inflected brand name.
var (
	sourceEndings = []string{"sta", "stä", "lta", "ltä"}
	targetEndings = []string{"aan", "ään", "een", "iin", "oon", "uun", "yyn", "öön", "hin", "hun", "hon", "seen", "lle", "an", "en", "in", "on", "un", "yn", "än", "ön"}
)

func hasAnyEnding(w string, endings []string) bool {
	for _, e := range endings {
		if len(w) > len(e)+2 && strings.HasSuffix(w, e) {
			return true
		}
	}
	return false
}

// switchVerb recognises a verb of switching between companies; planned
// is true for a switch not yet made (present or future tense).
func switchVerb(w string) (verb string, planned, ok bool) {
	if w == "" {
		return "", false, false
	}
	for _, s := range switchPrefixes[w[0]] {
		if strings.HasPrefix(w, s.prefix) {
			return s.prefix, s.planned, true
		}
	}
	return "", false, false
}

// switchPrefixes are the words of switching by their first byte (every
// word of a clause naming a brand is looked up), the first that prefixes
// a word deciding.
var switchPrefixes = func() (by [256][]switchPrefix) {
	for _, s := range []switchPrefix{
		{"vaihdoi", false}, {"vaihtoi", false}, {"vaihdett", false}, {"siirryi", false}, {"siirtyi", false}, {"siirryttiin", false}, {"siirsi", false},
		{"vaihda", true}, {"vaihtaa", true}, {"vaihtamassa", true}, {"siirryn", true}, {"siirrymme", true}, {"siirtyä", true}, {"siirrän", true},
		{"switched", false}, {"moved", false}, {"switching", true}, {"switch", true}, {"moving", true},
		{"bytte", false}, {"bytt", false}, {"flyttade", false}, {"byter", true}, {"byta", true}, {"flyttar", true},
		{"instead", false}, {"istället", false}, {"sijaan", false}, {"saman", false},
	} {
		by[s.prefix[0]] = append(by[s.prefix[0]], s)
	}
	return by
}()

type switchPrefix struct {
	prefix  string
	planned bool
}

// isInstead reports the markers of buying elsewhere (switchVerb's
// "instead", "istället", "sen sijaan", "tilasin saman …").
func isInstead(verb string) bool {
	return verb == "instead" || verb == "istället" || verb == "sijaan" || verb == "saman"
}

// positions appends the token indices, within toks[from:to] (tokens of
// lower), where the brand is named.
func (bm *brandMatcher) positions(dst []int, orig, lower string, hits []brandHit, bi int, persons *personWords, toks []token.Token, from, to int) []int {
	for pi := range bm.patterns {
		p := &bm.patterns[pi]
		for _, h := range hits {
			if h.brand != int32(bi) || h.pattern != int32(pi) {
				continue
			}
			start, end, ok := p.Match(lower, int(h.start), int(h.end))
			if !ok || bm.excluded(lower, start, end) || persons.namesPerson(orig, lower, start) {
				continue
			}
			// The token holding the hit: the last one starting at or before it.
			k, _ := slices.BinarySearchFunc(toks[from:to], int32(start), func(t token.Token, off int32) int {
				if t.Off <= off {
					return -1
				}
				return 1
			})
			if k > 0 {
				dst = append(dst, from+k-1)
			}
		}
	}
	return dst
}

// brandRoles are the label models' view of how a post naming several
// brands names brand i: the constructions the rules found, and whether a
// Finnish case names it as the place left or gone to.
func brandRoles(toks []token.Token, at [][]int, i int, left, chosen, planned, compared, carried, everywhere bool, clauses []clause) roles {
	var r roles
	for _, f := range [...]struct {
		on   bool
		role roles
	}{{left, roleLeft}, {chosen, roleChosen}, {planned, rolePlanned}, {compared, roleCompared}, {carried, roleCarried}, {everywhere, roleEverywhere}} {
		if f.on {
			r |= f.role
		}
	}
	bit := uint64(1) << i
	for _, cs := range clauses {
		if cs.unlike && cs.named&bit != 0 {
			r |= roleUnlike
		}
	}
	for _, p := range at[i] {
		if w := toks[p].Text; hasAnyEnding(w, sourceEndings) {
			r |= roleFromCase
		} else if hasAnyEnding(w, targetEndings) {
			r |= roleToCase
		}
	}
	return r
}
