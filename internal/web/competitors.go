package web

import (
	"net/http"
	"slices"
	"time"

	"github.com/ewom/ewom/internal/api"
)

// The Competitors view (docs/dashboards.md, "Competitor benchmarking"):
// each brand's volume, net sentiment, share of voice and negative share
// over time side by side, and the period's totals against a comparison
// period, read from the rollups with label corrections applied.

// Competitors is the answer of GET /api/v1/competitors.
type Competitors struct {
	From        time.Time        `json:"from"`
	To          time.Time        `json:"to"`
	Compare     string           `json:"compare"` // previous or year
	CompareFrom time.Time        `json:"compare_from"`
	CompareTo   time.Time        `json:"compare_to"`
	Interval    string           `json:"interval"` // of the points: 5m, 1h or 1d
	Brands      []BrandBenchmark `json:"brands"`
}

// BrandBenchmark is one brand's figures: the period's, the comparison
// period's, the change between them, and a point per interval.
type BrandBenchmark struct {
	Brand      string         `json:"brand"`
	Own        bool           `json:"own"`
	Competitor bool           `json:"competitor"`
	Current    BrandFigures   `json:"current"`
	Comparison BrandFigures   `json:"comparison"`
	Change     FigureChange   `json:"change"`
	Points     []BrandFigures `json:"points"`
}

// BrandFigures are a brand's figures over a period or an interval. Shares
// are percentages: share of voice is the brand's part of the mentions of
// all the brands compared, negative share the negative part of the brand's
// own mentions (0 without mentions).
type BrandFigures struct {
	T             *time.Time `json:"t,omitempty"` // a point's interval start
	Mentions      int64      `json:"mentions"`
	Positive      int64      `json:"positive"`
	Neutral       int64      `json:"neutral"`
	Negative      int64      `json:"negative"`
	NetSentiment  float64    `json:"net_sentiment"`
	ShareOfVoice  float64    `json:"share_of_voice"`
	NegativeShare float64    `json:"negative_share"`
}

// FigureChange is the current period less the comparison period: mentions
// as a count and a percentage of the comparison's (null when it had none),
// the rest in percentage points.
type FigureChange struct {
	Mentions        int64    `json:"mentions"`
	MentionsPercent *float64 `json:"mentions_percent"`
	NetSentiment    float64  `json:"net_sentiment"`
	ShareOfVoice    float64  `json:"share_of_voice"`
	NegativeShare   float64  `json:"negative_share"`
}

// comparison returns the period f is compared with: the one right before
// it (previous) or the same dates a year earlier (year).
func comparison(f Filter, compare string) (Filter, error) {
	switch compare {
	case "", "previous":
		return f.previous(), nil
	case "year":
		c := f
		c.From, c.To = f.From.AddDate(-1, 0, 0), f.To.AddDate(-1, 0, 0)
		return c, nil
	}
	return f, badf("compare: %q is not one of previous, year", compare)
}

// counts is a brand's tally of rollup rows.
type counts struct {
	Brand           string
	T               time.Time
	Cnt, P, Ng, Neu num
}

func (c counts) figures(total int64) BrandFigures {
	m, neg := int64(c.Cnt), int64(c.Ng)
	out := BrandFigures{Mentions: m, Positive: int64(c.P), Neutral: int64(c.Neu), Negative: neg,
		NetSentiment: netSentiment(int64(c.P), neg, m)}
	if total > 0 {
		out.ShareOfVoice = float64(m) / float64(total) * 100
	}
	if m > 0 {
		out.NegativeShare = float64(neg) / float64(m) * 100
	}
	return out
}

func (c *counts) add(x counts) {
	c.Cnt += x.Cnt
	c.P += x.P
	c.Ng += x.Ng
	c.Neu += x.Neu
}

func (s *Server) handleCompetitors(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f, err := parseFilter(q, s.now())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	cmp, err := comparison(f, q.Get("compare"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// The brands compared: those named, else every configured brand, in
	// the configuration's order.
	known := make(map[string]int, len(s.cfg.Brands))
	for i, b := range s.cfg.Brands {
		known[b.Name] = i
	}
	for _, b := range f.Brands {
		if _, ok := known[b]; !ok {
			s.fail(w, r, badf("brand: %q is not a configured brand", b))
			return
		}
	}
	if len(f.Brands) == 0 {
		for _, b := range s.cfg.Brands {
			f.Brands = append(f.Brands, b.Name)
		}
	}
	cmp.Brands = f.Brands
	// Hours over two days at most, else days: brands side by side read
	// better by the day than by the hour's noise.
	name, expr, step := "1d", "toStartOfDay(bucket)", oneDay
	if f.To.Sub(f.From) <= 2*oneDay {
		name, expr, step = "1h", "toStartOfHour(bucket)", time.Hour
	}
	const sums = " sum(n) AS cnt, sumIf(n, sentiment = 'positive') AS p, sumIf(n, sentiment = 'negative') AS ng," +
		" sumIf(n, sentiment = 'neutral') AS neu"
	series, err := queryAs[counts](r.Context(), s, "SELECT "+expr+" AS t, brand,"+sums+" FROM ("+s.rollup(r.Context(), f, name == "1d")+
		") GROUP BY t, brand")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	before, err := queryAs[counts](r.Context(), s, "SELECT brand,"+sums+" FROM ("+s.rollup(r.Context(), cmp, true)+") GROUP BY brand")
	if err != nil {
		s.fail(w, r, err)
		return
	}

	var times []time.Time
	for t := f.From.UTC().Truncate(step); t.Before(f.To); t = t.Add(step) {
		times = append(times, t)
	}
	idx := make(map[string]int, len(f.Brands))
	for i, b := range f.Brands {
		idx[b] = i
	}
	// cells[brand][point], then the totals per point and per period.
	cells := make([][]counts, len(f.Brands))
	for i := range cells {
		cells[i] = make([]counts, len(times))
	}
	cur, prev := make([]counts, len(f.Brands)), make([]counts, len(f.Brands))
	pointTotal := make([]int64, len(times))
	var curTotal, prevTotal int64
	for _, x := range series {
		b, ok := idx[x.Brand]
		p, inRange := slices.BinarySearchFunc(times, x.T.UTC(), time.Time.Compare)
		if !ok || !inRange {
			continue
		}
		cells[b][p].add(x)
		cur[b].add(x)
		pointTotal[p] += int64(x.Cnt)
		curTotal += int64(x.Cnt)
	}
	for _, x := range before {
		if b, ok := idx[x.Brand]; ok {
			prev[b].add(x)
			prevTotal += int64(x.Cnt)
		}
	}

	out := Competitors{From: f.From, To: f.To, Compare: "previous", CompareFrom: cmp.From, CompareTo: cmp.To, Interval: name,
		Brands: make([]BrandBenchmark, len(f.Brands))}
	if q.Get("compare") == "year" {
		out.Compare = "year"
	}
	for i, b := range f.Brands {
		conf := s.cfg.Brands[known[b]]
		bb := BrandBenchmark{Brand: b, Own: conf.Own, Competitor: conf.Competitor, Current: cur[i].figures(curTotal),
			Comparison: prev[i].figures(prevTotal), Points: make([]BrandFigures, len(times))}
		bb.Change = FigureChange{Mentions: bb.Current.Mentions - bb.Comparison.Mentions,
			NetSentiment:  bb.Current.NetSentiment - bb.Comparison.NetSentiment,
			ShareOfVoice:  bb.Current.ShareOfVoice - bb.Comparison.ShareOfVoice,
			NegativeShare: bb.Current.NegativeShare - bb.Comparison.NegativeShare}
		if bb.Comparison.Mentions > 0 {
			pct := float64(bb.Change.Mentions) / float64(bb.Comparison.Mentions) * 100
			bb.Change.MentionsPercent = &pct
		}
		for p := range times {
			bb.Points[p] = cells[i][p].figures(pointTotal[p])
			bb.Points[p].T = &times[p]
		}
		out.Brands[i] = bb
	}
	api.WriteJSON(w, http.StatusOK, out)
}
