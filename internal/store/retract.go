package store

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Retract removes rows and their rollup contributions. The subtraction is
// one INSERT … SELECT on the server (negated sums of exactly the rows about
// to be deleted), then a DELETE mutation bounded by the same version, so
// rows written later for the same ids (a reclassification) are untouched.
// The term rollup (schema_topics.go) and the day tallies of the author
// table are subtracted the same way, and the
// author table's rows of the rows' authors and days are deleted
// (schema_authors.go).
func (c *common) Retract(ctx context.Context, ids []string, maxVersion uint64) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	where := " WHERE mention_id IN " + QuoteList(ids) + " AND version <= " + strconv.FormatUint(maxVersion, 10)
	n, err := c.count(ctx, "SELECT count() AS n FROM "+c.Table("mentions")+where)
	if err != nil {
		return 0, fmt.Errorf("retract: count rows: %w", err)
	}
	if n == 0 {
		return 0, nil
	}
	authors, err := c.authorsByDay(ctx, where)
	if err != nil {
		return 0, fmt.Errorf("retract: %w", err)
	}
	for _, r := range []struct{ table, start string }{{"mentions_5m", "toStartOfFiveMinute"}, {"mentions_1d", "toStartOfDay"}} {
		if err := c.exec(ctx, "INSERT INTO "+c.Table(r.table)+
			" (bucket, brand, source, lang, touchpoint, journey_stage, sentiment, mentions, score_sum, reach, engagement)"+
			" SELECT "+r.start+"(published_at) AS bucket, brand, source, lang, touchpoint, journey_stage, sentiment,"+
			" -toInt64(count()), -sum(toFloat64(sentiment_score)), -toInt64(sum(author_followers)), -toInt64(sum(likes + reposts + replies))"+
			" FROM "+c.Table("mentions")+where+
			" GROUP BY bucket, brand, source, lang, touchpoint, journey_stage, sentiment"); err != nil {
			return 0, fmt.Errorf("retract: subtract from %s: %w", r.table, err)
		}
	}
	if err := c.exec(ctx, c.retractTerms(where)); err != nil {
		return 0, fmt.Errorf("retract: subtract from term_days: %w", err)
	}
	if err := c.exec(ctx, "INSERT INTO "+c.Table("mention_days")+" (day, rows, checksum) SELECT toDate(published_at) AS day,"+
		" -toInt64(count()), -sum("+rowHash+") FROM "+c.Table("mentions")+where+" AND author_handle != '' GROUP BY day"); err != nil {
		return 0, fmt.Errorf("retract: subtract from mention_days: %w", err)
	}
	if err := c.mutate(ctx, "mentions", "DELETE"+where); err != nil {
		return 0, fmt.Errorf("retract: delete rows: %w", err)
	}
	if err := c.deleteAuthorRows(ctx, authorDayConditions(authors)); err != nil {
		return 0, fmt.Errorf("retract: delete author table rows: %w", err)
	}
	return n, nil
}

// authorsByDay returns the authors (hashes, as the author table keys
// them) of the mentions rows matching where, by UTC day.
func (c *common) authorsByDay(ctx context.Context, where string) (map[time.Time][]string, error) {
	rows, err := c.queryJSON(ctx, "SELECT toUInt32(toDate(published_at)) AS d, groupUniqArray(toString(cityHash64(author_handle))) AS a FROM "+
		c.Table("mentions")+where+" AND author_handle != '' GROUP BY d")
	if err != nil {
		return nil, fmt.Errorf("find the authors: %w", err)
	}
	out := map[time.Time][]string{}
	for _, raw := range rows {
		var v struct {
			D int64
			A []string
		}
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, fmt.Errorf("find the authors: %w", err)
		}
		for _, a := range v.A { // numbers, as the engine wrote them
			if _, err := strconv.ParseUint(a, 10, 64); err != nil {
				return nil, fmt.Errorf("find the authors: %s: %w", raw, err)
			}
		}
		out[time.Unix(v.D*int64(oneDay/time.Second), 0).UTC()] = v.A
	}
	return out, nil
}

// maxConditionBytes bounds a mutation's condition, far below the engines'
// default max_query_size (256 KiB).
const maxConditionBytes = 100_000

// authorDayConditions returns conditions selecting the author table rows
// of authors (hashes by day), each at most about maxConditionBytes long
// (deleteAuthorRows joins them into mutations of that size).
func authorDayConditions(authors map[time.Time][]string) []string {
	var out []string
	for _, d := range slices.SortedFunc(maps.Keys(authors), time.Time.Compare) {
		for part := range slices.Chunk(authors[d], maxConditionBytes/24) {
			out = append(out, "(day = "+date(d)+" AND author IN ("+strings.Join(part, ", ")+"))")
		}
	}
	return out
}

// mutate runs ALTER TABLE … action (DELETE/UPDATE) on the rows of table
// name, on every shard of a cluster, and waits until it is done, so that the
// caller's next query sees its effect. Engines without mutations_sync are
// polled; on a cluster the poll reads every server's system.mutations (see
// common.system for the limit on servers older than 20.1).
func (c *common) mutate(ctx context.Context, name, action string) error {
	if c.caps.mutationsSync {
		return c.exec(ctx, c.alter(name, action)+" SETTINGS mutations_sync = 2")
	}
	if err := c.exec(ctx, c.alter(name, action)); err != nil {
		return err
	}
	for {
		pending, err := c.count(ctx, "SELECT count() AS n FROM "+c.system("mutations")+" WHERE database = "+Quote(c.db)+" AND is_done = 0")
		if err != nil {
			return err
		}
		if pending == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}
