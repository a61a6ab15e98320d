package collector

import (
	"encoding/json"
	"strings"
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

// SetExtra sets the extra field key of m to v encoded as JSON (strings,
// numbers, booleans). Strings are trimmed; an empty one, or a value that
// does not encode, is left out.
func SetExtra(m *mention.Mention, key string, v any) {
	if s, ok := v.(string); ok {
		if v = strings.TrimSpace(s); v == "" {
			return
		}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return
	}
	if m.Extra == nil {
		m.Extra = map[string]json.RawMessage{}
	}
	m.Extra[key] = b
}
