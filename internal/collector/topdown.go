package collector

import "slices"

// maxAbove bounds the ids a TopDown keeps above its watermark.
const maxAbove = 2000

// TopDown is the cursor of a list served newest first that cannot be asked
// for "what is new since" (YouTube comment threads, a Facebook post's
// comments): each pass walks down from the newest item until it meets the
// watermark, and what it met above the mark is new.
//
// A walk cut short before the mark (a page cap, a used-up quota) must not
// move the mark, or the items between would never be read: the mark stays
// and the ids the walk emitted are kept in Above, so the next walk skips
// them and goes on down to the mark. Items without a time have no place
// under a mark; their ids are kept in Above too.
type TopDown struct {
	Watermark
	Above []string `json:"above,omitempty"`
}

// Stamp is an item a walk met: its time (Unix seconds, 0 when unknown) and
// id.
type Stamp struct {
	T  int64
	ID string
}

// Seen reports whether the item was handled by an earlier walk.
func (c *TopDown) Seen(s Stamp) bool {
	return s.T > 0 && c.Watermark.Seen(s.T, s.ID) || slices.Contains(c.Above, s.ID)
}

// Below reports whether a walk going down has passed the mark with an
// item of time t, so that it can stop. Without a mark nothing is below.
func (c *TopDown) Below(t int64) bool { return c.Since > 0 && t > 0 && t < c.Since }

// Walked records a walk after its new items were emitted: met are the
// items it met, in any order; complete says it reached the mark or the end
// of the list. A complete walk moves the mark to the newest item met; a
// walk cut short keeps the mark and remembers the new ids above it.
func (c *TopDown) Walked(met []Stamp, complete bool) {
	sorted := slices.Clone(met)
	slices.SortStableFunc(sorted, func(a, b Stamp) int {
		switch {
		case a.T < b.T:
			return -1
		case a.T > b.T:
			return 1
		}
		return 0
	})
	var above []string
	if !complete {
		above = c.Above
	}
	for _, s := range sorted {
		switch {
		case s.T <= 0:
			if !slices.Contains(above, s.ID) {
				above = append(above, s.ID)
			}
		case complete:
			c.Advance(s.T, s.ID)
		case !c.Watermark.Seen(s.T, s.ID) && !slices.Contains(above, s.ID):
			above = append(above, s.ID)
		}
	}
	if len(above) > maxAbove {
		above = above[len(above)-maxAbove:]
	}
	c.Above = above
}
