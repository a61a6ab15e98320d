package alert

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ewom/ewom/internal/store"
)

// spanCounts are the sums one cycle's SQL returned, per key and plan span.
type spanCounts struct {
	index map[Span]int
	sums  map[Key][]Count
}

func (c *spanCounts) Sum(k Key, s Span) Count {
	v, ok := c.sums[k]
	if !ok {
		return Count{}
	}
	i, ok := c.index[s]
	if !ok {
		return Count{}
	}
	return v[i]
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

func intList(xs []int64) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = strconv.FormatInt(x, 10)
	}
	return "[" + strings.Join(parts, ",") + "]"
}

// queryCounts sums the rollup over every span of the plan for every key of
// the brands, in one query: each rollup row is counted into the spans that
// hold its bucket and into its brand's and segments' keys.
func queryCounts(ctx context.Context, st store.Store, brands, segments []string, plan *Plan) (*spanCounts, error) {
	spans := plan.Spans()
	c := &spanCounts{index: make(map[Span]int, len(spans)), sums: map[Key][]Count{}}
	starts, ends := make([]int64, len(spans)), make([]int64, len(spans))
	for i, s := range spans {
		c.index[s] = i
		starts[i], ends[i] = s.Start, s.End
	}
	var ranges []string
	for _, r := range mergeSpans(spans) {
		ranges = append(ranges, fmt.Sprintf("(bucket >= %s AND bucket < %s)", store.Time(time.Unix(r.Start, 0)), store.Time(time.Unix(r.End, 0))))
	}
	segs := []string{"tuple('all', '')"}
	for _, k := range segments {
		segs = append(segs, fmt.Sprintf("tuple(%s, toString(%s))", store.Quote(k), segmentColumn[k]))
	}
	// Innermost: the rollup's rows merged per bucket; then each bucket into
	// the plan spans that hold it; then each row into its keys.
	q := fmt.Sprintf("SELECT brand, kind, value, groupArray(tuple(toUInt32(r), total, neg)) AS sums FROM ("+
		"SELECT brand, tupleElement(seg, 1) AS kind, tupleElement(seg, 2) AS value, r, sum(m) AS total, sum(n) AS neg FROM ("+
		"SELECT brand, arrayJoin([%s]) AS seg, r, m, n FROM ("+
		"SELECT brand, touchpoint, source, journey_stage, m, n,"+
		" arrayJoin(arrayFilter((i, s, e, x) -> x >= s AND x < e, arrayEnumerate(%[2]s), %[2]s, %[3]s, replicate(b, %[2]s))) AS r FROM ("+
		"SELECT brand, touchpoint, source, journey_stage, toUInt32(bucket) AS b, sum(mentions) AS m,"+
		" sumIf(mentions, sentiment = 'negative') AS n FROM %[4]s WHERE brand IN %[5]s AND (%[6]s)"+
		" GROUP BY brand, touchpoint, source, journey_stage, b)))"+
		" GROUP BY brand, kind, value, r) GROUP BY brand, kind, value",
		strings.Join(segs, ", "), intList(starts), intList(ends),
		st.Table("mentions_5m"), store.QuoteList(brands), strings.Join(ranges, " OR "))
	rows, err := st.Query(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("rollup counts: %w", err)
	}
	for _, raw := range rows {
		var row struct {
			Brand, Kind, Value string
			Sums               [][3]json.Number
		}
		if err := json.Unmarshal(raw, &row); err != nil {
			return nil, fmt.Errorf("decode rollup counts: %w", err)
		}
		v := make([]Count, len(spans))
		for _, s := range row.Sums {
			i, err1 := s[0].Int64()
			tot, err2 := s[1].Float64()
			neg, err3 := s[2].Float64()
			if err1 != nil || err2 != nil || err3 != nil || i < 1 || int(i) > len(spans) {
				return nil, fmt.Errorf("decode rollup counts: bad entry %v", s)
			}
			v[i-1] = Count{Neg: neg, Total: tot}
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
