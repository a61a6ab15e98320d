package classify

import (
	"regexp"
	"slices"
	"strings"
)

// The evidence the classifier gives is written in English (its notes, the
// touchpoint reason, the names of rules). The UI speaks Finnish and
// Swedish too (issue #17, item 6): NoteKey, ReasonKey and RuleTextKey name
// each such text with a key of the UI's strings (ev_… and tp_… in
// dashboards/web/src/strings.js) and the text's variable parts, so that the
// UI can say it in its own language. TestNoteKeysCoverTheNotes keeps every
// note the classifier writes on the development and training sets named.

// Phrase is a sentence of an explanation as a UI string key and its
// arguments. Argument names say how the UI shows a value: x, score,
// before and after are numbers; sentiment, stage and touchpoint are label
// codes; lang is a language code; what is a kind of post (tpw_… keys);
// anything else is shown as it is.
type Phrase struct {
	Key  string            `json:"key"`
	Args map[string]string `json:"args,omitempty"`
}

// phrasePattern is one English text shape and the key it stands for; the
// pattern's named groups are the arguments.
type phrasePattern struct {
	re  *regexp.Regexp
	key string
}

func patterns(shapes ...string) []phrasePattern {
	out := make([]phrasePattern, 0, len(shapes)/2)
	for i := 0; i < len(shapes); i += 2 {
		out = append(out, phrasePattern{re: regexp.MustCompile("^" + shapes[i] + "$"), key: shapes[i+1]})
	}
	return out
}

const (
	num    = `[-+]?[0-9][0-9.e+-]*`
	stages = `awareness|consideration|purchase|delivery|usage|service|loyalty|churn|none`
)

// notePatterns are the shapes of Evidence.Note, whole notes first.
var notePatterns = patterns(
	`negation`, "ev_negation",
	`contrast: before x(?P<before>`+num+`), after x(?P<after>`+num+`)`, "ev_contrast",
	`concessive clause x(?P<x>`+num+`)`, "ev_concessive",
	`sentence ending in '(?P<mark>.+)' weighs x(?P<x>`+num+`)`, "ev_question",
	`(?P<n>[0-9]+)x '(?P<mark>.+)'`, "ev_repeated_mark",
	`no lexicon for language (?P<lang>\S+)`, "ev_no_lexicon",
	`language und; using the likeliest lexicon`, "ev_likeliest_lexicon",
	`compared against: that clause's sentiment reversed`, "ev_compared_against",
	`the author leaves this brand for another`, "ev_leaves_brand",
	`an explicit comparison with another brand decides it`, "ev_comparison_decides",
	`the brand's own post or ad: its announcements and offers are neutral; weighs x(?P<x>`+num+`)`, "ev_voice_brand",
	`a press or blog article: only clear good or bad news is polar; weighs x(?P<x>`+num+`)`, "ev_voice_press",
	`a request for advice: its words describe the question; weighs x(?P<x>`+num+`)`, "ev_voice_asking",
	`star rating weighs (?P<x>`+num+`)`, "ev_rating_weighs",
	`star rating contradicts explicit text; the text wins`, "ev_rating_contradicts",
	`in-text rating`, "ev_in_text_rating",
	`positive vs negative, learned on XED`, "ev_log_odds",
	`learned words against strong lexicon evidence weigh less`, "ev_disagreement",
	`learned weights / √(?P<n>[0-9]+) words, x(?P<x>`+num+`)`, "ev_learned_words",
	`learned weights / √(?P<n>[0-9]+) words, x(?P<x>`+num+`) \(subjective text\)`, "ev_learned_words_subjective",
	`learned weight of the lexicon score`, "ev_lexicon_weight",
	`learned weight`, "ev_learned_weight",
	`learned weight, negated`, "ev_learned_weight_negated",
	`learned label model over the words and the rules' (?P<sentiment>positive|neutral|negative) \((?P<score>`+num+`)\)`, "ev_label_model_score",
	`learned label model over the words and the rules' (?P<stage>`+stages+`)`, "ev_label_model_stage",
	`an offer with no complaint: learned words weigh x(?P<x>`+num+`)`, "ev_deal",
	`sarcasm: praise beside a complaint is read as its opposite`, "ev_sarcasm",
	`still waiting`, "ev_still_waiting",
	`a short wait`, "ev_short_wait",
	`waited hours`, "ev_waited_hours",
	`waited days`, "ev_waited_days",
	`waited weeks or months`, "ev_waited_long",
	`declared none`, "ev_declared_none",
	`declared (?P<lang>\S+)`, "ev_declared",
	`an ad or sponsored post serves awareness`, "ev_stage_ad",
	`the brand answers a customer`, "ev_stage_brand_answers",
	`the brand's own announcement or offer`, "ev_stage_announcement",
	`a request for advice or experiences weighs options`, "ev_stage_asking",
	`press coverage makes people aware`, "ev_stage_press",
	`no stage cue: a review speaks of using what was bought`, "ev_stage_review",
	`churn for the brand left`, "ev_stage_left",
	`a planned switch to this brand`, "ev_stage_switching_to",
	`the author chose this brand`, "ev_stage_chose",
	`(?P<stage>`+stages+`)`, "ev_stage_cue",
	`disclosure marker`, "ev_disclosure_marker",
	`commercial cue`, "ev_commercial_cue",
	`affiliate link`, "ev_affiliate_link",
	`commercial cues \((?P<cue>.+)\) about a brand without a disclosure marker`, "ev_undisclosed",
)

// wordModifiers are the parts of a word's note ("negated, x1.5, caps").
var wordModifiers = patterns(
	`negated`, "ev_negated",
	`x(?P<x>`+num+`)`, "ev_boosted",
	`caps`, "ev_caps",
)

// reasonPatterns are the shapes of a touchpoint reason.
var reasonPatterns = patterns(
	`paid: disclosure marker "(?P<marker>.+)"`, "tp_paid_marker",
	`paid: tracking parameter (?P<param>.+)`, "tp_paid_param",
	`owned: the brand's own account, as (?P<source>.+) says`, "tp_owned_source",
	`owned: author (?P<author>.+) is (?P<brand>.+)'s own account`, "tp_owned_account",
	`owned: (?P<host>\S+) is on (?P<brand>.+)'s domain (?P<domain>\S+)`, "tp_owned_domain",
	`shared: reply or repost \((?P<source>.*)\)`, "tp_reply",
	`shared: default for a post by someone other than the brand \(source (?P<source>.*)\)`, "tp_shared_default",
	`(?P<touchpoint>earned|shared|owned|paid): (?P<what>[a-z -]+) \((?P<source>.*)\)`, "tp_source",
)

// ruleTexts are the Evidence.Text values that name a rule, not words of
// the post; the rest is the post's own text.
var ruleTexts = patterns(
	`lexicon score`, "ev_rule_lexicon_score",
	`lexicon (?P<lang>[a-z]{2,3})`, "ev_rule_lexicon",
	`unscored`, "ev_rule_unscored",
	`undisclosed_commercial`, "ev_rule_undisclosed",
	`comparison`, "ev_rule_comparison",
	`comparison decides`, "ev_rule_comparison_decides",
	`switched away`, "ev_rule_switched_away",
	`switching to`, "ev_rule_switching_to",
	`switched to`, "ev_rule_switched_to",
	`deal`, "ev_rule_deal",
	`disagreement`, "ev_rule_disagreement",
	`words`, "ev_rule_words",
	`log-odds`, "ev_rule_log_odds",
	`exclamation`, "ev_rule_exclamation",
	`question`, "ev_rule_question",
	`brand voice`, "ev_rule_voice_brand",
	`press voice`, "ev_rule_voice_press",
	`asking voice`, "ev_rule_voice_asking",
	`(?P<touchpoint>earned|shared|owned|paid)`, "ev_rule_touchpoint",
	`(?P<stage>`+stages+`)`, "ev_rule_stage",
	`(?P<sentiment>positive|neutral|negative)`, "ev_rule_sentiment",
)

// match returns the phrase of the first pattern text matches.
func match(ps []phrasePattern, text string) (Phrase, bool) {
	for _, p := range ps {
		m := p.re.FindStringSubmatch(text)
		if m == nil {
			continue
		}
		ph := Phrase{Key: p.key}
		for i, name := range p.re.SubexpNames() {
			if name == "" {
				continue
			}
			if ph.Args == nil {
				ph.Args = map[string]string{}
			}
			ph.Args[name] = m[i]
		}
		return ph, true
	}
	return Phrase{}, false
}

// NoteKey names an evidence note as the UI's phrases (a word's note may
// list several modifiers). ok is false for an empty note and for one of an
// unknown shape, which the UI shows as it is.
func NoteKey(note string) (phrases []Phrase, ok bool) {
	if note == "" {
		return nil, false
	}
	// A touchpoint rule's note is the touchpoint's reason.
	for _, ps := range [][]phrasePattern{notePatterns, reasonPatterns} {
		if ph, ok := match(ps, note); ok {
			return []Phrase{ph}, true
		}
	}
	for part := range strings.SplitSeq(note, ", ") {
		ph, ok := match(wordModifiers, part)
		if !ok {
			return nil, false
		}
		phrases = append(phrases, ph)
	}
	return phrases, true
}

// ReasonKey names a touchpoint reason as a UI phrase.
func ReasonKey(reason string) (Phrase, bool) { return match(reasonPatterns, reason) }

// RuleTextKey names the text of an evidence item that is a rule's name
// (kinds rule, model, cx); ok is false for words of the post.
func RuleTextKey(kind, text string) (Phrase, bool) {
	switch kind {
	case "rule", "model", "cx":
		return match(ruleTexts, text)
	}
	return Phrase{}, false
}

// PhraseKeys lists every key NoteKey, ReasonKey and RuleTextKey can give
// (the UI's strings must have each, in every language).
func PhraseKeys() []string {
	var keys []string
	for _, ps := range [][]phrasePattern{notePatterns, wordModifiers, reasonPatterns, ruleTexts} {
		for _, p := range ps {
			keys = append(keys, p.key)
		}
	}
	return keys
}

// PostKinds are the kinds of post a touchpoint reason names (its what
// argument; the UI's strings have tpw_ and the kind, spaces and hyphens as
// underscores).
func PostKinds() []string {
	var kinds []string
	for _, tp := range sourceTouchpoints {
		kinds = append(kinds, tp[1])
	}
	for _, what := range earnedHosts {
		kinds = append(kinds, what)
	}
	slices.Sort(kinds)
	return slices.Compact(kinds)
}
