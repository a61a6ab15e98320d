package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// The daily rollup, mentions_1d: the five-minute rollup's counters summed
// per UTC day, for dashboards over weeks and months. On data with many label
// and source combinations the five-minute rollup keeps nearly a row per
// mention (10M synthetic mentions: 1.15M rollup rows in 30 days of one
// brand, 74k daily ones), so a month's aggregate read a million rows.
//
// A materialized view on the mentions feeds it as mentions_5m_mv feeds the
// five-minute rollup, and Retract subtracts from both (views fed by another
// view's inserts do not fire on 18.16), so the two stay equal per day.
//
// Days are complete in it only from when its view existed: rows stored
// before then are not copied (a copy racing with inserts of other
// processes could count rows twice). The migration records from which day
// on it may be read in rollup_tiers: from the start when the five-minute
// rollup was still empty (a new install), else from the day after the
// migration. DailyRollupSince reads it; earlier days come from mentions_5m.
func init() {
	registerMigrations(migration{version: 6, name: "daily rollup", stmts: func(s *common) []string {
		stmts := s.createTable(mergeTable{name: "rollup_tiers", columns: "name String, since DateTime('UTC'), created_at DateTime('UTC')",
			kind: "MergeTree", keys: "ORDER BY (name, since)"})
		stmts = append(stmts, s.createTable(rollupTable("mentions_1d", s.caps))...)
		return append(stmts, s.createView("mentions_1d_mv", "mentions_1d", rollupView("toStartOfDay", s.local("mentions"), s.caps)),
			// After the view exists, so no row can slip between the two.
			"INSERT INTO "+s.Table("rollup_tiers")+" (name, since, created_at) SELECT 'mentions_1d',"+
				" if((SELECT count() FROM "+s.Table("mentions_5m")+") = 0, toDateTime(0, 'UTC'),"+
				" toStartOfDay(toDateTime(now(), 'UTC')) + 86400), now()")
	}})
}

// DailyRollupSince returns the first day from which mentions_1d holds every
// row of mentions_5m; ok is false when the store has no daily rollup.
func DailyRollupSince(ctx context.Context, s Store) (since time.Time, ok bool, err error) {
	// 32-bit results: engines may quote 64-bit integers in JSON.
	rows, err := s.Query(ctx, "SELECT toUInt32(min(since)) AS since, toUInt8(count() > 0) AS found FROM "+s.Table("rollup_tiers")+
		" WHERE name = 'mentions_1d'")
	if err != nil {
		return time.Time{}, false, fmt.Errorf("read rollup_tiers: %w", err)
	}
	var v struct {
		Since int64 `json:"since"`
		Found int   `json:"found"`
	}
	if len(rows) != 1 {
		return time.Time{}, false, nil
	}
	if err := json.Unmarshal(rows[0], &v); err != nil {
		return time.Time{}, false, fmt.Errorf("read rollup_tiers: %w", err)
	}
	if v.Found == 0 {
		return time.Time{}, false, nil
	}
	return time.Unix(v.Since, 0).UTC(), true, nil
}
