package alert

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ewom/ewom/internal/store"
)

// spanCounts are one cycle's rollup sums per key, over the pieces the plan's
// span boundaries cut time into, kept as prefix sums: a span's sum is the
// difference of the sums at its two boundaries.
type spanCounts struct {
	bound map[int64]int   // span boundary (Unix seconds) -> its index in the prefix sums
	sums  map[Key][]Count // per key: counts before each boundary, from the first one
}

// Sum implements Counts; spans not of the plan count nothing.
func (c *spanCounts) Sum(k Key, s Span) Count {
	v, ok := c.sums[k]
	i, okStart := c.bound[s.Start]
	j, okEnd := c.bound[s.End]
	if !ok || !okStart || !okEnd || s.Start >= s.End {
		return Count{}
	}
	return Count{Neg: v[j].Neg - v[i].Neg, Total: v[j].Total - v[i].Total}
}

// mergeSpans returns the union of spans as sorted, disjoint ranges.
func mergeSpans(spans []Span) []Span {
	s := slices.Clone(spans)
	slices.SortFunc(s, func(a, b Span) int { return int(a.Start - b.Start) })
	var out []Span
	for _, sp := range s {
		if n := len(out); n > 0 && sp.Start <= out[n-1].End {
			out[n-1].End = max(out[n-1].End, sp.End)
			continue
		}
		out = append(out, sp)
	}
	return out
}

// scope is a watched search query (alerts.negative_spike.queries): its
// name, its condition on the mentions table (" AND …") and the brands it
// is watched for.
type scope struct {
	name, cond string
	brands     []string
}

// queryCounts sums the rollup for every key of the brands over the pieces
// between consecutive boundaries of the plan's spans, and adds the pieces
// up into spans in Go. Each segment kind is one branch of a UNION ALL that
// groups by the rollup's own columns (no per-row expansion into keys or
// spans), and each key comes back as one row of arrays. Each scope is one
// more branch, which counts the matching rows of the mentions table (the
// rollup holds no text).
func queryCounts(ctx context.Context, st store.Store, brands, segments []string, scopes []scope, plan *Plan) (*spanCounts, error) {
	var spans []Span
	for _, s := range plan.Spans() {
		if s.Start < s.End {
			spans = append(spans, s)
		}
	}
	c := &spanCounts{bound: map[int64]int{}, sums: map[Key][]Count{}}
	if len(spans) == 0 {
		return c, nil
	}
	var bounds []int64
	for _, s := range spans {
		bounds = append(bounds, s.Start, s.End)
	}
	slices.Sort(bounds)
	bounds = slices.Compact(bounds)
	for i, b := range bounds {
		c.bound[b] = i
	}
	// The piece of a bucket b inside the spans: how many inner boundaries
	// are at or before it.
	piece := "0"
	for _, b := range bounds[1 : len(bounds)-1] {
		piece += fmt.Sprintf(" + (b >= %d)", b)
	}
	ranges := func(col string) string {
		var rs []string
		for _, r := range mergeSpans(spans) {
			rs = append(rs, fmt.Sprintf("(%s >= %s AND %s < %s)", col, store.Time(time.Unix(r.Start, 0)), col, store.Time(time.Unix(r.End, 0))))
		}
		return strings.Join(rs, " OR ")
	}
	branch := func(kind, value, cols, rows string) string {
		return fmt.Sprintf("SELECT brand, %s AS kind, %s AS value, groupArray(e) AS es, groupArray(t) AS ts, groupArray(n) AS ns FROM ("+
			"SELECT %[3]s, e, sum(mentions) AS t, sumIf(mentions, sentiment = 'negative') AS n FROM ("+
			"SELECT %[3]s, mentions, sentiment, %[4]s AS e FROM (%[5]s)) GROUP BY %[3]s, e) GROUP BY %[3]s",
			store.Quote(kind), value, cols, piece, rows)
	}
	rows := fmt.Sprintf("SELECT toUInt32(bucket) AS b, brand, touchpoint, source, journey_stage, sentiment, mentions FROM %s WHERE brand IN %s AND (%s)",
		st.Table("mentions_5m"), store.QuoteList(brands), ranges("bucket"))
	var branches []string
	for _, kind := range append([]string{KindAll}, segments...) {
		value, cols := "''", "brand"
		if kind != KindAll {
			value = "toString(" + segmentColumn[kind] + ")"
			cols += ", " + segmentColumn[kind]
		}
		branches = append(branches, branch(kind, value, cols, rows))
	}
	for _, sc := range scopes {
		rows := fmt.Sprintf("SELECT toUInt32(toStartOfFiveMinute(published_at)) AS b, brand, sentiment, toInt64(1) AS mentions FROM %s"+
			" WHERE brand IN %s AND (%s)%s", st.Table("mentions"), store.QuoteList(sc.brands), ranges("published_at"), sc.cond)
		branches = append(branches, branch(KindQuery, store.Quote(sc.name), "brand", rows))
	}
	res, err := st.Query(ctx, strings.Join(branches, " UNION ALL "))
	if err != nil {
		return nil, fmt.Errorf("rollup counts: %w", err)
	}
	for _, raw := range res {
		var row struct {
			Brand, Kind, Value string
			Es                 []int
			Ts, Ns             []int64
		}
		if err := json.Unmarshal(raw, &row); err != nil {
			return nil, fmt.Errorf("decode rollup counts: %w", err)
		}
		if len(row.Ts) != len(row.Es) || len(row.Ns) != len(row.Es) {
			return nil, fmt.Errorf("decode rollup counts: arrays of unequal length in %s", raw)
		}
		v := make([]Count, len(bounds))
		for i, e := range row.Es {
			if e < 0 || e >= len(bounds)-1 {
				return nil, fmt.Errorf("decode rollup counts: piece %d out of range", e)
			}
			v[e+1].Neg += float64(row.Ns[i])
			v[e+1].Total += float64(row.Ts[i])
		}
		for i := 1; i < len(v); i++ {
			v[i].Neg += v[i-1].Neg
			v[i].Total += v[i-1].Total
		}
		c.sums[Key{row.Brand, row.Kind, row.Value}] = v
	}
	return c, nil
}

// hourCoverage remembers which hours hold any mention, refreshed
// incrementally: hours more than two hours old are taken as settled.
type hourCoverage struct {
	hours   map[int64]bool
	checked time.Time // hours before this are known
}

func (h *hourCoverage) refresh(ctx context.Context, st store.Store, from, to time.Time) error {
	if h.hours == nil {
		h.hours = map[int64]bool{}
	}
	for t := range h.hours {
		if t < from.Unix()-3600 {
			delete(h.hours, t)
		}
	}
	start := from
	if !h.checked.IsZero() && h.checked.After(from) {
		start = h.checked.Add(-2 * time.Hour)
	}
	rows, err := st.Query(ctx, fmt.Sprintf("SELECT DISTINCT toUInt32(toStartOfHour(bucket)) AS h FROM %s WHERE bucket >= %s AND bucket < %s",
		st.Table("mentions_5m"), store.Time(start), store.Time(to)))
	if err != nil {
		return fmt.Errorf("rollup coverage: %w", err)
	}
	for _, raw := range rows {
		var r struct{ H int64 }
		if err := json.Unmarshal(raw, &r); err != nil {
			return fmt.Errorf("decode coverage: %w", err)
		}
		h.hours[r.H] = true
	}
	h.checked = to
	return nil
}

// Covered implements Coverage at hour resolution.
func (h *hourCoverage) Covered(s Span) bool {
	for t := s.Start - s.Start%3600; t < s.End; t += 3600 {
		if h.hours[t] {
			return true
		}
	}
	return false
}
