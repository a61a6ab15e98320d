package collector

import (
	"encoding/json"
	"strings"

	"github.com/ewom/ewom/internal/mention"
)

// ExtraContextTouchpoint is the extra field of a comment naming the PESO
// touchpoint of what it stands under, where the platform says: "owned"
// under the brand's own post or video, "paid" under an ad. The comment's
// own touchpoint is classified as any other mention's (a customer's
// complaint under an ad is still a customer's).
const ExtraContextTouchpoint = "context_touchpoint"

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
