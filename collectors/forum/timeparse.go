package forum

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// locale holds the words a forum writes its times with: "tänään 14:05",
// "eilen", "2 tuntia sitten", "6. joulukuuta 2026".
type locale struct {
	today, yesterday, dayBefore map[string]bool
	// now are phrases meaning the moment of fetching ("juuri nyt").
	now []string
	// ago marks a relative time ("sitten", "ago"); at is a word that may
	// stand between a date and its time ("klo", "at") and is ignored.
	ago, at map[string]bool
	units   map[string]time.Duration
	// months maps month names and their inflected and short forms.
	months map[string]time.Month
}

func set(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

const day = 24 * time.Hour

// locales are the supported time_locale values.
var locales = map[string]*locale{
	"fi": {
		today: set("tänään", "tanaan"), yesterday: set("eilen"), dayBefore: set("toissapäivänä"),
		now: []string{"juuri nyt", "hetki sitten", "nyt"},
		ago: set("sitten"), at: set("klo", "kello", "kl."),
		units: map[string]time.Duration{
			"s": time.Second, "sek": time.Second, "sekunti": time.Second, "sekuntia": time.Second,
			"min": time.Minute, "minuutti": time.Minute, "minuuttia": time.Minute,
			"h": time.Hour, "t": time.Hour, "tunti": time.Hour, "tuntia": time.Hour,
			"pv": day, "päivä": day, "päivää": day, "vrk": day, "vuorokausi": day, "vuorokautta": day,
			"vk": 7 * day, "viikko": 7 * day, "viikkoa": 7 * day,
			"kk": 30 * day, "kuukausi": 30 * day, "kuukautta": 30 * day,
			"v": 365 * day, "vuosi": 365 * day, "vuotta": 365 * day,
		},
		months: monthNames(
			[]string{"tammikuu", "helmikuu", "maaliskuu", "huhtikuu", "toukokuu", "kesäkuu", "heinäkuu", "elokuu", "syyskuu", "lokakuu", "marraskuu", "joulukuu"},
			[]string{"ta", "tä"}, // tammikuuta, "tammikuussa" is not a date
			[]string{"tammi", "helmi", "maalis", "huhti", "touko", "kesä", "heinä", "elo", "syys", "loka", "marras", "joulu"}),
	},
	"en": {
		today: set("today"), yesterday: set("yesterday"), dayBefore: set(),
		now: []string{"just now", "moments ago", "now"},
		ago: set("ago"), at: set("at", "@"),
		units: map[string]time.Duration{
			"s": time.Second, "sec": time.Second, "secs": time.Second, "second": time.Second, "seconds": time.Second,
			"m": time.Minute, "min": time.Minute, "mins": time.Minute, "minute": time.Minute, "minutes": time.Minute,
			"h": time.Hour, "hr": time.Hour, "hrs": time.Hour, "hour": time.Hour, "hours": time.Hour,
			"d": day, "day": day, "days": day,
			"w": 7 * day, "week": 7 * day, "weeks": 7 * day,
			"mo": 30 * day, "month": 30 * day, "months": 30 * day,
			"y": 365 * day, "yr": 365 * day, "year": 365 * day, "years": 365 * day,
		},
		months: monthNames(
			[]string{"january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"},
			nil,
			[]string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}),
	},
}

// monthNames maps full names, full names with each suffix, and short names.
func monthNames(full, suffixes, short []string) map[string]time.Month {
	m := map[string]time.Month{}
	for i, name := range full {
		mo := time.Month(i + 1)
		m[name] = mo
		for _, s := range suffixes {
			m[name+s] = mo
		}
		m[short[i]] = mo
		m[short[i]+"."] = mo
	}
	return m
}

// timeParser reads a post's time: an ISO time in an attribute when the page
// has one, else the text as the forum shows it.
type timeParser struct {
	loc  *locale
	zone *time.Location
	// layouts are Go time layouts tried on the text before the locale's
	// own reading.
	layouts []string
}

// parse reads attr (a datetime attribute, may be empty) or else text; now
// is the fetch time, which relative times count back from.
func (p *timeParser) parse(attr, text string, now time.Time) (time.Time, error) {
	if attr = strings.TrimSpace(attr); attr != "" {
		if t, err := p.parseISO(attr); err == nil {
			return t, nil
		}
	}
	text = strings.Join(strings.Fields(text), " ")
	if text == "" {
		if attr != "" {
			return time.Time{}, fmt.Errorf("datetime %q is not an ISO 8601 time", attr)
		}
		return time.Time{}, errors.New("no time on the post")
	}
	for _, l := range p.layouts {
		if t, err := time.ParseInLocation(l, text, p.zone); err == nil {
			return t.UTC(), nil
		}
	}
	if t, err := p.parseISO(text); err == nil {
		return t, nil
	}
	t, err := p.parseWords(strings.ToLower(text), now.In(p.zone))
	if err != nil {
		return time.Time{}, fmt.Errorf("%q: %w", text, err)
	}
	return t.UTC(), nil
}

// isoLayouts are the machine-readable forms: times without a zone are in
// the forum's zone.
var isoLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05Z0700", "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05Z07:00", "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02"}

func (p *timeParser) parseISO(s string) (time.Time, error) {
	for _, l := range isoLayouts {
		if t, err := time.ParseInLocation(l, s, p.zone); err == nil {
			return t.UTC(), nil
		}
	}
	// Unix seconds or milliseconds (data-timestamp="1765029900").
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 0 {
		if n > 1e12 {
			return time.UnixMilli(n).UTC(), nil
		}
		return time.Unix(n, 0).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("%q is not an ISO 8601 time", s)
}

// parseWords reads the forms forums print: "6.12.2026 klo 14.05",
// "6.12. 14:05", "tänään 14:05", "eilen", "2 tuntia sitten",
// "6. joulukuuta 2026 14:05", "14:05 | 8.12.2026". now is in the forum's
// zone. A time of day without a date is today's, or yesterday's when that
// would be in the future.
func (p *timeParser) parseWords(s string, now time.Time) (time.Time, error) {
	for _, phrase := range p.loc.now {
		if s == phrase {
			return now, nil
		}
	}
	toks := strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || r == '|' || r == ',' || r == '·' || r == '–' })
	if ago, ok, err := p.relative(toks, now); ok {
		return ago, err
	}
	var (
		y, d                int
		mo, pendingMonth    time.Month
		haveDate, haveClock bool
		dayOff              = -1
		hh, mm, ss          int
		pendingDay          int // "6." before a month name
	)
	for _, tok := range toks {
		switch {
		case p.loc.at[tok]:
		case p.loc.today[tok]:
			dayOff = 0
		case p.loc.yesterday[tok]:
			dayOff = 1
		case p.loc.dayBefore[tok]:
			dayOff = 2
		default:
			if mon, ok := p.loc.months[tok]; ok && !haveDate {
				if pendingDay > 0 {
					d, mo, haveDate = pendingDay, mon, true // "6. joulukuuta"
				} else {
					pendingMonth = mon // "Dec 6"
				}
				continue
			}
			if dd, mon, yy, ok := numericDate(tok); ok && !haveDate {
				d, mo, y, haveDate = dd, mon, yy, true
				continue
			}
			if h, m, sec, ok := timeOfDay(tok); ok && !haveClock {
				hh, mm, ss, haveClock = h, m, sec, true
				continue
			}
			if n, ok := dayNumber(tok); ok && !haveDate {
				if pendingMonth != 0 {
					d, mo, haveDate = n, pendingMonth, true
				} else {
					pendingDay = n
				}
				continue
			}
			if n, err := strconv.Atoi(tok); err == nil && haveDate && y == 0 && n >= 1900 && n < 3000 {
				y = n // "6. joulukuuta 2026"
				continue
			}
			if strings.ContainsFunc(tok, unicode.IsDigit) {
				return time.Time{}, fmt.Errorf("%q is not a date or a time of day", tok)
			}
			// Other words ("muokattu", "kirjoitettu") are not part of the time.
		}
	}
	switch {
	case dayOff >= 0:
		base := now.AddDate(0, 0, -dayOff)
		y, mo, d = base.Date()
	case haveDate:
		if y == 0 {
			// "6.12." is this year's, or last year's when that is ahead.
			y = now.Year()
			if time.Date(y, mo, d, 0, 0, 0, 0, now.Location()).After(now.Add(day)) {
				y--
			}
		}
	case haveClock:
		y, mo, d = now.Date()
		if time.Date(y, mo, d, hh, mm, ss, 0, now.Location()).After(now.Add(5 * time.Minute)) {
			y, mo, d = now.AddDate(0, 0, -1).Date()
		}
	default:
		return time.Time{}, errors.New("no date or time in it")
	}
	t := time.Date(y, mo, d, hh, mm, ss, 0, now.Location())
	if t.Day() != d || t.Month() != mo {
		return time.Time{}, fmt.Errorf("%d.%d.%d is not a date", d, mo, y)
	}
	return t, nil
}

// relative reads "<n> <unit> <ago>" ("2 tuntia sitten", "an hour ago",
// "tunti sitten"); ok is false when toks are not a relative time.
func (p *timeParser) relative(toks []string, now time.Time) (time.Time, bool, error) {
	at := -1
	for i, t := range toks {
		if p.loc.ago[t] {
			at = i
			break
		}
	}
	if at < 1 {
		return time.Time{}, false, nil
	}
	unit, ok := p.loc.units[toks[at-1]]
	n := 1
	switch {
	case ok && at >= 2:
		// "2 tuntia sitten"; "tunti sitten" and "an hour ago" are one.
		if v, err := strconv.Atoi(toks[at-2]); err == nil {
			n = v
		}
	case !ok:
		// "5min sitten", "2h ago"
		num := strings.TrimRightFunc(toks[at-1], unicode.IsLetter)
		u, uok := p.loc.units[toks[at-1][len(num):]]
		v, err := strconv.Atoi(num)
		if !uok || err != nil {
			return time.Time{}, true, fmt.Errorf("%q is not an amount of time", strings.Join(toks[:at+1], " "))
		}
		unit, n = u, v
	}
	if n < 0 || n > 100000 {
		return time.Time{}, true, fmt.Errorf("%d is out of range", n)
	}
	return now.Add(-time.Duration(n) * unit), true, nil
}

// numericDate reads "6.12.2026", "06.12.26", "6.12." and "2026-12-06".
func numericDate(tok string) (d int, mo time.Month, y int, ok bool) {
	if t, err := time.Parse("2006-01-02", tok); err == nil {
		return t.Day(), t.Month(), t.Year(), true
	}
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return 0, 0, 0, false
	}
	dd, err1 := strconv.Atoi(parts[0])
	mm, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil || dd < 1 || dd > 31 || mm < 1 || mm > 12 {
		return 0, 0, 0, false
	}
	if parts[2] != "" {
		yy, err := strconv.Atoi(parts[2])
		switch {
		case err != nil:
			return 0, 0, 0, false
		case len(parts[2]) == 2:
			yy += 2000
		case len(parts[2]) != 4:
			return 0, 0, 0, false
		}
		y = yy
	}
	return dd, time.Month(mm), y, true
}

// timeOfDay reads "14:05", "14.05", "14:05:30".
func timeOfDay(tok string) (h, m, s int, ok bool) {
	parts := strings.FieldsFunc(tok, func(r rune) bool { return r == ':' || r == '.' })
	if len(parts) < 2 || len(parts) > 3 || strings.HasSuffix(tok, ".") {
		return 0, 0, 0, false
	}
	var v [3]int
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || (i > 0 && len(p) != 2) {
			return 0, 0, 0, false
		}
		v[i] = n
	}
	if v[0] > 23 || v[1] > 59 || v[2] > 59 {
		return 0, 0, 0, false
	}
	return v[0], v[1], v[2], true
}

// dayNumber reads "6." (a day before a month name).
func dayNumber(tok string) (int, bool) {
	n, err := strconv.Atoi(strings.TrimSuffix(tok, "."))
	if err != nil || n < 1 || n > 31 {
		return 0, false
	}
	return n, true
}
