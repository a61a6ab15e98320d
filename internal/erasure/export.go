package erasure

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/ewom/ewom/internal/store"
)

// Export is everything stored about an author (GDPR art. 15 and 20).
type Export struct {
	Handles          []string          `json:"handles"`
	Mentions         []json.RawMessage `json:"mentions"`          // stored rows, every column
	LabelCorrections []json.RawMessage `json:"label_corrections"` // corrections of those mentions
	AlertSamples     []AlertSample     `json:"alert_samples"`     // the author's mentions quoted by alerts
	Bus              []BusMessage      `json:"bus"`               // not yet stored, or dead-lettered
}

// AlertSample is one of the author's mentions quoted in an alert explanation.
type AlertSample struct {
	AlertID string         `json:"alert_id"`
	Sample  map[string]any `json:"sample"`
}

// BusMessage is a message about the author still on the bus.
type BusMessage struct {
	Stream  string          `json:"stream"`
	Seq     uint64          `json:"seq"`
	Mention json.RawMessage `json:"mention"`
}

// ExportAuthor collects what Forget would erase.
func ExportAuthor(ctx context.Context, t Target) (Export, error) {
	e := Export{Handles: t.Handles, Mentions: []json.RawMessage{}, LabelCorrections: []json.RawMessage{},
		AlertSamples: []AlertSample{}, Bus: []BusMessage{}}
	var err error
	if e.Mentions, err = t.Store.Query(ctx, "SELECT * FROM "+t.Store.Table("mentions")+" FINAL WHERE lower(author_handle) IN "+
		t.handleList()+" ORDER BY published_at, mention_id, brand"); err != nil {
		return e, fmt.Errorf("read the author's mentions: %w", err)
	}
	e.Mentions = nonNil(e.Mentions)
	// The author's mention ids, from the rows just read.
	ids := make([]string, 0, len(e.Mentions))
	for _, raw := range e.Mentions {
		var v struct {
			MentionID string `json:"mention_id"`
		}
		if err := json.Unmarshal(raw, &v); err != nil {
			return e, err
		}
		ids = append(ids, v.MentionID)
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if ok, err := t.hasTable(ctx, "label_corrections"); err != nil {
		return e, err
	} else if ok && len(ids) > 0 {
		if e.LabelCorrections, err = t.Store.Query(ctx, "SELECT * FROM "+t.Store.Table("label_corrections")+
			" WHERE mention_id IN "+store.QuoteList(ids)+" ORDER BY mention_id, brand, version"); err != nil {
			return e, fmt.Errorf("read label corrections: %w", err)
		}
		e.LabelCorrections = nonNil(e.LabelCorrections)
	}
	if ok, err := t.hasTable(ctx, "alerts"); err != nil {
		return e, err
	} else if ok {
		rows, err := t.Store.Query(ctx, "SELECT id, argMax(explanation, version) AS explanation FROM "+t.Store.Table("alerts")+" GROUP BY id ORDER BY id")
		if err != nil {
			return e, fmt.Errorf("read alerts: %w", err)
		}
		for _, raw := range rows {
			var v struct{ ID, Explanation string }
			if err := json.Unmarshal(raw, &v); err != nil {
				return e, err
			}
			var doc struct{ Mentions, Stories []map[string]any } // a story quotes its first mention
			if json.Unmarshal([]byte(v.Explanation), &doc) != nil {
				continue
			}
			for _, s := range append(doc.Mentions, doc.Stories...) {
				if t.isAuthors(s, ids) {
					e.AlertSamples = append(e.AlertSamples, AlertSample{AlertID: v.ID, Sample: s})
				}
			}
		}
	}
	_, err = t.scanBus(ctx, false, func(stream string, seq uint64, data []byte) {
		e.Bus = append(e.Bus, BusMessage{Stream: stream, Seq: seq, Mention: json.RawMessage(slices.Clone(data))})
	})
	return e, err
}

// nonNil keeps an empty result an empty JSON array rather than null.
func nonNil(rows []json.RawMessage) []json.RawMessage {
	if rows == nil {
		return []json.RawMessage{}
	}
	return rows
}
