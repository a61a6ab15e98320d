package web

import (
	"fmt"
	"net/url"
	"strconv"
	"time"
)

// intervals are the time series' bucket sizes: the parameter's value, the
// bucket expression on the rollups' five-minute buckets and its length.
// Weeks start on Monday, UTC (Go's zero time is a Monday, so Truncate
// aligns to the same weeks).
var intervals = map[string]struct {
	expr string
	step time.Duration
}{
	"5m": {"bucket", 5 * time.Minute},
	"1h": {"toStartOfHour(bucket)", time.Hour},
	"1d": {"toStartOfDay(bucket)", 24 * time.Hour},
	"1w": {"toStartOfDay(bucket) - (toDayOfWeek(bucket) - 1) * 86400", 7 * 24 * time.Hour},
}

// maxSeriesPoints caps a series' buckets: 5-minute buckets over 34 days,
// hourly over 416 days. A longer series is refused rather than drawn.
const maxSeriesPoints = 10_000

// maxSmooth is the widest moving average of net sentiment, in buckets.
const maxSmooth = 60

// seriesParams are the time series' own parameters.
type seriesParams struct {
	interval string // 5m, 1h, 1d or 1w
	smooth   int    // moving-average width in buckets; 0 or 1: none
	compare  string // "", previous or year: a second series for that period
}

// parseSeries reads interval (auto by default: Filter.interval), smooth
// and compare, and refuses a series of more than maxSeriesPoints buckets.
func parseSeries(q url.Values, f Filter) (seriesParams, error) {
	p := seriesParams{interval: q.Get("interval")}
	switch p.interval {
	case "", "auto":
		p.interval, _ = f.interval()
	default:
		if _, ok := intervals[p.interval]; !ok {
			return p, badf("interval: %q is not one of auto, 5m, 1h, 1d, 1w", p.interval)
		}
	}
	step := intervals[p.interval].step
	if n := f.To.Sub(f.From.UTC().Truncate(step)) / step; n > maxSeriesPoints {
		return p, badf("interval: %s buckets over %s would be %d points, over the limit of %d; choose a longer interval or a shorter range",
			p.interval, days(f.To.Sub(f.From)), n, maxSeriesPoints)
	}
	if v := q.Get("smooth"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxSmooth {
			return p, badf("smooth: want a number of buckets in 1..%d", maxSmooth)
		}
		p.smooth = n
	}
	var err error
	p.compare, err = parseCompare(q.Get("compare"))
	return p, err
}

// days writes a duration for an error message.
func days(d time.Duration) string {
	if d >= 48*time.Hour {
		return fmt.Sprintf("%.0f days", d.Hours()/24)
	}
	return d.Round(time.Minute).String()
}

// parseCompare checks a comparison period's name: previous (the same
// length right before), year (the same dates a year before) or none.
func parseCompare(v string) (string, error) {
	switch v {
	case "", "previous", "year", "none":
		return v, nil
	}
	return "", badf("compare: %q is not one of previous, year, none", v)
}

// comparison is the period f is compared with: by default the one right
// before it.
func (f Filter) comparison(compare string) Filter {
	if compare != "year" {
		return f.previous()
	}
	c := f
	c.From, c.To = f.From.AddDate(-1, 0, 0), f.To.AddDate(-1, 0, 0)
	return c
}

// smoothNet sets each point's NetSmoothed: net sentiment over the point's
// bucket and the width−1 before it in the series (fewer at its start),
// weighted by mentions; nil where those buckets hold none.
func smoothNet(pts []SeriesPoint, width int) {
	var pos, neg, all int64
	for i := range pts {
		pos, neg, all = pos+pts[i].Positive, neg+pts[i].Negative, all+pts[i].Mentions
		if j := i - width; j >= 0 {
			pos, neg, all = pos-pts[j].Positive, neg-pts[j].Negative, all-pts[j].Mentions
		}
		if all > 0 {
			v := netSentiment(pos, neg, all)
			pts[i].NetSmoothed = &v
		}
	}
}
