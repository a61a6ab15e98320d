package terms

import (
	"cmp"
	"slices"

	"github.com/ewom/ewom/internal/alert/stats"
)

// Count is how many rows have a term now (in the window looked at) and in
// its baseline (the time before, usually several windows long).
type Count struct {
	Term string `json:"term"`
	Form string `json:"form"` // the form to show; "" when it is the term
	Now  int64  `json:"mentions"`
	Base int64  `json:"baseline"`
}

// Growth is a term that grew against its baseline.
type Growth struct {
	Count
	// Expected is the rows the term would have now at its baseline rate.
	Expected float64 `json:"expected"`
	// Ratio is the rate now over the rate in the baseline, each smoothed by
	// half a row.
	Ratio float64 `json:"ratio"`
	// P is the one-sided p-value of a rise at least this large if the term's
	// share of the rows had not changed (conditional binomial test).
	P float64 `json:"p_value"`
}

// Emerging thresholds: a term must have minEmerging rows now, at least
// minRatio times its baseline rate, and a p-value below emergingAlpha
// divided by the number of terms tested (Bonferroni).
const (
	minEmerging   = 3
	minRatio      = 2
	emergingAlpha = 0.01
)

// Emerging returns up to n terms of counts whose rate grew significantly
// against their own baseline, most significant first. now and base are the
// exposures of the window and the baseline: the rows (mentions × brand) of
// which the counts are parts, for a term's share of what is said, or
// durations, for its rate in time. Under no change a term's rows now, given
// its rows in both, are binomial with the window's share of the exposure:
// the test is
// exact and needs no normal approximation, so a rare term rising from 0 to
// 3 is not taken for news while a common one doubling is.
func Emerging(counts []Count, now, base int64, n int) []Growth {
	if now <= 0 {
		return nil
	}
	share := float64(now) / float64(now+base)
	var tested int
	var out []Growth
	for _, c := range counts {
		if c.Now < minEmerging {
			continue
		}
		tested++
		g := Growth{Count: c, Expected: float64(c.Base) * float64(now) / float64(max(base, 1))}
		g.Ratio = ((float64(c.Now) + 0.5) / float64(now)) / ((float64(c.Base) + 0.5) / float64(max(base, 1)))
		g.P = stats.BinomSF(int(c.Now), int(c.Now+c.Base), share)
		if g.Ratio >= minRatio {
			out = append(out, g)
		}
	}
	limit := emergingAlpha / float64(max(tested, 1))
	out = slices.DeleteFunc(out, func(g Growth) bool { return g.P >= limit })
	slices.SortFunc(out, func(a, b Growth) int {
		return cmp.Or(cmp.Compare(a.P, b.P), cmp.Compare(b.Ratio, a.Ratio), cmp.Compare(b.Now, a.Now), cmp.Compare(a.Term, b.Term))
	})
	return out[:min(n, len(out))]
}
