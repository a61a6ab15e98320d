package web

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/ewom/ewom/internal/store"
)

const oneDay = 24 * time.Hour

// dailyTier remembers from which day the store's daily rollup may be read
// (store.DailyRollupSince). It is set by migrations, so it is read once; a
// failed read is retried a minute later, aggregates meanwhile read only the
// five-minute rollup.
type dailyTier struct {
	mu       sync.Mutex
	known    bool
	since    time.Time
	ok       bool
	failedAt time.Time
}

// dailySince returns the first day the daily rollup is complete for, and
// whether there is one to read.
func (s *Server) dailySince(ctx context.Context) (time.Time, bool) {
	t := &s.tier
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.known || time.Since(t.failedAt) < time.Minute {
		return t.since, t.ok
	}
	since, ok, err := store.DailyRollupSince(ctx, s.store)
	if err != nil {
		s.log.Warn("web: daily rollup not used", "err", err)
		t.failedAt = time.Now()
		return time.Time{}, false
	}
	t.known, t.since, t.ok = true, since, ok
	return since, ok
}

// rollupRows selects the rollup rows of [from, to) that match f's dimension
// and label filters, with the columns rollup documents. With daily set, the
// whole UTC days within each part of the range between cuts are read from
// the daily rollup and only the part days at the edges from the five-minute
// one: a month is then about 30 rows per label combination instead of
// 8,640. Callers that group by less than a day leave daily unset, and those
// that tell parts of the range apart by bucket cut it there, so that no
// daily row straddles the boundary.
func (s *Server) rollupRows(ctx context.Context, f Filter, daily bool, cuts ...time.Time) string {
	cond := f.dims() + f.labels()
	span := func(table string, from, to time.Time) string {
		return "SELECT bucket, brand, source, lang, touchpoint, journey_stage, sentiment, toInt64(mentions) AS n," +
			" toInt64(reach) AS reach, toInt64(engagement) AS engagement, score_sum FROM " + s.store.Table(table) +
			" WHERE bucket >= " + store.Time(from) + " AND bucket < " + store.Time(to) + cond
	}
	since, ok := time.Time{}, false
	if daily {
		since, ok = s.dailySince(ctx)
	}
	if !ok {
		return span("mentions_5m", f.From, f.To)
	}
	bounds := []time.Time{f.From}
	for _, c := range cuts {
		if c.After(f.From) && c.Before(f.To) {
			bounds = append(bounds, c)
		}
	}
	bounds = append(bounds, f.To)
	var parts []string
	for i := range len(bounds) - 1 {
		from, to := bounds[i], bounds[i+1]
		first, last := from.Truncate(oneDay), to.Truncate(oneDay)
		if first.Before(from) {
			first = first.Add(oneDay)
		}
		if first.Before(since) {
			first = since.Truncate(oneDay)
		}
		if !last.After(first) {
			parts = append(parts, span("mentions_5m", from, to))
			continue
		}
		if from.Before(first) {
			parts = append(parts, span("mentions_5m", from, first))
		}
		parts = append(parts, span("mentions_1d", first, last))
		if last.Before(to) {
			parts = append(parts, span("mentions_5m", last, to))
		}
	}
	return strings.Join(parts, " UNION ALL ")
}
