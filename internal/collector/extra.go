package collector

import (
	"encoding/json"

	"github.com/ewom/ewom/internal/mention"
)

// ExtraContextTouchpoint is the extra field of a comment naming the PESO
// touchpoint of what it stands under, where the platform says: "owned"
// under the brand's own post or video, "paid" under an ad. The comment's
// own touchpoint is classified as any other mention's (a customer's
// complaint under an ad is still a customer's).
const ExtraContextTouchpoint = "context_touchpoint"

// SetExtra sets m's extra field key to the string v; an empty v is left
// out.
func SetExtra(m *mention.Mention, key, v string) {
	if v == "" {
		return
	}
	if m.Extra == nil {
		m.Extra = map[string]json.RawMessage{}
	}
	m.Extra[key], _ = json.Marshal(v)
}
