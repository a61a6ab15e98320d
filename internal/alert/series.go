package alert

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/ewom/ewom/internal/config"
	"github.com/ewom/ewom/internal/store"
)

// RollupRow is one row of the five-minute rollup (mentions_5m).
type RollupRow struct {
	Bucket       time.Time
	Brand        string
	Source       string
	Touchpoint   string
	JourneyStage string
	Sentiment    string
	Mentions     uint64
}

// segmentValue returns the row's value for a segment kind.
func (r *RollupRow) segmentValue(kind string) string {
	switch kind {
	case "touchpoint":
		return r.Touchpoint
	case "source":
		return r.Source
	case "journey_stage":
		return r.JourneyStage
	}
	return ""
}

// Series holds five-minute counts per key over a time range as prefix sums,
// so any span's sum is two lookups. It implements Counts and Coverage for
// backtests.
type Series struct {
	start    int64 // Unix seconds of the first bucket
	n        int   // buckets
	segments []string
	idx      map[Key]int
	keys     []Key
	neg, tot [][]uint32 // per key: counts per bucket, prefix sums after Build
	all      []uint32   // every brand's mentions per bucket (coverage)
	built    bool
}

// NewSeries returns an empty series over [from, to) that counts brands
// and the given segment kinds.
func NewSeries(from, to time.Time, segments []string) *Series {
	from = from.Truncate(Bucket)
	n := int(to.Sub(from) / Bucket)
	return &Series{start: from.Unix(), n: n, segments: segments, idx: map[Key]int{}, all: make([]uint32, n+1)}
}

func (s *Series) bucket(t time.Time) (int, bool) {
	i := int((t.Unix() - s.start) / int64(Bucket/time.Second))
	return i, t.Unix() >= s.start && i < s.n
}

func (s *Series) add(k Key, i int, neg, tot uint32) {
	j, ok := s.idx[k]
	if !ok {
		j = len(s.keys)
		s.idx[k] = j
		s.keys = append(s.keys, k)
		s.neg = append(s.neg, make([]uint32, s.n+1))
		s.tot = append(s.tot, make([]uint32, s.n+1))
	}
	s.neg[j][i] += neg
	s.tot[j][i] += tot
}

// Add counts a rollup row into the brand's key and its segment keys.
func (s *Series) Add(r RollupRow) {
	i, ok := s.bucket(r.Bucket)
	if !ok || s.built {
		return
	}
	c := uint32(r.Mentions)
	var neg uint32
	if r.Sentiment == "negative" {
		neg = c
	}
	s.all[i] += c
	s.add(Key{r.Brand, KindAll, ""}, i, neg, c)
	for _, kind := range s.segments {
		s.add(Key{r.Brand, kind, r.segmentValue(kind)}, i, neg, c)
	}
}

// Build turns the counts into prefix sums; Add is ignored afterwards.
func (s *Series) Build() {
	if s.built {
		return
	}
	s.built = true
	prefix := func(xs []uint32) {
		var acc uint32
		for i, x := range xs {
			xs[i] = acc
			acc += x
		}
	}
	prefix(s.all)
	for j := range s.keys {
		prefix(s.neg[j])
		prefix(s.tot[j])
	}
}

// Keys returns the keys with any mentions.
func (s *Series) Keys() []Key { return s.keys }

func (s *Series) clamp(sp Span) (int, int) {
	step := int64(Bucket / time.Second)
	a := min(max(0, (sp.Start-s.start)/step), int64(s.n))
	b := min(max(0, (sp.End-s.start)/step), int64(s.n))
	return int(a), int(b)
}

// Sum implements Counts.
func (s *Series) Sum(k Key, sp Span) Count {
	j, ok := s.idx[k]
	if !ok {
		return Count{}
	}
	a, b := s.clamp(sp)
	return Count{Neg: float64(s.neg[j][b] - s.neg[j][a]), Total: float64(s.tot[j][b] - s.tot[j][a])}
}

// Covered implements Coverage: any mention of any brand in the span.
func (s *Series) Covered(sp Span) bool {
	a, b := s.clamp(sp)
	return s.all[b] > s.all[a]
}

// HistoryNeeded is how far before the first evaluation a backtest or
// cycle reads: the seasonal weeks plus the longest window twice (its
// neighbours) and a day for the recent level.
func HistoryNeeded(cfg config.NegativeSpike) time.Duration {
	return time.Duration(cfg.SeasonWeeks)*week + slices.Max(cfg.Windows)*2 + day
}

// LoadSeries reads the rollup for brands (all when empty) over [from, to).
func LoadSeries(ctx context.Context, st store.Store, brands []string, segments []string, from, to time.Time) (*Series, error) {
	s := NewSeries(from, to, segments)
	q := fmt.Sprintf("SELECT toUInt32(bucket) AS b, brand, source, touchpoint, journey_stage, sentiment, sum(mentions) AS m FROM %s"+
		" WHERE bucket >= %s AND bucket < %s", st.Table("mentions_5m"), store.Time(from), store.Time(to))
	if len(brands) > 0 {
		q += " AND brand IN " + store.QuoteList(brands)
	}
	q += " GROUP BY b, brand, source, touchpoint, journey_stage, sentiment"
	rows, err := st.Query(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("read rollup: %w", err)
	}
	var rs []struct {
		B                         int64
		Brand, Source, Touchpoint string
		JourneyStage              string `json:"journey_stage"`
		Sentiment                 string
		M                         uint64
	}
	if err := decodeRows(rows, &rs); err != nil {
		return nil, err
	}
	for _, r := range rs {
		s.Add(RollupRow{Bucket: time.Unix(r.B, 0).UTC(), Brand: r.Brand, Source: r.Source, Touchpoint: r.Touchpoint,
			JourneyStage: r.JourneyStage, Sentiment: r.Sentiment, Mentions: r.M})
	}
	s.Build()
	return s, nil
}

// Backtest replays [from, to) through a detector and engine at every step
// (aligned to Bucket) and passes each lifecycle event to emit.
func Backtest(d *Detector, e *Engine, s *Series, from, to time.Time, step time.Duration, emit func(Event)) {
	s.Build()
	results := map[Key][]Result{}
	for t := from.Truncate(Bucket); t.Before(to); t = t.Add(step) {
		plan := d.Plan(t, s)
		clear(results)
		for _, k := range s.keys {
			if rs := d.Evaluate(plan, k, s); len(rs) > 0 {
				results[k] = rs
			}
		}
		for _, ev := range e.Step(t, results) {
			emit(ev)
		}
	}
}
