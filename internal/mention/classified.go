package mention

import "encoding/json"

// Sentiment labels, touchpoints and journey stages of the classification contract.
const (
	Positive = "positive"
	Neutral  = "neutral"
	Negative = "negative"
)

// Touchpoints of the PESO model.
var Touchpoints = []string{"owned", "earned", "paid", "shared"}

// JourneyStages in purchase-path order; "none" when no stage is evident.
var JourneyStages = []string{"awareness", "consideration", "purchase", "delivery", "usage", "service", "loyalty", "churn", "none"}

// Evidence is one reason behind a label: a word, emoji, phrase or rule and the
// weight it contributed.
type Evidence struct {
	Label  string  `json:"label"`            // which decision: sentiment, touchpoint, journey_stage, brand, lang
	Kind   string  `json:"kind"`             // word, emoji, phrase, rule, rating, ...
	Text   string  `json:"text"`             // the matched text or rule name
	Weight float64 `json:"weight,omitempty"` // contribution to the score
	Note   string  `json:"note,omitempty"`   // e.g. "negated", "intensified x1.5"
	Brand  string  `json:"brand,omitempty"`  // the brand a per-brand label is for
}

// BrandLabel is the sentiment and journey stage of a mention for one of the
// brands it names, read from the clauses about that brand.
type BrandLabel struct {
	Brand          string  `json:"brand"`
	Sentiment      string  `json:"sentiment"`
	SentimentScore float64 `json:"sentiment_score"`
	JourneyStage   string  `json:"journey_stage"`
}

// Classification holds the fields the classifier adds to a mention.
type Classification struct {
	Lang                  string   `json:"lang"`
	Sentiment             string   `json:"sentiment"`
	SentimentScore        float64  `json:"sentiment_score"`
	SentimentUnscored     bool     `json:"sentiment_unscored,omitempty"`
	Touchpoint            string   `json:"touchpoint"`
	TouchpointReason      string   `json:"touchpoint_reason"`
	UndisclosedCommercial bool     `json:"undisclosed_commercial,omitempty"`
	JourneyStage          string   `json:"journey_stage"`
	Brands                []string `json:"brands"`
	// BrandLabels has a label per brand in Brands, in the same order; the
	// post-level Sentiment and JourneyStage are for the post as a whole.
	BrandLabels       []BrandLabel `json:"brand_labels,omitempty"`
	ClassifierVersion string       `json:"classifier_version"`
	Explanation       []Evidence   `json:"explanation,omitempty"`
}

// Classified is a mention with its classification, as printed by `ewom
// classify`. The declared language moves to source_lang; lang is the detected one.
type Classified struct {
	Mention        Mention
	MentionID      string
	Classification Classification
}

// MarshalJSON flattens the mention, its id and the classification into one object.
func (c Classified) MarshalJSON() ([]byte, error) {
	m := c.Mention
	extra := make(map[string]json.RawMessage, len(m.Extra)+12)
	for k, v := range m.Extra {
		extra[k] = v
	}
	if m.Lang != "" {
		extra["source_lang"], _ = json.Marshal(m.Lang)
	}
	extra["mention_id"], _ = json.Marshal(c.MentionID)
	cls, err := json.Marshal(c.Classification)
	if err != nil {
		return nil, err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(cls, &fields); err != nil {
		return nil, err
	}
	for k, v := range fields {
		extra[k] = v
	}
	m.Lang = ""
	m.Extra = extra
	return m.MarshalJSON()
}
