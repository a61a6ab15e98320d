// Package alert detects negative-eWOM spikes per brand and segment from the
// store's five-minute rollup, keeps the alert lifecycle in ClickHouse,
// explains and delivers alerts, and serves them over HTTP.
package alert

import (
	"math"
	"slices"
	"time"

	"github.com/ewom/ewom/internal/alert/stats"
	"github.com/ewom/ewom/internal/config"
)

// Bucket is the rollup's resolution; windows and evaluation times align to it.
const Bucket = 5 * time.Minute

const (
	day  = 24 * time.Hour
	week = 7 * day
	// levelPrior is the pseudo-count that shrinks the recent-level factor
	// towards 1 when counts are small.
	levelPrior = 5
	// coverSpan is the least width checked for data when telling a gap
	// (no data at all) from a quiet period.
	coverSpan = 6 * time.Hour
)

// KindAll is the segment kind of a whole brand; KindQuery that of a
// watched search query (alerts.negative_spike.queries), whose value is the
// query's name.
const (
	KindAll   = "all"
	KindQuery = "query"
)

// Key identifies one detector series: a brand, or one segment of it.
type Key struct {
	Brand string `json:"brand"`
	Kind  string `json:"segment_kind"`  // all, touchpoint, source, journey_stage
	Value string `json:"segment_value"` // "" for all
}

func (k Key) String() string {
	if k.Kind == KindAll {
		return k.Brand
	}
	return k.Brand + "/" + k.Kind + "=" + k.Value
}

// Count is how many negative mentions, and mentions in all, a span holds.
type Count struct{ Neg, Total float64 }

// Span is a half-open time range [Start, End) in Unix seconds.
type Span struct{ Start, End int64 }

func spanOf(start time.Time, d time.Duration) Span {
	return Span{start.Unix(), start.Add(d).Unix()}
}

func (s Span) shift(d time.Duration) Span {
	o := int64(d / time.Second)
	return Span{s.Start + o, s.End + o}
}

// Counts is where the detector reads sums from: SQL over the rollup in
// the service, in-memory series in backtests.
type Counts interface {
	// Sum returns the counts of key k in span s; s is one of the spans
	// the plan asked for.
	Sum(k Key, s Span) Count
}

// Coverage tells whether any mention at all was stored around a span, to
// tell a gap in collection (skipped) from a quiet period (zero).
type Coverage interface {
	Covered(s Span) bool
}

// windowPlan lists the spans one window's evaluation at a time reads.
type windowPlan struct {
	window  time.Duration
	cur     Span
	samples []Span // same time of week (or day, at cold start) in the past
	levelR  Span   // the day before the window
	levelS  []Span // levelR at the samples' offsets
	daily   bool   // samples are past days, not weeks (short history)
}

// Plan is every span one evaluation at time At needs.
type Plan struct {
	At      time.Time
	windows []windowPlan
}

// Spans returns the distinct spans of the plan.
func (p *Plan) Spans() []Span {
	seen := map[Span]bool{}
	var out []Span
	add := func(s Span) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for _, w := range p.windows {
		add(w.cur)
		add(w.levelR)
		for _, s := range w.samples {
			add(s)
		}
		for _, s := range w.levelS {
			add(s)
		}
	}
	return out
}

// Detector evaluates the negative-spike tests.
type Detector struct {
	cfg config.NegativeSpike
}

// NewDetector returns a detector with the given tuning.
func NewDetector(cfg config.NegativeSpike) *Detector { return &Detector{cfg: cfg} }

// Plan chooses the baseline spans for an evaluation at t (aligned to
// Bucket): the same hour of week over the past SeasonWeeks weeks where data
// exists (with the neighbouring windows for short windows), or, with less
// than two weeks of history, the same time on the past six days. A window
// with no usable history gets no samples and is not evaluated (cold start).
func (d *Detector) Plan(t time.Time, cov Coverage) *Plan {
	p := &Plan{At: t}
	covered := func(s Span) bool {
		if pad := (int64(coverSpan/time.Second) - (s.End - s.Start)) / 2; pad > 0 {
			s = Span{s.Start - pad, s.End + pad}
		}
		return cov.Covered(s)
	}
	for _, w := range d.cfg.Windows {
		wp := windowPlan{window: w, cur: spanOf(t.Add(-w), w)}
		wp.levelR = wp.cur.shift(-day)
		offsets := []time.Duration{0}
		if w <= time.Hour {
			offsets = []time.Duration{-w, 0, w}
		}
		collect := func(step time.Duration, n int) {
			wp.samples, wp.levelS = wp.samples[:0], wp.levelS[:0]
			for k := 1; k <= n; k++ {
				base := wp.cur.shift(-time.Duration(k) * step)
				if !covered(base) {
					continue
				}
				for _, o := range offsets {
					if s := base.shift(o); covered(s) {
						wp.samples = append(wp.samples, s)
					}
				}
				if s := wp.levelR.shift(-time.Duration(k) * step); covered(s) {
					wp.levelS = append(wp.levelS, s)
				}
			}
		}
		collect(week, d.cfg.SeasonWeeks)
		if len(wp.levelS) < 2 && w < week {
			wp.daily = true
			collect(day, 6)
		}
		if !covered(wp.levelR) {
			wp.levelR = Span{}
		}
		p.windows = append(p.windows, wp)
	}
	return p
}

// Result is one window's evaluation for one key.
type Result struct {
	Key      Key           `json:"key"`
	Window   time.Duration `json:"-"`
	Observed float64       `json:"observed"`
	Total    float64       `json:"total"`
	Expected float64       `json:"expected"`
	Ratio    float64       `json:"ratio"`
	// P is the count test's p-value (negative binomial tail, or the normal
	// tail of the robust z-score for large counts).
	P      float64 `json:"p_value"`
	Z      float64 `json:"z,omitempty"`
	Method string  `json:"method"` // negative_binomial or robust_z
	// Share is the negative share in the window; ExpectedShare the baseline
	// share; ShareP the binomial test's p-value for the rise.
	Share         float64 `json:"share"`
	ExpectedShare float64 `json:"expected_share"`
	ShareP        float64 `json:"share_p_value"`
	Baseline      string  `json:"baseline"` // weekly or daily
	Samples       int     `json:"samples"`
	Spike         bool    `json:"spike"`
	Strong        bool    `json:"-"`
}

// Score is -log10 of the count test's p-value.
func (r *Result) Score() float64 { return stats.Log10P(r.P) }

// Evaluate runs every window's tests for key k. It returns nil when no
// window has at least MinCount negative mentions (nothing to test).
func (d *Detector) Evaluate(p *Plan, k Key, c Counts) []Result {
	var out []Result
	for i := range p.windows {
		wp := &p.windows[i]
		cur := c.Sum(k, wp.cur)
		if cur.Neg < float64(d.cfg.MinCount) || len(wp.samples) == 0 {
			continue
		}
		out = append(out, d.evaluate(wp, k, cur, c))
	}
	return out
}

func (d *Detector) evaluate(wp *windowPlan, k Key, cur Count, c Counts) Result {
	cfg := &d.cfg
	r := Result{Key: k, Window: wp.window, Observed: cur.Neg, Total: cur.Total, Baseline: "weekly", Samples: len(wp.samples)}
	cvFloor := cfg.Dispersion
	if wp.daily {
		r.Baseline = "daily"
		cvFloor = math.Max(cvFloor, 0.3) // weekdays differ from weekends
	}
	neg := make([]float64, len(wp.samples))
	var shareNeg, shareTot float64
	for i, s := range wp.samples {
		sc := c.Sum(k, s)
		neg[i] = sc.Neg
		shareNeg += sc.Neg
		shareTot += sc.Total
	}
	// Recent level: the day before the window against the same day in the
	// sampled weeks, shrunk towards 1 and clamped.
	level := 1.0
	if wp.levelR != (Span{}) && len(wp.levelS) > 0 {
		rc := c.Sum(k, wp.levelR)
		var sNeg float64
		for _, s := range wp.levelS {
			sNeg += c.Sum(k, s).Neg
		}
		sNeg /= float64(len(wp.levelS))
		// Half the observed change, within [2/3, 3/2]: one day's level is
		// noisy, and a wrong level misplaces every window's baseline.
		level = min(1.5, max(2.0/3, 1+0.5*((rc.Neg+levelPrior)/(sNeg+levelPrior)-1)))
		shareNeg += rc.Neg
		shareTot += rc.Total
	}
	n := float64(len(neg))
	mu0 := stats.TrimmedMean(neg)
	mad := stats.MAD(neg)
	// Extra-Poisson variation seen in the samples, as a coefficient of variation.
	cv := cvFloor
	if mu0 > 0 {
		cv = min(1, max(cv, math.Sqrt(max(0, mad*mad-mu0))/mu0))
	}
	mu := (mu0 + 0.5/n) * level
	variance := mu + mu/n + cv*cv*mu*mu
	r.Expected = mu
	r.Ratio = r.Observed / mu
	if mu >= cfg.LargeCount {
		r.Method = "robust_z"
		r.Z = (r.Observed - mu) / math.Sqrt(variance)
		r.P = stats.NormalSF(r.Z)
	} else {
		r.Method = "negative_binomial"
		r.P = stats.NegBinomSF(int(math.Round(r.Observed)), mu, variance)
	}
	// Negative share: has it risen, or did all volume just grow?
	r.ExpectedShare = (shareNeg + 1) / (shareTot + 2)
	if cur.Total > 0 {
		r.Share = cur.Neg / cur.Total
	}
	r.ShareP = stats.BinomSF(int(math.Round(cur.Neg)), int(math.Round(cur.Total)), r.ExpectedShare)
	alpha, strong := cfg.Alpha, cfg.StrongAlpha
	// Segments are many values each; a query is one chosen series, tested
	// as a brand is.
	if k.Kind != KindAll && k.Kind != KindQuery {
		alpha, strong = cfg.SegmentAlpha, cfg.StrongAlpha*cfg.SegmentAlpha/cfg.Alpha
	}
	r.Spike = r.Observed >= float64(cfg.MinCount) && r.Ratio >= cfg.MinRatio && r.P <= alpha &&
		r.ShareP <= cfg.ShareAlpha && r.Share >= cfg.MinShareRatio*r.ExpectedShare
	r.Strong = r.Spike && r.P <= strong
	return r
}

// strongest returns the spiking result with the smallest p-value, or the
// result with the smallest p-value when none spikes (nil for none).
func strongest(rs []Result) *Result {
	var best *Result
	for i := range rs {
		r := &rs[i]
		if best == nil || (r.Spike && !best.Spike) || (r.Spike == best.Spike && r.P < best.P) {
			best = r
		}
	}
	return best
}

// severity returns the first configured severity whose limits r meets.
func severity(levels []config.Severity, r *Result) string {
	for _, s := range levels {
		if r.Ratio >= s.MinRatio && r.P <= s.MaxP {
			return s.Name
		}
	}
	return levels[len(levels)-1].Name
}

// severityRank orders severities: 0 is the most severe.
func severityRank(levels []config.Severity, name string) int {
	return slices.IndexFunc(levels, func(s config.Severity) bool { return s.Name == name })
}
