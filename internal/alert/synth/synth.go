// Package synth generates synthetic mention histories for the spike
// detector: daily and weekly seasonality, day-to-day level noise, quiet and
// busy brands, injected negative spikes of different size, length and
// speed, and volume-only surges that keep the negative share.
package synth

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/ewom/ewom/internal/alert"
)

// Brand is one simulated brand.
type Brand struct {
	Name     string
	PerDay   float64 // mean mentions a day
	NegShare float64 // usual share of negative mentions
}

// Spike adds negative mentions: the negative rate rises linearly from its
// usual level over Ramp, stays at Factor times the usual level for Length,
// and stops. Extra mentions are mostly in Stage.
type Spike struct {
	Brand  string
	Onset  time.Time
	Ramp   time.Duration
	Length time.Duration
	Factor float64
	Stage  string
}

// Reaches returns when the spike's rate first reaches f times the usual
// level (f <= Factor).
func (s Spike) Reaches(f float64) time.Time {
	if s.Ramp == 0 || s.Factor <= 1 {
		return s.Onset
	}
	return s.Onset.Add(time.Duration(float64(s.Ramp) * (f - 1) / (s.Factor - 1)))
}

// End is when the spike stops.
func (s Spike) End() time.Time { return s.Onset.Add(s.Ramp + s.Length) }

// Surge multiplies all of a brand's mentions, keeping the negative share.
type Surge struct {
	Brand  string
	Start  time.Time
	Length time.Duration
	Factor float64
}

// Config describes a history.
type Config struct {
	From, To time.Time
	Brands   []Brand
	Spikes   []Spike
	Surges   []Surge
	Seed     uint64
}

type weighted struct {
	name string
	w    float64
}

var (
	touchpoints = []weighted{{"earned", .6}, {"shared", .25}, {"owned", .1}, {"paid", .05}}
	sources     = []weighted{{"mastodon", .3}, {"reddit", .2}, {"rss", .2}, {"appstore", .15}, {"bluesky", .15}}
	stages      = []weighted{{"usage", .3}, {"none", .2}, {"purchase", .1}, {"delivery", .1}, {"service", .1},
		{"consideration", .08}, {"awareness", .07}, {"loyalty", .03}, {"churn", .02}}
)

func pick(r *rand.Rand, ws []weighted) string {
	u := r.Float64()
	for _, w := range ws {
		if u < w.w {
			return w.name
		}
		u -= w.w
	}
	return ws[len(ws)-1].name
}

// Profile is the seasonal rate multiplier at t: a daily cycle peaking in
// the afternoon at 1.6× and falling to 0.4× at night, and quieter weekends.
func Profile(t time.Time) float64 {
	h := float64(t.Hour()) + float64(t.Minute())/60
	p := 1 + 0.6*math.Sin(2*math.Pi*(h-9)/24)
	if wd := t.Weekday(); wd == time.Saturday || wd == time.Sunday {
		p *= 0.75
	}
	return p
}

// Poisson draws from a Poisson distribution (exact: sums of small-mean
// draws by multiplication of uniforms).
func Poisson(r *rand.Rand, mu float64) int {
	n := 0
	for mu > 0 {
		m := min(mu, 20)
		mu -= m
		l, p := math.Exp(-m), r.Float64()
		for p > l {
			n++
			p *= r.Float64()
		}
	}
	return n
}

// Generate emits the history as rollup rows, one per mention.
func Generate(cfg Config, emit func(alert.RollupRow)) {
	r := rand.New(rand.NewPCG(cfg.Seed, 0x5eed))
	for _, b := range cfg.Brands {
		dayLevel := 1.0
		for t := cfg.From.Truncate(alert.Bucket); t.Before(cfg.To); t = t.Add(alert.Bucket) {
			if t.Hour() == 0 && t.Minute() == 0 || t.Equal(cfg.From) {
				// Day-to-day level noise makes counts overdispersed, as real ones are.
				dayLevel = math.Exp(0.1*r.NormFloat64() - 0.005)
			}
			base := b.PerDay / 288 * Profile(t) * dayLevel
			surge, extra := 1.0, 0.0
			for _, s := range cfg.Surges {
				if s.Brand == b.Name && !t.Before(s.Start) && t.Before(s.Start.Add(s.Length)) {
					surge *= s.Factor
				}
			}
			stage := ""
			for _, s := range cfg.Spikes {
				if s.Brand != b.Name || t.Before(s.Onset) || !t.Before(s.End()) {
					continue
				}
				f := s.Factor
				if el := t.Sub(s.Onset) + alert.Bucket/2; el < s.Ramp {
					f = 1 + (s.Factor-1)*float64(el)/float64(s.Ramp)
				}
				extra += (f - 1) * base * b.NegShare
				stage = s.Stage
			}
			neg := Poisson(r, base*b.NegShare*surge)
			oth := Poisson(r, base*(1-b.NegShare)*surge)
			add := Poisson(r, extra)
			row := alert.RollupRow{Bucket: t, Brand: b.Name, Mentions: 1}
			for i := 0; i < neg+oth+add; i++ {
				row.Sentiment = "negative"
				if i >= neg && i < neg+oth {
					row.Sentiment = pick(r, []weighted{{"positive", .55}, {"neutral", .45}})
				}
				row.Touchpoint, row.Source, row.JourneyStage = pick(r, touchpoints), pick(r, sources), pick(r, stages)
				if i >= neg+oth && stage != "" && r.Float64() < 0.7 {
					row.JourneyStage = stage
				}
				emit(row)
			}
		}
	}
}
