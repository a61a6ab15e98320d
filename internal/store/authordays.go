package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Reading and building the author table (schema_authors.go).

const oneDay = 24 * time.Hour

// AuthorScope names which rows an author table row sums: one brand's
// (Brand), or every brand's together (All).
type AuthorScope struct {
	All   bool
	Brand string
}

// flag is the scope's all_brands value.
func (sc AuthorScope) flag() uint8 {
	if sc.All {
		return 1
	}
	return 0
}

func commonOf(s Store) (*common, error) {
	c, ok := s.(*common)
	if !ok {
		return nil, fmt.Errorf("store: the author table needs a store from this package, got %T", s)
	}
	return c, nil
}

// AuthorDayRows returns a query of the author figures named (columns of
// the author table, e.g. "rows", "stages") per day and author over the
// mentions rows matching where (conditions joined by AND): what the author
// table holds for the rows of its scope, computed from the rows. Columns:
// day, author, then the figures by name.
func AuthorDayRows(s Store, where string, names ...string) (string, error) {
	c, err := commonOf(s)
	if err != nil {
		return "", err
	}
	ms, err := measures(names)
	if err != nil {
		return "", err
	}
	return c.authorDaySelect(where, false, ms), nil
}

// AuthorTableRows returns a query of the author figures named from the
// author table, of scope, for the days of builds (a day and which build of
// it to read, as AuthorDays returns them; not empty), of the rows matching
// cond ("" or conditions on the table's columns, each starting with AND).
// Columns as AuthorDayRows's.
func AuthorTableRows(s Store, scope AuthorScope, builds map[time.Time]uint64, cond string, names ...string) (string, error) {
	if _, err := measures(names); err != nil {
		return "", err
	}
	if len(builds) == 0 {
		return "", errors.New("store: no days to read from the author table")
	}
	days := slices.SortedFunc(maps.Keys(builds), time.Time.Compare)
	pairs := make([]string, len(days))
	for i, d := range days {
		pairs[i] = "(" + date(d) + ", " + strconv.FormatUint(builds[d], 10) + ")"
	}
	q := "SELECT day, author, " + strings.Join(names, ", ") + " FROM " + s.Table("author_days") +
		" WHERE all_brands = " + strconv.Itoa(int(scope.flag()))
	if !scope.All {
		q += " AND brand = " + Quote(scope.Brand)
	}
	return q + " AND day >= " + date(days[0]) + " AND day <= " + date(days[len(days)-1]) +
		" AND (day, build) IN (" + strings.Join(pairs, ", ") + ")" + cond, nil
}

// date is the UTC day of t as a Date expression.
func date(t time.Time) string { return "toDate(" + Quote(t.UTC().Format(time.DateOnly)) + ")" }

// AuthorDays tells, for each whole UTC day within [from, to), whether the
// author table can serve it for scope, and then which build of it to read
// (builds; 0 for a day without mention rows with an author: nothing to
// read). The other days — changed since they were built, or never built —
// are listed in stale, in order.
func AuthorDays(ctx context.Context, s Store, scope AuthorScope, from, to time.Time) (builds map[time.Time]uint64, stale []time.Time, err error) {
	c, err := commonOf(s)
	if err != nil {
		return nil, nil, err
	}
	first, end := from.UTC().Truncate(oneDay), to.UTC().Truncate(oneDay)
	if first.Before(from) {
		first = first.Add(oneDay)
	}
	builds = map[time.Time]uint64{}
	if !end.After(first) {
		return builds, nil, nil
	}
	states, err := c.authorDayStates(ctx, " AND day >= "+date(first)+" AND day < "+date(end))
	if err != nil {
		return nil, nil, err
	}
	for d := first; d.Before(end); d = d.Add(oneDay) {
		if version, ok := states[d].servable(scope.flag()); ok {
			builds[d] = version
		} else {
			stale = append(stale, d)
		}
	}
	return builds, stale, nil
}

// StaleAuthorDays lists the days before before that the author table
// cannot serve in some scope (see AuthorDays), newest first: the days to
// build.
func StaleAuthorDays(ctx context.Context, s Store, before time.Time) ([]time.Time, error) {
	c, err := commonOf(s)
	if err != nil {
		return nil, err
	}
	states, err := c.authorDayStates(ctx, " AND day < "+date(before))
	if err != nil {
		return nil, err
	}
	var stale []time.Time
	for d, st := range states {
		_, all := st.servable(1)
		if _, one := st.servable(0); !one || !all {
			stale = append(stale, d)
		}
	}
	slices.SortFunc(stale, func(a, b time.Time) int { return b.Compare(a) })
	return stale, nil
}

// BuildAuthorDays writes the author table's rows of each UTC day of days,
// in both scopes, as a new build of the day, and records what it read. It
// returns how many days it made servable. Readers take a day's newest
// build only, so the older builds it supersedes are left for
// PruneAuthorDays: the embedded engine runs a mutation while it holds its
// one connection, and each stalled every dashboard query behind it (0.5–2.5
// s at 100,000 mentions, ~2 s at 10M).
//
// A day that changed while it was built (its tally then differs from what
// the build read) is recorded as not usable, so that no reader takes it
// even if the tally returns to what it read, and its rows are deleted at
// once: an author erased meanwhile leaves nothing behind. A day's tally can also
// disagree with its rows for good: when a merge removed a duplicate row or
// an old version before Retract could subtract it, or a row was counted
// twice when the tallies were first filled. If the previous build of the
// day found the same disagreement — the same rows, the same tally — at
// least settle ago and no mutation of the mentions is under way, the
// tally is corrected by the difference: nothing has been written to the
// day since, so the difference is not a write in progress.
func BuildAuthorDays(ctx context.Context, s Store, days []time.Time, settle time.Duration) (int, error) {
	c, err := commonOf(s)
	if err != nil {
		return 0, err
	}
	var built int
	var unusable []string
	for _, t := range days {
		d := t.UTC().Truncate(oneDay)
		version, usable, err := c.buildAuthorDay(ctx, d, settle)
		if err != nil {
			return built, fmt.Errorf("build the author table's %s: %w", d.Format(time.DateOnly), err)
		}
		if usable {
			built++
		} else {
			unusable = append(unusable, "(day = "+date(d)+" AND build = "+strconv.FormatUint(version, 10)+")")
		}
	}
	if err := c.deleteAuthorRows(ctx, unusable); err != nil {
		return built, fmt.Errorf("delete unusable builds of the author table: %w", err)
	}
	return built, nil
}

// PruneAuthorDays deletes the author table's builds that a newer recorded
// build of their day superseded (BuildAuthorDays leaves them), in as few
// mutations as the conditions' size allows, and returns how many days it
// pruned. Builds newer than a day's newest record (one being written) are
// kept. The dashboards run it once a day.
func PruneAuthorDays(ctx context.Context, s Store) (int, error) {
	c, err := commonOf(s)
	if err != nil {
		return 0, err
	}
	rows, err := c.queryJSON(ctx, "SELECT toUInt32(day) AS d, groupUniqArray(toString(build)) AS builds FROM "+c.Table("author_days")+
		" GROUP BY day HAVING length(builds) > 1")
	if err != nil {
		return 0, fmt.Errorf("list the author table's builds: %w", err)
	}
	if len(rows) == 0 {
		return 0, nil
	}
	held := map[time.Time][]uint64{}
	var days []string
	for _, raw := range rows {
		var v struct {
			D      int64
			Builds []string
		}
		if err := json.Unmarshal(raw, &v); err != nil {
			return 0, fmt.Errorf("list the author table's builds: %s: %w", raw, err)
		}
		d := time.Unix(v.D*int64(oneDay/time.Second), 0).UTC()
		for _, b := range v.Builds {
			n, err := strconv.ParseUint(b, 10, 64)
			if err != nil {
				return 0, fmt.Errorf("list the author table's builds: %s: %w", raw, err)
			}
			held[d] = append(held[d], n)
		}
		days = append(days, date(d))
	}
	states, err := c.authorDayStates(ctx, " AND day IN ("+strings.Join(days, ", ")+")")
	if err != nil {
		return 0, err
	}
	var older []string
	for _, d := range slices.SortedFunc(maps.Keys(held), time.Time.Compare) {
		// Older than the newest record of both scopes (they share it).
		newest := ^uint64(0)
		for _, b := range states[d].built {
			newest = min(newest, b.version)
		}
		if len(states[d].built) < 2 || !slices.ContainsFunc(held[d], func(b uint64) bool { return b < newest }) {
			continue
		}
		older = append(older, "(day = "+date(d)+" AND build < "+strconv.FormatUint(newest, 10)+")")
	}
	if err := c.deleteAuthorRows(ctx, older); err != nil {
		return 0, fmt.Errorf("delete superseded builds of the author table: %w", err)
	}
	return len(older), nil
}

// deleteAuthorRows deletes the author table's rows matching any of conds,
// in mutations of at most about maxConditionBytes of conditions each.
func (c *common) deleteAuthorRows(ctx context.Context, conds []string) error {
	for len(conds) > 0 {
		var where strings.Builder
		for len(conds) > 0 && (where.Len() == 0 || where.Len()+len(conds[0]) < maxConditionBytes) {
			if where.Len() > 0 {
				where.WriteString(" OR ")
			}
			where.WriteString(conds[0])
			conds = conds[1:]
		}
		if err := c.mutate(ctx, "author_days", "DELETE WHERE "+where.String()); err != nil {
			return err
		}
	}
	return nil
}

// buildAuthorDay builds day d (BuildAuthorDays) and returns the build's
// version and whether it is usable.
func (c *common) buildAuthorDay(ctx context.Context, d time.Time, settle time.Duration) (uint64, bool, error) {
	before, err := c.authorDayStates(ctx, " AND day = "+date(d))
	if err != nil {
		return 0, false, err
	}
	prev, hasPrev := before[d].built[0]
	version := uint64(time.Now().UnixNano())
	v := strconv.FormatUint(version, 10)
	names := make([]string, len(authorMeasures))
	for i, m := range authorMeasures {
		names[i] = m.name
	}
	cols := strings.Join(names, ", ")
	where := "published_at >= " + Time(d) + " AND published_at < " + Time(d.Add(oneDay))
	for _, byBrand := range []bool{true, false} {
		scope, brand := "0", "brand"
		if !byBrand {
			scope, brand = "1", "''"
		}
		if err := c.exec(ctx, "INSERT INTO "+c.Table("author_days")+" (all_brands, brand, day, author, build, "+cols+") SELECT "+
			scope+", "+brand+", day, author, "+v+", "+cols+" FROM ("+c.authorDaySelect(where, byBrand, authorMeasures)+")"); err != nil {
			return 0, false, err
		}
	}
	// What each scope's build holds: the tally of the rows it read.
	rows, err := c.queryJSON(ctx, "SELECT all_brands AS scope, toInt64(sum(rows)) AS r, toInt64(sum(checksum)) AS ck FROM "+
		c.Table("author_days")+" WHERE day = "+date(d)+" AND build = "+v+" GROUP BY all_brands")
	if err != nil {
		return 0, false, err
	}
	var held [2]tally
	for _, raw := range rows {
		var x struct {
			Scope uint8
			R, CK json.Number
		}
		if err := json.Unmarshal(raw, &x); err != nil || x.Scope > 1 {
			return 0, false, fmt.Errorf("read the build's tally: %s: %v", raw, err)
		}
		if held[x.Scope], err = parseTally(x.R, x.CK); err != nil {
			return 0, false, fmt.Errorf("read the build's tally: %s: %w", raw, err)
		}
	}
	seen, err := c.dayTally(ctx, d)
	if err != nil {
		return 0, false, err
	}
	usable := held[0] == seen && held[1] == seen
	if !usable && held[0] == held[1] && hasPrev && !prev.usable && prev.tally == held[0] && prev.seen == seen &&
		time.Since(prev.builtAt) >= settle {
		if usable, seen, err = c.reconcileTally(ctx, d, held[0], seen); err != nil {
			return 0, false, err
		}
	}
	// One time for both records: 18.16 refuses a constant now() that
	// differs between the branches of a UNION.
	var records []string
	at := Time(time.Now())
	for scope, h := range held {
		records = append(records, fmt.Sprintf("SELECT %s, toUInt8(%d), toUInt64(%d), toUInt64(%s), toInt64(%d), toInt64(%d), toUInt8(%d),"+
			" toInt64(%d), toInt64(%d), %s", date(d), scope, authorDefinition, v, h.rows, h.checksum, boolInt(usable), seen.rows, seen.checksum, at))
	}
	if err := c.exec(ctx, "INSERT INTO "+c.Table("author_day_builds")+
		" (day, all_brands, definition, build, rows, checksum, usable, seen_rows, seen_checksum, built_at) "+
		strings.Join(records, " UNION ALL ")); err != nil {
		return 0, false, err
	}
	return version, usable, nil
}

// reconcileTally corrects day d's tally, seen, to the tally of its rows,
// rows, unless a mutation of the mentions is under way (it may have
// subtracted rows it has not deleted yet). It returns whether the day's
// tally is rows then, and the tally.
func (c *common) reconcileTally(ctx context.Context, d time.Time, rows, seen tally) (bool, tally, error) {
	pending, err := c.count(ctx, "SELECT count() AS n FROM "+c.system("mutations")+" WHERE database = "+Quote(c.db)+
		" AND table = "+Quote(c.localName("mentions"))+" AND is_done = 0")
	if err != nil {
		return false, seen, err
	}
	if pending > 0 {
		return false, seen, nil
	}
	if err := c.exec(ctx, fmt.Sprintf("INSERT INTO %s (day, rows, checksum) SELECT %s, toInt64(%d), toInt64(%d)", c.Table("mention_days"),
		date(d), rows.rows-seen.rows, rows.checksum-seen.checksum)); err != nil {
		return false, seen, fmt.Errorf("correct the tally: %w", err)
	}
	now, err := c.dayTally(ctx, d)
	return now == rows, now, err
}

// dayTally reads day d's current tally.
func (c *common) dayTally(ctx context.Context, d time.Time) (tally, error) {
	rows, err := c.queryJSON(ctx, "SELECT toInt64(sum(rows)) AS r, toInt64(sum(checksum)) AS ck FROM "+c.Table("mention_days")+
		" WHERE day = "+date(d))
	if err != nil {
		return tally{}, err
	}
	var x struct{ R, CK json.Number }
	if len(rows) != 1 {
		return tally{}, fmt.Errorf("read the day's tally: %d rows", len(rows))
	}
	if err := json.Unmarshal(rows[0], &x); err != nil {
		return tally{}, err
	}
	return parseTally(x.R, x.CK)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// tally is the number of a day's mention rows with an author and the sum
// of their hashes (rowHash).
type tally struct{ rows, checksum int64 }

func parseTally(rows, checksum json.Number) (tally, error) {
	r, err1 := rows.Int64()
	ck, err2 := checksum.Int64()
	return tally{r, ck}, errors.Join(err1, err2)
}

// build is the record of a build of a day in one scope.
type build struct {
	version uint64
	tally   tally // of the rows it read
	usable  bool
	seen    tally // the day's tally when it was done
	builtAt time.Time
}

// dayState is a day's current tally and its newest build made by the
// current definitions, by scope.
type dayState struct {
	tally tally
	built map[uint8]build
}

// servable reports whether the author table can serve the day in scope,
// and from which build: the newest must be usable and have read the rows
// the day has now. A day without rows needs no build (version 0).
func (st dayState) servable(scope uint8) (uint64, bool) {
	b, ok := st.built[scope]
	if !ok {
		return 0, st.tally == tally{}
	}
	return b.version, b.usable && b.tally == st.tally
}

// authorDayStates reads the tallies and newest builds of the days matching
// cond (conditions on day, each starting with AND), in one query. Days
// without rows are left out.
func (c *common) authorDayStates(ctx context.Context, cond string) (map[time.Time]dayState, error) {
	rows, err := c.queryJSON(ctx, "SELECT toUInt32(day) AS d, toUInt8(2) AS scope, toInt64(sum(rows)) AS r, toInt64(sum(checksum)) AS ck,"+
		" toUInt64(0) AS b, toUInt8(0) AS ok, toInt64(0) AS sr, toInt64(0) AS sck, toUInt32(0) AS at FROM "+c.Table("mention_days")+
		" WHERE 1"+cond+" GROUP BY day"+
		" UNION ALL SELECT toUInt32(day) AS d, all_brands AS scope, toInt64(argMax(rows, build)) AS r, toInt64(argMax(checksum, build)) AS ck,"+
		" toUInt64(max(build)) AS b, toUInt8(argMax(usable, build)) AS ok, toInt64(argMax(seen_rows, build)) AS sr,"+
		" toInt64(argMax(seen_checksum, build)) AS sck, toUInt32(argMax(built_at, build)) AS at FROM "+c.Table("author_day_builds")+
		" WHERE definition = "+strconv.FormatUint(authorDefinition, 10)+cond+" GROUP BY day, all_brands")
	if err != nil {
		return nil, fmt.Errorf("read the author table's days: %w", err)
	}
	states := map[time.Time]dayState{}
	for _, raw := range rows {
		var v struct {
			D, At             int64
			Scope, OK         uint8
			R, CK, B, SR, SCK json.Number
		}
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, fmt.Errorf("read the author table's days: %w", err)
		}
		t, err1 := parseTally(v.R, v.CK)
		seen, err2 := parseTally(v.SR, v.SCK)
		version, err3 := strconv.ParseUint(v.B.String(), 10, 64)
		if err := errors.Join(err1, err2, err3); err != nil {
			return nil, fmt.Errorf("read the author table's days: %s: %w", raw, err)
		}
		d := time.Unix(v.D*int64(oneDay/time.Second), 0).UTC()
		st := states[d]
		if st.built == nil {
			st.built = map[uint8]build{}
		}
		if v.Scope == 2 {
			st.tally = t
		} else {
			st.built[v.Scope] = build{version: version, tally: t, usable: v.OK == 1, seen: seen, builtAt: time.Unix(v.At, 0)}
		}
		states[d] = st
	}
	return states, nil
}
