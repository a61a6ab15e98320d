package digest

import (
	"testing"
	"time"

	"github.com/ewom/ewom/internal/config"
)

func TestLatestPeriodFollowsTheLocalCalendar(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, helsinki)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, c := range []struct {
		schedule, now, start, end string
		hours                     float64
	}{
		{"daily", "2026-12-07 07:00", "2026-12-06 00:00", "2026-12-07 00:00", 24},
		{"daily", "2026-12-07 06:59", "2026-12-05 00:00", "2026-12-06 00:00", 24},
		{"daily", "2026-03-30 08:00", "2026-03-29 00:00", "2026-03-30 00:00", 23}, // summer time began
		{"daily", "2026-10-26 07:30", "2026-10-25 00:00", "2026-10-26 00:00", 25}, // and ended
		{"weekly", "2026-12-07 07:00", "2026-11-30 00:00", "2026-12-07 00:00", 168},
		{"weekly", "2026-12-07 06:00", "2026-11-23 00:00", "2026-11-30 00:00", 168},
		{"weekly", "2026-12-13 23:59", "2026-11-30 00:00", "2026-12-07 00:00", 168},
	} {
		d := config.Digest{Schedule: c.schedule, At: "07:00", Timezone: "Europe/Helsinki"}
		p, err := latest(d, at(c.now).UTC())
		if err != nil {
			t.Fatal(err)
		}
		if !p.Start.Equal(at(c.start)) || !p.End.Equal(at(c.end)) || p.End.Sub(p.Start).Hours() != c.hours {
			t.Errorf("%s at %s: %s – %s, want %s – %s (%g h)", c.schedule, c.now, p.Start, p.End, c.start, c.end, c.hours)
		}
		if prev := p.Previous(); !prev.End.Equal(p.Start) || prev.Start.After(p.Start) {
			t.Errorf("%s at %s: previous %v", c.schedule, c.now, prev)
		}
	}
}
