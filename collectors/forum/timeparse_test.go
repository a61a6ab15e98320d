package forum

import (
	"strings"
	"testing"
	"time"
)

func TestTimeParserFinnish(t *testing.T) {
	p := timeParser{loc: locales["fi"], zone: helsinki}
	now := time.Date(2026, 12, 6, 16, 30, 0, 0, helsinki) // a Sunday afternoon
	at := func(y int, mo time.Month, d, h, m int) time.Time { return time.Date(y, mo, d, h, m, 0, 0, helsinki) }
	for text, want := range map[string]time.Time{
		"6.12.2026 klo 14.05":           at(2026, 12, 6, 14, 5),
		"6.12.2026 klo 14:05":           at(2026, 12, 6, 14, 5),
		"06.12.2026 14:05":              at(2026, 12, 6, 14, 5),
		"6.12.26 14.05":                 at(2026, 12, 6, 14, 5),
		"1.8.2017":                      at(2017, 8, 1, 0, 0),
		"6.12. klo 9.30":                at(2026, 12, 6, 9, 30),
		"30.12. 9.30":                   at(2025, 12, 30, 9, 30), // not yet this year
		"tänään 14:05":                  at(2026, 12, 6, 14, 5),
		"Tänään klo 14.05":              at(2026, 12, 6, 14, 5),
		"eilen 23:59":                   at(2026, 12, 5, 23, 59),
		"Eilen 21:51":                   at(2026, 12, 5, 21, 51),
		"eilen":                         at(2026, 12, 5, 0, 0),
		"toissapäivänä 8:00":            at(2026, 12, 4, 8, 0),
		"14:05":                         at(2026, 12, 6, 14, 5),
		"23:50":                         at(2026, 12, 5, 23, 50), // later than now: yesterday's
		"12:34 | 8.12.2024":             at(2024, 12, 8, 12, 34), // Vauva.fi's search results
		"6. joulukuuta 2026 klo 14.05":  at(2026, 12, 6, 14, 5),
		"6. joulukuuta 14.05":           at(2026, 12, 6, 14, 5),
		"1. tammikuuta 2026":            at(2026, 1, 1, 0, 0),
		"kirjoitettu 6.12.2026 (muok.)": at(2026, 12, 6, 0, 0),
		"2026-12-06 14:05":              at(2026, 12, 6, 14, 5),
		"2 tuntia sitten":               now.Add(-2 * time.Hour),
		"tunti sitten":                  now.Add(-time.Hour),
		"5 min sitten":                  now.Add(-5 * time.Minute),
		"5min sitten":                   now.Add(-5 * time.Minute),
		"1 minuutti sitten":             now.Add(-time.Minute),
		"3 päivää sitten":               now.Add(-3 * day),
		"viikko sitten":                 now.Add(-7 * day),
		"juuri nyt":                     now,
		"hetki sitten":                  now,
	} {
		got, err := p.parse("", text, now)
		if err != nil || !got.Equal(want) {
			t.Errorf("%q: %v %v, want %v", text, got.In(helsinki), err, want)
		}
	}
	for _, bad := range []string{"", "joskus kauan sitten", "eilisiltana", "31.2.2026", "32.12.2026 10:00", "kohta", "5 sitten"} {
		if got, err := p.parse("", bad, now); err == nil {
			t.Errorf("%q read as %v", bad, got)
		}
	}
}

func TestTimeParserPrefersTheDatetimeAttribute(t *testing.T) {
	p := timeParser{loc: locales["fi"], zone: helsinki}
	now := time.Date(2026, 12, 6, 16, 30, 0, 0, helsinki)
	for attr, want := range map[string]time.Time{
		"2017-08-01T12:10:51+03:00": time.Date(2017, 8, 1, 9, 10, 51, 0, time.UTC),
		"2017-08-01T12:10:51Z":      time.Date(2017, 8, 1, 12, 10, 51, 0, time.UTC),
		"2017-08-01T12:10:51":       time.Date(2017, 8, 1, 12, 10, 51, 0, helsinki), // no zone: the forum's
		"2017-08-01 12:10":          time.Date(2017, 8, 1, 12, 10, 0, 0, helsinki),
		"1765029900":                time.Unix(1765029900, 0),
		"1765029900123":             time.UnixMilli(1765029900123),
	} {
		got, err := p.parse(attr, "eilen 10:00", now)
		if err != nil || !got.Equal(want) {
			t.Errorf("%q: %v %v, want %v", attr, got, err, want)
		}
	}
	// An unreadable attribute falls back to the text.
	if got, err := p.parse("pian", "eilen 10:00", now); err != nil || !got.Equal(time.Date(2026, 12, 5, 10, 0, 0, 0, helsinki)) {
		t.Errorf("fallback: %v %v", got, err)
	}
	if _, err := p.parse("pian", "", now); err == nil || !strings.Contains(err.Error(), "pian") {
		t.Errorf("bad attribute alone: %v", err)
	}
}

func TestTimeParserEnglishAndLayouts(t *testing.T) {
	now := time.Date(2026, 12, 6, 16, 30, 0, 0, time.UTC)
	p := timeParser{loc: locales["en"], zone: time.UTC, layouts: []string{"02/01/2006 15:04"}}
	for text, want := range map[string]time.Time{
		"06/12/2026 14:05":   time.Date(2026, 12, 6, 14, 5, 0, 0, time.UTC),
		"today at 14:05":     time.Date(2026, 12, 6, 14, 5, 0, 0, time.UTC),
		"Yesterday, 9:15":    time.Date(2026, 12, 5, 9, 15, 0, 0, time.UTC),
		"an hour ago":        now.Add(-time.Hour),
		"3 days ago":         now.Add(-3 * day),
		"2h ago":             now.Add(-2 * time.Hour),
		"Dec 6, 2026, 14:05": time.Date(2026, 12, 6, 14, 5, 0, 0, time.UTC),
		"6 December 2026":    time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC),
		"just now":           now,
	} {
		got, err := p.parse("", text, now)
		if err != nil || !got.Equal(want) {
			t.Errorf("%q: %v %v, want %v", text, got, err, want)
		}
	}
}
