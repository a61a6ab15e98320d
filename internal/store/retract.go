package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// Retract removes rows and their rollup contributions. The subtraction is
// one INSERT … SELECT on the server (negated sums of exactly the rows about
// to be deleted), then a DELETE mutation bounded by the same version, so
// rows written later for the same ids (a reclassification) are untouched.
func (c *common) Retract(ctx context.Context, ids []string, maxVersion uint64) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	where := " WHERE mention_id IN " + QuoteList(ids) + " AND version <= " + strconv.FormatUint(maxVersion, 10)
	rows, err := c.queryJSON(ctx, "SELECT count() AS n FROM "+c.Table("mentions")+where)
	if err != nil {
		return 0, fmt.Errorf("retract: count rows: %w", err)
	}
	var n struct{ N int }
	if len(rows) == 1 {
		if err := json.Unmarshal(rows[0], &n); err != nil {
			return 0, err
		}
	}
	if n.N == 0 {
		return 0, nil
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
	if err := c.mutate(ctx, "mentions", "DELETE"+where); err != nil {
		return 0, fmt.Errorf("retract: delete rows: %w", err)
	}
	return n.N, nil
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
		rows, err := c.queryJSON(ctx, "SELECT count() AS n FROM "+c.system("mutations")+" WHERE database = "+Quote(c.db)+" AND is_done = 0")
		if err != nil {
			return err
		}
		var v struct{ N int }
		if len(rows) == 1 {
			_ = json.Unmarshal(rows[0], &v)
		}
		if v.N == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}
