package alert_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/ewom/ewom/internal/alert"
	"github.com/ewom/ewom/internal/alert/synth"
	"github.com/ewom/ewom/internal/config"
)

var (
	synthEpoch = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC) // a Monday
	evalFrom   = synthEpoch.Add(30 * 24 * time.Hour)         // four weeks and two days of history first
	evalTo     = evalFrom.Add(30 * 24 * time.Hour)
)

func synthBrands() (busy, medium, quiet []synth.Brand) {
	for i := range 6 {
		busy = append(busy, synth.Brand{Name: fmt.Sprintf("busy%d", i), PerDay: 5000 + 2000*float64(i), NegShare: 0.15 + 0.02*float64(i)})
		medium = append(medium, synth.Brand{Name: fmt.Sprintf("medium%d", i), PerDay: 200 + 160*float64(i), NegShare: 0.2})
	}
	for i := range 8 {
		quiet = append(quiet, synth.Brand{Name: fmt.Sprintf("quiet%d", i), PerDay: 3 + 2*float64(i), NegShare: 0.25})
	}
	return
}

func detectorConfig() config.NegativeSpike {
	cfg, err := config.Load("")
	if err != nil {
		panic(err)
	}
	return cfg.Alerts.NegativeSpike
}

// runSynth generates a history and backtests the evaluation month.
func runSynth(t *testing.T, c synth.Config) []alert.Event {
	t.Helper()
	cfg := detectorConfig()
	s := alert.NewSeries(c.From, c.To, cfg.Segments)
	synth.Generate(c, s.Add)
	var events []alert.Event
	alert.Backtest(alert.NewDetector(cfg), alert.NewEngine(cfg), s, evalFrom, evalTo, cfg.Interval, func(e alert.Event) {
		events = append(events, e)
	})
	return events
}

func TestSynthQuietAndSurges(t *testing.T) {
	busy, medium, quiet := synthBrands()
	brands := slices.Concat(busy, medium, quiet)
	r := rand.New(rand.NewPCG(7, 7))
	var surges []synth.Surge
	for _, b := range brands {
		for i := range 2 {
			start := evalFrom.Add(time.Duration(3+12*i)*24*time.Hour + time.Duration(r.IntN(24))*time.Hour)
			surges = append(surges, synth.Surge{Brand: b.Name, Start: start, Length: time.Duration(1+r.IntN(3)) * time.Hour, Factor: 3})
		}
	}
	events := runSynth(t, synth.Config{From: synthEpoch, To: evalTo, Brands: brands, Surges: surges, Seed: 1})
	perBrand := map[string]int{}
	for _, e := range events {
		if e.Type != alert.EventFiring {
			continue
		}
		perBrand[e.Alert.Brand]++
		t.Logf("false alarm: %s %s at %s ratio %.1f p %.2g share %.2f/%.2f window %s", e.Alert.Brand, e.Alert.Segment(),
			e.Alert.FiredAt.Format(time.RFC3339), e.Alert.Ratio, e.Alert.PValue, e.Alert.Share, e.Alert.ExpectedShare, e.Alert.Window)
		for _, s := range surges {
			if s.Brand == e.Alert.Brand && e.Alert.FiredAt.After(s.Start) && e.Alert.FiredAt.Before(s.Start.Add(s.Length+time.Hour)) {
				t.Errorf("alert during a volume-only surge of %s at %s", s.Brand, s.Start)
			}
		}
	}
	total, worst := 0, 0
	for _, n := range perBrand {
		total += n
		worst = max(worst, n)
	}
	rate := float64(total) / float64(len(brands))
	t.Logf("false alarms: %d over %d brands × 30 days = %.2f per brand per 30 days (worst brand %d); %d volume surges",
		total, len(brands), rate, worst, len(surges))
	if rate > 1 {
		t.Errorf("%.2f false alarms per brand per 30 days, want ≤ 1", rate)
	}
}

func TestSynthSpikes(t *testing.T) {
	busy, medium, quiet := synthBrands()
	brands := slices.Concat(busy, medium, quiet)
	r := rand.New(rand.NewPCG(11, 3))
	factors := []float64{3, 4, 6}
	lengths := []time.Duration{30 * time.Minute, time.Hour, 2 * time.Hour, 4 * time.Hour}
	ramps := []time.Duration{0, 0, 15 * time.Minute}
	var spikes []synth.Spike
	for _, group := range [][]synth.Brand{busy, medium} {
		for _, b := range group {
			for i := range 8 {
				onset := evalFrom.Add(time.Duration(i)*90*time.Hour + time.Duration(12+r.IntN(60))*time.Hour +
					time.Duration(r.IntN(12))*alert.Bucket)
				spikes = append(spikes, synth.Spike{Brand: b.Name, Onset: onset, Factor: factors[r.IntN(len(factors))],
					Length: lengths[r.IntN(len(lengths))], Ramp: ramps[r.IntN(len(ramps))], Stage: "delivery"})
			}
		}
	}
	events := runSynth(t, synth.Config{From: synthEpoch, To: evalTo, Brands: brands, Spikes: spikes, Seed: 2})
	type tally struct{ n, detected, within15, large, largeDetected int }
	var busyT, mediumT tally
	negShare := map[string]float64{}
	perDay := map[string]float64{}
	for _, b := range brands {
		negShare[b.Name], perDay[b.Name] = b.NegShare, b.PerDay
	}
	var delays []time.Duration
	matched := map[int]bool{}
	for _, s := range spikes {
		start := s.Reaches(3)
		var hit *alert.Alert
		for i, e := range events {
			if e.Type == alert.EventFiring && e.Alert.Brand == s.Brand && !e.Alert.FiredAt.Before(s.Onset) &&
				e.Alert.FiredAt.Before(s.End().Add(time.Hour)) {
				matched[i] = true
				if hit == nil {
					hit = &events[i].Alert
				}
			}
		}
		tl := &mediumT
		if s.Brand[:4] == "busy" {
			tl = &busyT
		}
		tl.n++
		// Extra negative mentions the spike adds: medium brands are only
		// held to spikes big enough to tell from noise.
		excess := (s.Factor - 1) * perDay[s.Brand] / 288 * negShare[s.Brand] * synth.Profile(s.Onset) * float64(s.Length/alert.Bucket)
		large := excess >= 20
		if large {
			tl.large++
		}
		if hit == nil {
			t.Logf("missed %s ×%.0f %s ramp %s at %s, excess %.0f", s.Brand, s.Factor, s.Length, s.Ramp, s.Onset.Format(time.RFC3339), excess)
			continue
		}
		tl.detected++
		if large {
			tl.largeDetected++
		}
		d := hit.FiredAt.Sub(start)
		if d <= 15*time.Minute {
			tl.within15++
		} else if tl == &busyT {
			t.Logf("late %s ×%.0f %s ramp %s at %s: %s (window %s)", s.Brand, s.Factor, s.Length, s.Ramp, s.Onset.Format(time.RFC3339), d, hit.Window)
		}
		if tl == &busyT {
			delays = append(delays, d)
		}
		if hit.Explanation == nil && hit.Window == "" {
			t.Errorf("alert without window: %+v", hit)
		}
	}
	falseAlarms := 0
	for i, e := range events {
		if e.Type == alert.EventFiring && !matched[i] {
			falseAlarms++
			t.Logf("unmatched alert %s %s at %s", e.Alert.Brand, e.Alert.Segment(), e.Alert.FiredAt.Format(time.RFC3339))
		}
	}
	slices.Sort(delays)
	t.Logf("busy brands: %d spikes, recall %.2f, within 15 min %.2f, median delay %s, max delay %s",
		busyT.n, float64(busyT.detected)/float64(busyT.n), float64(busyT.within15)/float64(busyT.n),
		delays[len(delays)/2], delays[len(delays)-1])
	t.Logf("medium brands: %d spikes, recall %.2f, within 15 min %.2f; %d spikes adding ≥ 20 negative mentions, recall %.2f",
		mediumT.n, float64(mediumT.detected)/float64(mediumT.n), float64(mediumT.within15)/float64(mediumT.n),
		mediumT.large, float64(mediumT.largeDetected)/float64(mediumT.large))
	t.Logf("alerts not matching a spike: %d", falseAlarms)
	if got := float64(busyT.within15) / float64(busyT.n); got < 0.9 {
		t.Errorf("busy brands: %.2f of spikes detected within 15 minutes, want ≥ 0.90", got)
	}
	if got := float64(mediumT.largeDetected) / float64(mediumT.large); got < 0.9 {
		t.Errorf("medium brands: recall of spikes adding ≥ 20 negative mentions %.2f, want ≥ 0.90", got)
	}
	if float64(falseAlarms)/float64(len(brands)) > 1 {
		t.Errorf("%d alerts matched no spike", falseAlarms)
	}
}
