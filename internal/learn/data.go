package learn

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/ewom/ewom/internal/classify"
	"github.com/ewom/ewom/internal/mention"
	"github.com/ewom/ewom/internal/store"
)

// Where an example's label comes from.
const (
	FromCorrection = "correction"
	FromReview     = "review"
)

// maxReviews bounds the rated reviews read (the newest first), so a store
// of many reviews does not outweigh the corrections or take long to train.
const maxReviews = 20000

// Example is one labelled mention the model learns from.
type Example struct {
	MentionID string
	Mention   mention.Mention // a review's without its rating: the label came from it
	Label     string          // mention.Positive, Neutral or Negative
	From      string          // FromCorrection or FromReview
	At        time.Time       // corrected or published
	// What the learned model sees (classify.TrainingExample).
	Lang  string
	Feats []string
	Lex   float64
	Scale float64
}

// Counts say what the data held and what was used.
type Counts struct {
	Corrections int `json:"corrections"` // mentions with a correction used
	Reviews     int `json:"reviews"`     // rated reviews used
	// Corrections newer than the active model (all, when none is active).
	NewCorrections int            `json:"new_corrections"`
	ByLang         map[string]int `json:"by_lang"`
	ByLabel        map[string]int `json:"by_label"`
	// Left out: mention × brand corrections whose brands disagree on the
	// sentiment, mentions whose text is gone or unreadable, languages
	// without a learned model, reviews whose text contradicts the rating.
	BrandsDisagree int `json:"brands_disagree"`
	NoText         int `json:"no_text"`
	OtherLang      int `json:"other_language"`
	Contradicted   int `json:"reviews_contradicted"`
}

// Load reads the examples: the newest sentiment correction of every
// mention × brand (a mention whose brands' corrected sentiments differ is
// left out: the model labels a text, not a brand), and rated reviews with
// ≤ 2 stars (negative) or ≥ 4 (positive; ≥ 8 on a 0–10 scale) whose text
// the shipped classifier does not read the other way; a corrected mention
// counts once, as corrected. since is the active model's creation time
// (zero: none), for Counts.NewCorrections.
func Load(ctx context.Context, s store.Store, shipped *classify.Classifier, since time.Time) ([]Example, Counts, error) {
	c := Counts{ByLang: map[string]int{}, ByLabel: map[string]int{}}
	rows, err := s.Query(ctx, "SELECT mention_id AS id, groupUniqArray(c_sentiment) AS labels, max(c_at) AS at,"+
		" any(m_raw) AS text FROM (SELECT * FROM (SELECT mention_id, brand, argMax(new_sentiment, version) AS c_sentiment,"+
		" max(corrected_at) AS c_at FROM "+s.Table("label_corrections")+" GROUP BY mention_id, brand) AS c ANY LEFT JOIN"+
		" (SELECT mention_id, argMax(raw, version) AS m_raw FROM "+s.Table("mentions")+" WHERE mention_id IN (SELECT mention_id FROM "+
		s.Table("label_corrections")+") GROUP BY mention_id) AS m USING (mention_id)) GROUP BY mention_id ORDER BY id")
	if err != nil {
		return nil, c, fmt.Errorf("read label corrections: %w", err)
	}
	var out []Example
	corrected := map[string]bool{}
	for _, raw := range rows {
		var r struct {
			ID, Text string
			Labels   []string
			At       time.Time
		}
		if err := json.Unmarshal(raw, &r); err != nil {
			return nil, c, fmt.Errorf("read label corrections: %w", err)
		}
		corrected[r.ID] = true
		if len(r.Labels) != 1 {
			c.BrandsDisagree++
			continue
		}
		ex, ok := example(shipped, r.ID, r.Text, r.Labels[0], FromCorrection, &c)
		if !ok {
			continue
		}
		ex.At = r.At.UTC()
		if ex.At.After(since) {
			c.NewCorrections++
		}
		c.Corrections++
		out = append(out, ex)
	}
	rows, err = s.Query(ctx, "SELECT mention_id AS id, argMax(raw, version) AS text, argMax(rating, version) AS stars,"+
		" max(published_at) AS at FROM "+s.Table("mentions")+" WHERE rating <= 2 OR (rating >= 4 AND rating <= 5) OR rating >= 8"+
		" GROUP BY mention_id ORDER BY at DESC, id LIMIT "+strconv.Itoa(maxReviews+len(corrected)))
	if err != nil {
		return nil, c, fmt.Errorf("read rated reviews: %w", err)
	}
	for _, raw := range rows {
		var r struct {
			ID, Text string
			Stars    float64
			At       time.Time
		}
		if err := json.Unmarshal(raw, &r); err != nil {
			return nil, c, fmt.Errorf("read rated reviews: %w", err)
		}
		if corrected[r.ID] || c.Reviews >= maxReviews {
			continue
		}
		label, against := mention.Positive, mention.Negative
		if r.Stars <= 2 {
			label, against = against, label
		}
		ex, ok := example(shipped, r.ID, r.Text, label, FromReview, &c)
		if !ok {
			continue
		}
		if shipped.Classify(&ex.Mention).Sentiment == against {
			c.Contradicted++
			continue
		}
		ex.At = r.At.UTC()
		c.Reviews++
		out = append(out, ex)
	}
	for _, ex := range out {
		c.ByLang[ex.Lang]++
		c.ByLabel[ex.Label]++
	}
	return out, c, nil
}

// example parses a stored mention into an example, counting why not.
func example(shipped *classify.Classifier, id, raw, label, from string, c *Counts) (Example, bool) {
	if !slices.Contains([]string{mention.Positive, mention.Neutral, mention.Negative}, label) {
		c.NoText++
		return Example{}, false
	}
	m, err := mention.Parse([]byte(raw))
	if err != nil || m.Title+m.Text == "" {
		c.NoText++
		return Example{}, false
	}
	if from == FromReview {
		m.Rating = nil
	}
	ex := Example{MentionID: id, Mention: m, Label: label, From: from}
	ex.Lang, ex.Feats, ex.Lex, ex.Scale = shipped.TrainingExample(&m)
	if ex.Lang == "" {
		c.OtherLang++
		return Example{}, false
	}
	return ex, true
}
