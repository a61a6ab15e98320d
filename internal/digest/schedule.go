package digest

import (
	"time"

	"github.com/ewom/ewom/internal/config"
)

// Period is the span a digest reports on, [Start, End), and when it is due.
type Period struct {
	Start, End time.Time
	Due        time.Time
}

// Previous is the period of the same length just before p.
func (p Period) Previous() Period {
	if p.End.Sub(p.Start) > 48*time.Hour {
		return Period{Start: p.Start.AddDate(0, 0, -7), End: p.Start}
	}
	return Period{Start: p.Start.AddDate(0, 0, -1), End: p.Start}
}

// latest returns the newest period of d that is due at now: the previous
// local day (daily) or Monday–Sunday week (weekly), sent at d.At local time
// on the day after it ends. Days follow the zone's calendar, so a period
// that spans a daylight-saving change is 23 or 25 hours (or a week of them).
func latest(d config.Digest, now time.Time) (Period, error) {
	loc, err := d.Location()
	if err != nil {
		return Period{}, err
	}
	h, m, err := d.SendTime()
	if err != nil {
		return Period{}, err
	}
	local := now.In(loc)
	day := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, loc)
	step := 1
	if d.Schedule == "weekly" {
		day = day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7)) // this week's Monday
		step = 7
	}
	due := time.Date(day.Year(), day.Month(), day.Day(), h, m, 0, 0, loc)
	if now.Before(due) {
		day = day.AddDate(0, 0, -step)
		due = due.AddDate(0, 0, -step)
	}
	return Period{Start: day.AddDate(0, 0, -step), End: day, Due: due}, nil
}
