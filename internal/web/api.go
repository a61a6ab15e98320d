package web

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ewom/ewom/internal/api"
	"github.com/ewom/ewom/internal/mention"
)

// queryTimeout bounds every dashboard query; a slow store must not pile up
// requests behind a refreshing browser.
const queryTimeout = 20 * time.Second

func queryAs[T any](ctx context.Context, s *Server, q string) ([]T, error) {
	ctx, cancel := context.WithTimeout(ctx, queryTimeout)
	defer cancel()
	rows, err := s.store.Query(ctx, q)
	if err != nil {
		return nil, err
	}
	return decodeRows[T](rows)
}

// BrandInfo is a configured brand.
type BrandInfo struct {
	Name       string `json:"name"`
	Competitor bool   `json:"competitor"`
	Own        bool   `json:"own"` // the deployment's own brand (config own: true)
}

// Meta describes what the filters can take and who is asking.
type Meta struct {
	Brands            []BrandInfo `json:"brands"`
	Sources           []string    `json:"sources"`
	Langs             []string    `json:"langs"`
	Touchpoints       []string    `json:"touchpoints"`
	JourneyStages     []string    `json:"journey_stages"`
	Sentiments        []string    `json:"sentiments"`
	Ranges            []string    `json:"ranges"`
	User              string      `json:"user"`
	Role              string      `json:"role"`
	ClassifierVersion string      `json:"classifier_version"`
	Engine            string      `json:"engine"`
}

func (s *Server) handleMeta(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r.Context())
	m := Meta{Brands: []BrandInfo{}, Touchpoints: mention.Touchpoints, JourneyStages: mention.JourneyStages,
		Sentiments: sentiments, Ranges: []string{"24h", "7d", "30d", "90d", "365d"}, User: p.user, Role: p.role,
		Engine: s.store.Info().Engine + " " + s.store.Info().Version}
	for _, b := range s.cfg.Brands {
		m.Brands = append(m.Brands, BrandInfo{Name: b.Name, Competitor: b.Competitor, Own: b.Own})
	}
	if s.classifier != nil {
		m.ClassifierVersion = s.classifier.Version()
	}
	var err error
	if m.Sources, m.Langs, err = s.filterValues(r.Context()); err != nil {
		s.fail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, m)
}

// filterValues returns the sources and languages seen in the last year,
// cached for a minute: every page load asks, and they rarely change.
func (s *Server) filterValues(ctx context.Context) (sources, langs []string, err error) {
	s.valuesMu.Lock()
	defer s.valuesMu.Unlock()
	if s.now().Sub(s.valuesAt) < time.Minute {
		return s.sources, s.langs, nil
	}
	year := Filter{From: s.now().Add(-365 * 24 * time.Hour), To: s.now().Add(time.Hour)}
	read := func(col string) ([]string, error) {
		rows, err := queryAs[struct{ V string }](ctx, s, "SELECT DISTINCT "+col+" AS v FROM ("+s.rollupRows(ctx, year, true)+
			") ORDER BY v LIMIT 200")
		out := make([]string, 0, len(rows))
		for _, r := range rows {
			out = append(out, r.V)
		}
		return out, err
	}
	if sources, err = read("source"); err != nil {
		return nil, nil, err
	}
	if langs, err = read("lang"); err != nil {
		return nil, nil, err
	}
	s.sources, s.langs, s.valuesAt = sources, langs, s.now()
	return sources, langs, nil
}

// Summary is the headline numbers of a period and the one before it.
type Summary struct {
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	Current  Totals    `json:"current"`
	Previous Totals    `json:"previous"`
	// The period compared with (compare=previous, the default, or year).
	PreviousFrom time.Time `json:"previous_from"`
	PreviousTo   time.Time `json:"previous_to"`
}

// Totals are mention counts and derived figures over a period.
type Totals struct {
	Mentions   int64 `json:"mentions"`
	Positive   int64 `json:"positive"`
	Neutral    int64 `json:"neutral"`
	Negative   int64 `json:"negative"`
	Reach      int64 `json:"reach"`
	Engagement int64 `json:"engagement"`
	// NetSentiment is (positive − negative) / mentions × 100, −100…100.
	NetSentiment float64 `json:"net_sentiment"`
}

func netSentiment(pos, neg, total int64) float64 {
	if total == 0 {
		return 0
	}
	return float64(pos-neg) / float64(total) * 100
}

func (s *Server) handleSummary(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f, err := parseFilter(q, s.now())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	compare, err := parseCompare(q.Get("compare"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	c := f.comparison(compare)
	type row struct {
		Cur, Pos, Neu, Neg, Rch, Eng, Prev, PPos, PNeu, PNeg, PReach, PEng num
	}
	// Both periods in one query, each row tagged with its period.
	rows, err := queryAs[row](r.Context(), s, "SELECT sumIf(n, period = 1) AS cur, sumIf(n, period = 1 AND sentiment = 'positive') AS pos,"+
		" sumIf(n, period = 1 AND sentiment = 'neutral') AS neu, sumIf(n, period = 1 AND sentiment = 'negative') AS neg,"+
		" sumIf(reach, period = 1) AS rch, sumIf(engagement, period = 1) AS eng,"+
		" sumIf(n, period = 0) AS prev, sumIf(n, period = 0 AND sentiment = 'positive') AS ppos,"+
		" sumIf(n, period = 0 AND sentiment = 'neutral') AS pneu, sumIf(n, period = 0 AND sentiment = 'negative') AS pneg,"+
		" sumIf(reach, period = 0) AS preach, sumIf(engagement, period = 0) AS peng FROM (SELECT toUInt8(1) AS period, n, sentiment, reach, engagement FROM ("+
		s.rollup(r.Context(), f, true)+") UNION ALL SELECT toUInt8(0) AS period, n, sentiment, reach, engagement FROM ("+s.rollup(r.Context(), c, true)+"))")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := Summary{From: f.From, To: f.To, PreviousFrom: c.From, PreviousTo: c.To}
	if len(rows) == 1 {
		x := rows[0]
		out.Current = Totals{Mentions: int64(x.Cur), Positive: int64(x.Pos), Neutral: int64(x.Neu), Negative: int64(x.Neg),
			Reach: int64(x.Rch), Engagement: int64(x.Eng), NetSentiment: netSentiment(int64(x.Pos), int64(x.Neg), int64(x.Cur))}
		out.Previous = Totals{Mentions: int64(x.Prev), Positive: int64(x.PPos), Neutral: int64(x.PNeu), Negative: int64(x.PNeg),
			Reach: int64(x.PReach), Engagement: int64(x.PEng), NetSentiment: netSentiment(int64(x.PPos), int64(x.PNeg), int64(x.Prev))}
	}
	api.WriteJSON(w, http.StatusOK, out)
}

// Timeseries is mention volume by sentiment per time bucket.
type Timeseries struct {
	Interval string        `json:"interval"` // 5m, 1h, 1d or 1w
	From     time.Time     `json:"from"`
	To       time.Time     `json:"to"`
	Smooth   int           `json:"smooth,omitempty"` // net_smoothed's width in buckets
	Points   []SeriesPoint `json:"points"`
	// With compare: the comparison period and its series, bucket by bucket.
	PreviousFrom *time.Time    `json:"previous_from,omitempty"`
	PreviousTo   *time.Time    `json:"previous_to,omitempty"`
	Previous     []SeriesPoint `json:"previous,omitempty"`
}

// SeriesPoint is one bucket; buckets without mentions are included as zeros.
type SeriesPoint struct {
	T            time.Time `json:"t"`
	Mentions     int64     `json:"mentions"`
	Positive     int64     `json:"positive"`
	Neutral      int64     `json:"neutral"`
	Negative     int64     `json:"negative"`
	NetSentiment float64   `json:"net_sentiment"`
	// NetSmoothed is the moving average of net sentiment (smooth=N), null
	// where its buckets hold no mentions.
	NetSmoothed *float64 `json:"net_smoothed,omitempty"`
}

func (s *Server) handleTimeseries(w http.ResponseWriter, r *http.Request) {
	f, err := parseFilter(r.URL.Query(), s.now())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p, err := parseSeries(r.URL.Query(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := Timeseries{Interval: p.interval, From: f.From, To: f.To}
	if out.Points, err = s.series(r.Context(), f, p); err != nil {
		s.fail(w, r, err)
		return
	}
	if p.compare != "" && p.compare != "none" {
		c := f.comparison(p.compare)
		out.PreviousFrom, out.PreviousTo = &c.From, &c.To
		if out.Previous, err = s.series(r.Context(), c, p); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if p.smooth > 1 {
		out.Smooth = p.smooth
		smoothNet(out.Points, p.smooth)
		smoothNet(out.Previous, p.smooth)
	}
	api.WriteJSON(w, http.StatusOK, out)
}

// series reads f's volume by sentiment in p's buckets, empty ones as zeros.
func (s *Server) series(ctx context.Context, f Filter, p seriesParams) ([]SeriesPoint, error) {
	iv := intervals[p.interval]
	type row struct {
		T               time.Time
		Cnt, P, Neu, Ng num
	}
	rows, err := queryAs[row](ctx, s, "SELECT "+iv.expr+" AS t, sum(n) AS cnt, sumIf(n, sentiment = 'positive') AS p,"+
		" sumIf(n, sentiment = 'neutral') AS neu, sumIf(n, sentiment = 'negative') AS ng FROM ("+
		s.rollup(ctx, f, iv.step >= 24*time.Hour)+") GROUP BY t ORDER BY t")
	if err != nil {
		return nil, err
	}
	byT := make(map[time.Time]row, len(rows))
	for _, x := range rows {
		byT[x.T.UTC()] = x
	}
	pts := []SeriesPoint{}
	for t := f.From.UTC().Truncate(iv.step); t.Before(f.To); t = t.Add(iv.step) {
		x := byT[t]
		pts = append(pts, SeriesPoint{T: t, Mentions: int64(x.Cnt), Positive: int64(x.P), Neutral: int64(x.Neu),
			Negative: int64(x.Ng), NetSentiment: netSentiment(int64(x.P), int64(x.Ng), int64(x.Cnt))})
	}
	return pts, nil
}

// Breakdown counts mentions by one or two dimensions.
type Breakdown struct {
	From time.Time       `json:"from"` // the period read, for drill-down
	To   time.Time       `json:"to"`
	By   string          `json:"by"`
	By2  string          `json:"by2,omitempty"`
	Rows []BreakdownCell `json:"rows"`
}

// BreakdownCell is one group.
type BreakdownCell struct {
	Key      string `json:"key"`
	Key2     string `json:"key2,omitempty"`
	Mentions int64  `json:"mentions"`
	Negative int64  `json:"negative"`
	Reach    int64  `json:"reach"`
}

var dimensions = []string{"brand", "source", "lang", "touchpoint", "journey_stage", "sentiment"}

func (s *Server) handleBreakdown(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f, err := parseFilter(q, s.now())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	by, by2 := q.Get("by"), q.Get("by2")
	if !slices.Contains(dimensions, by) || (by2 != "" && (!slices.Contains(dimensions, by2) || by2 == by)) {
		writeError(w, http.StatusBadRequest, "by (and optional by2, different) must be one of "+strings.Join(dimensions, ", "))
		return
	}
	key2 := "''"
	if by2 != "" {
		key2 = by2
	}
	type row struct {
		Key, Key2   string
		Cnt, Neg, R num
	}
	rows, err := queryAs[row](r.Context(), s, "SELECT "+by+" AS key, "+key2+" AS key2, sum(n) AS cnt,"+
		" sumIf(n, sentiment = 'negative') AS neg, sum(reach) AS r FROM ("+s.rollup(r.Context(), f, true)+") GROUP BY key, key2"+
		" HAVING cnt > 0 ORDER BY cnt DESC, key, key2 LIMIT 500")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := Breakdown{From: f.From, To: f.To, By: by, By2: by2, Rows: make([]BreakdownCell, 0, len(rows))}
	for _, x := range rows {
		out.Rows = append(out.Rows, BreakdownCell{Key: x.Key, Key2: x.Key2, Mentions: int64(x.Cnt), Negative: int64(x.Neg), Reach: int64(x.R)})
	}
	api.WriteJSON(w, http.StatusOK, out)
}

// intParam reads a bounded integer parameter.
func intParam(r *http.Request, key string, def, lo, hi int) (int, error) {
	v := r.URL.Query().Get(key)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, badf("%s: want a whole number in %d..%d", key, lo, hi)
	}
	return n, nil
}
