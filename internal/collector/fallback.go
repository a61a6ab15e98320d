package collector

import (
	"time"

	"github.com/ewom/ewom/internal/mention"
)

// ExtraTimeEstimated is the mention's extra field that marks a publication
// time the source did not give: the collector used the document's own
// time, or the fetch time, instead of dropping the item.
const ExtraTimeEstimated = "published_at_estimated"

// EstimatePublished sets a mention's publication time from a fallback and
// flags it, so that an item without a usable date is stored, not lost, and
// readers can tell its time is approximate.
func EstimatePublished(m *mention.Mention, t time.Time) {
	m.PublishedAt = t.UTC()
	SetExtra(m, ExtraTimeEstimated, true)
}

// CompareDated orders publication times oldest first, with the zero time
// (an item without a date, to be stored with the fetch time) last.
func CompareDated(a, b time.Time) int {
	switch {
	case a.IsZero() && b.IsZero():
		return 0
	case a.IsZero():
		return 1
	case b.IsZero():
		return -1
	}
	return a.Compare(b)
}
