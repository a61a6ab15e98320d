package learn

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/ewom/ewom/internal/classify"
	"github.com/ewom/ewom/internal/mention"
	"github.com/ewom/ewom/internal/store"
)

// previewMentions is how many of the newest stored mentions a run labels
// with the shipped classifier and with the model it would activate.
const previewMentions = 2000

// Relabel is what activating a model would change in stored history: of
// the newest stored mentions, how many mention × brand labels (or post
// labels, where no brand is named) `ewom reclassify` would change. The
// rules guard the corrections' own distribution; this shows the stream's.
type Relabel struct {
	Mentions   int `json:"mentions"`
	Labels     int `json:"labels"`
	Stages     int `json:"stages_changed"`
	Sentiments int `json:"sentiments_changed"`
}

// preview labels the newest stored mentions with before and after.
func preview(ctx context.Context, s store.Store, before, after *classify.Classifier) (Relabel, error) {
	var r Relabel
	// The newest ids first, from the light columns; the raw text is read
	// for those alone, not for every stored mention.
	mentions := s.Table("mentions")
	newest := fmt.Sprintf("SELECT mention_id FROM %s GROUP BY mention_id ORDER BY max(published_at) DESC, mention_id LIMIT %d",
		mentions, previewMentions)
	rows, err := s.Query(ctx, "SELECT argMax(raw, version) AS raw FROM "+mentions+" WHERE mention_id IN ("+newest+")"+
		" GROUP BY mention_id ORDER BY max(published_at) DESC, mention_id")
	if err != nil {
		return r, fmt.Errorf("read stored mentions: %w", err)
	}
	for _, row := range rows {
		var x struct{ Raw string }
		if err := json.Unmarshal(row, &x); err != nil {
			return r, fmt.Errorf("read stored mentions: %w", err)
		}
		m, err := mention.Parse([]byte(x.Raw))
		if err != nil {
			continue // a row the store kept that no longer parses: nothing to relabel
		}
		a, b := before.Classify(&m), after.Classify(&m)
		r.Mentions++
		if len(a.BrandLabels) == 0 || len(a.BrandLabels) != len(b.BrandLabels) {
			r.count(a.JourneyStage, b.JourneyStage, a.Sentiment, b.Sentiment)
			continue
		}
		for i := range a.BrandLabels {
			r.count(a.BrandLabels[i].JourneyStage, b.BrandLabels[i].JourneyStage, a.BrandLabels[i].Sentiment, b.BrandLabels[i].Sentiment)
		}
	}
	return r, nil
}

func (r *Relabel) count(stageA, stageB, sentimentA, sentimentB string) {
	r.Labels++
	if stageA != stageB {
		r.Stages++
	}
	if sentimentA != sentimentB {
		r.Sentiments++
	}
}

func (r *Relabel) write(w io.Writer) {
	if r.Labels == 0 {
		fmt.Fprintln(w, "history: no stored mentions to relabel")
		return
	}
	pct := func(n int) float64 { return 100 * float64(n) / float64(r.Labels) }
	fmt.Fprintf(w, "history: on the %d newest stored mentions (%d labels), this model would change %d stages (%.1f %%) and %d sentiments (%.1f %%) when `ewom reclassify` runs\n",
		r.Mentions, r.Labels, r.Stages, pct(r.Stages), r.Sentiments, pct(r.Sentiments))
}
