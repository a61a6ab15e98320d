package digest

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/ewom/ewom/internal/alert"
	"github.com/ewom/ewom/internal/store"
)

// Report is what one digest says about one period.
type Report struct {
	Name     string
	Lang     string
	Loc      *time.Location
	Period   Period
	Brands   []Figures // the digest's brands, largest first
	Series   []Point   // volume by sentiment per local hour (daily) or day (weekly)
	Posts    []Post    // the most engaged negative posts
	Alerts   []AlertLine
	Topics   []Topic // emerging topics; empty without a TopicSource
	External string  // the address users reach ewom at ("" : no links)
}

// Figures are a brand's headline figures, for the period and the one before.
type Figures struct {
	Brand         string
	Mentions      [2]float64 // current, previous
	Net           [2]float64 // net sentiment, (positive − negative) / mentions × 100
	NegativeShare [2]float64 // negative / mentions × 100
	Voice         [2]float64 // share of voice among all brands, %
}

// Point is one bar of the volume chart.
type Point struct {
	T                           time.Time
	Positive, Neutral, Negative float64
}

// Post is a negative mention listed in the digest.
type Post struct {
	Brand, Source, URL, Title, Text string
	Published                       time.Time
	Engagement                      float64
}

// AlertLine is an alert of the period explained in the digest's language.
type AlertLine struct {
	Brand, Severity, Text string
	FiredAt               time.Time
}

// Topic is an emerging topic, from a TopicSource.
type Topic struct {
	Name     string
	Mentions int64
	Growth   float64 // the term's rate in the period over its baseline rate
	Path     string  // its mentions in the UI, under the external URL
}

// TopicSource finds the topics that grew in a period for some brands (the
// web UI's Topics view does); digests list none without it.
type TopicSource interface {
	Emerging(ctx context.Context, brands []string, from, to time.Time, limit int) ([]Topic, error)
}

// reader gathers a report from the store.
type reader struct {
	st     store.Store
	alerts *alert.Repo
	topics TopicSource
}

// f64 decodes a number ClickHouse may send as a string (64-bit integers).
type f64 float64

func (n *f64) UnmarshalJSON(b []byte) error {
	s := string(b)
	if len(s) > 1 && s[0] == '"' {
		s = s[1 : len(s)-1]
	}
	v, err := strconv.ParseFloat(s, 64)
	*n = f64(v)
	return err
}

func query[T any](ctx context.Context, st store.Store, q string) ([]T, error) {
	raw, err := st.Query(ctx, q)
	if err != nil {
		return nil, err
	}
	out := make([]T, len(raw))
	for i, r := range raw {
		if err := json.Unmarshal(r, &out[i]); err != nil {
			return nil, fmt.Errorf("decode row: %w", err)
		}
	}
	return out, nil
}

func pct(part, whole float64) float64 {
	if whole == 0 {
		return 0
	}
	return part / whole * 100
}

// report builds the digest's report over p for brands.
func (r reader) report(ctx context.Context, brands []string, p Period, loc *time.Location, lang string, topPosts int) (Report, error) {
	rep := Report{Period: p, Loc: loc, Lang: lang}
	prev := p.Previous()
	rollup := r.st.Table("mentions_5m")
	type fig struct {
		Brand       string
		Cur         f64
		N, Pos, Neg f64
	}
	figs, err := query[fig](ctx, r.st, "SELECT brand, toFloat64(bucket >= "+store.Time(p.Start)+") AS cur,"+
		" toFloat64(sum(mentions)) AS n, toFloat64(sumIf(mentions, sentiment = 'positive')) AS pos,"+
		" toFloat64(sumIf(mentions, sentiment = 'negative')) AS neg FROM "+rollup+
		" WHERE bucket >= "+store.Time(prev.Start)+" AND bucket < "+store.Time(p.End)+" AND brand != ''"+
		" GROUP BY brand, cur")
	if err != nil {
		return rep, fmt.Errorf("figures: %w", err)
	}
	var total [2]float64
	by := map[string]*Figures{}
	for _, b := range brands {
		by[b] = &Figures{Brand: b}
	}
	for _, f := range figs {
		i := 1 - int(f.Cur) // 0 current, 1 previous
		total[i] += float64(f.N)
		if x := by[f.Brand]; x != nil {
			x.Mentions[i] = float64(f.N)
			x.Net[i] = pct(float64(f.Pos-f.Neg), float64(f.N))
			x.NegativeShare[i] = pct(float64(f.Neg), float64(f.N))
		}
	}
	for _, b := range brands {
		x := by[b]
		for i := range 2 {
			x.Voice[i] = pct(x.Mentions[i], total[i])
		}
		rep.Brands = append(rep.Brands, *x)
	}
	slices.SortStableFunc(rep.Brands, func(a, b Figures) int { return int(b.Mentions[0] - a.Mentions[0]) })

	inBrands := " AND brand IN " + store.QuoteList(brands)
	type bucket struct {
		T         f64
		Sentiment string
		N         f64
	}
	buckets, err := query[bucket](ctx, r.st, "SELECT toFloat64(toUnixTimestamp(bucket)) AS t, sentiment, toFloat64(sum(mentions)) AS n FROM "+rollup+
		" WHERE bucket >= "+store.Time(p.Start)+" AND bucket < "+store.Time(p.End)+inBrands+" GROUP BY t, sentiment")
	if err != nil {
		return rep, fmt.Errorf("volume: %w", err)
	}
	rep.Series = series(p, loc, buckets, func(b bucket) (time.Time, string, float64) {
		return time.Unix(int64(b.T), 0), b.Sentiment, float64(b.N)
	})

	if topPosts > 0 {
		type post struct {
			Brand, Source, URL, Title, Text string
			T, Eng                          f64
		}
		posts, err := query[post](ctx, r.st, "SELECT any(brand) AS brand, any(src) AS source, any(u) AS url, any(ti) AS title, any(tx) AS text,"+
			" toFloat64(toUnixTimestamp(any(pub))) AS t, toFloat64(max(e)) AS eng FROM (SELECT mention_id, brand, any(source) AS src, any(url) AS u,"+
			" any(title) AS ti, any(text) AS tx, any(published_at) AS pub, max(likes + reposts + replies) AS e, argMax(sentiment, version) AS s FROM "+
			r.st.Table("mentions")+" WHERE published_at >= "+store.Time(p.Start)+" AND published_at < "+store.Time(p.End)+inBrands+
			" GROUP BY mention_id, brand) WHERE s = 'negative' GROUP BY mention_id ORDER BY eng DESC, t DESC LIMIT "+strconv.Itoa(topPosts))
		if err != nil {
			return rep, fmt.Errorf("negative posts: %w", err)
		}
		for _, x := range posts {
			rep.Posts = append(rep.Posts, Post{Brand: x.Brand, Source: x.Source, URL: x.URL, Title: x.Title, Text: x.Text,
				Published: time.Unix(int64(x.T), 0).In(loc), Engagement: float64(x.Eng)})
		}
	}

	alerts, err := r.alerts.List(ctx, alert.Filter{From: p.Start, To: p.End})
	if err != nil {
		return rep, fmt.Errorf("alerts: %w", err)
	}
	for _, a := range alerts {
		if slices.Contains(brands, a.Brand) {
			rep.Alerts = append(rep.Alerts, AlertLine{Brand: a.Brand, Severity: a.Severity, Text: alert.Plain(&a, lang), FiredAt: a.FiredAt.In(loc)})
		}
	}
	slices.SortFunc(rep.Alerts, func(a, b AlertLine) int { return a.FiredAt.Compare(b.FiredAt) })

	if r.topics != nil {
		if rep.Topics, err = r.topics.Emerging(ctx, brands, p.Start, p.End, 5); err != nil {
			return rep, fmt.Errorf("emerging topics: %w", err)
		}
	}
	return rep, nil
}

// series bins rollup buckets into the chart's bars: local hours of a day,
// or local days of a week.
func series[T any](p Period, loc *time.Location, rows []T, get func(T) (time.Time, string, float64)) []Point {
	var starts []time.Time
	weekly := p.End.Sub(p.Start) > 48*time.Hour
	for t := p.Start; t.Before(p.End); {
		starts = append(starts, t)
		if weekly {
			t = t.AddDate(0, 0, 1)
		} else {
			t = t.Add(time.Hour)
		}
	}
	out := make([]Point, len(starts))
	for i, s := range starts {
		out[i].T = s.In(loc)
	}
	for _, r := range rows {
		t, sent, n := get(r)
		i, found := slices.BinarySearchFunc(starts, t, func(s, t time.Time) int { return s.Compare(t) })
		if !found {
			i--
		}
		if i < 0 || i >= len(out) {
			continue
		}
		switch sent {
		case "positive":
			out[i].Positive += n
		case "negative":
			out[i].Negative += n
		default:
			out[i].Neutral += n
		}
	}
	return out
}
