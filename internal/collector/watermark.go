package collector

// Watermark is a cursor for APIs filtered by whole-second timestamps
// (Algolia's created_at_i, Stack Exchange's fromdate): the newest second
// seen and the ids seen in that second. Querying "since >= Since" and
// skipping those ids neither loses items that arrive late within the second
// nor repeats them.
type Watermark struct {
	Since int64    `json:"since"`
	IDs   []string `json:"ids,omitempty"`
}

// Seen reports whether an item created at t with id is at or behind the mark.
func (w *Watermark) Seen(t int64, id string) bool {
	if t != w.Since {
		return t < w.Since
	}
	for _, s := range w.IDs {
		if s == id {
			return true
		}
	}
	return false
}

// Advance records an item; items must be fed oldest first.
func (w *Watermark) Advance(t int64, id string) {
	switch {
	case t > w.Since:
		w.Since, w.IDs = t, []string{id}
	case t == w.Since && !w.Seen(t, id):
		w.IDs = append(w.IDs, id)
	}
}
