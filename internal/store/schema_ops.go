package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Operations support: erasure and retention. (Migrations 300-399 are
// reserved for this area; none is needed yet: retention is applied at run
// time because its limits come from configuration.)

// Mutate runs stmt, an ALTER TABLE <s.Table(name)> DELETE/UPDATE …, and
// returns once it has been applied, on every engine (old servers lack
// mutations_sync and are polled), so that the caller's next query sees its
// effect. On a cluster it runs ON CLUSTER on the local tables behind the
// Distributed one.
func Mutate(ctx context.Context, s Store, stmt string) error {
	c, ok := s.(*common)
	if !ok {
		return fmt.Errorf("store: Mutate needs a store from this package, got %T", s)
	}
	rest, isAlter := strings.CutPrefix(stmt, "ALTER TABLE "+c.Table(""))
	name, action, ok := strings.Cut(rest, " ")
	if !isAlter || !ok || name == "" {
		return fmt.Errorf("store: Mutate wants ALTER TABLE %s<table> …, got %q", c.Table(""), stmt)
	}
	return c.mutate(ctx, name, action)
}

// Retention is how long each kind of data is kept; zero keeps it forever.
// Rollups are usually kept much longer than raw mentions.
type Retention struct {
	Mentions time.Duration // mentions (raw rows, text and authors) and the author table
	Rollup   time.Duration // mentions_5m, mentions_1d and term_days
}

// ApplyRetention enforces r on s. Engines with TTL (19.6+) get a table TTL
// and expire rows themselves at merges; older ones have whole monthly
// partitions older than the limit dropped, so call it daily there (the data
// kept is then up to a month longer than the limit). It returns what it did.
func ApplyRetention(ctx context.Context, s Store, r Retention, now time.Time) ([]string, error) {
	c, ok := s.(*common)
	if !ok {
		return nil, fmt.Errorf("store: ApplyRetention needs a store from this package, got %T", s)
	}
	var done []string
	for _, t := range []struct {
		table, column string
		keep          time.Duration
	}{{"mentions", "published_at", r.Mentions}, {"mentions_5m", "bucket", r.Rollup}, {"mentions_1d", "bucket", r.Rollup}, {"term_days", "day", r.Rollup},
		// The author table and its day tallies are of the mentions.
		{"mention_days", "day", r.Mentions}, {"author_days", "day", r.Mentions}, {"author_day_builds", "day", r.Mentions}} {
		if t.keep <= 0 {
			continue
		}
		days := int((t.keep + 24*time.Hour - 1) / (24 * time.Hour))
		if c.caps.ttl {
			// Modifying a TTL rewrites every part on current servers: only
			// when the table does not carry this TTL already.
			set, err := c.hasTTL(ctx, t.table, fmt.Sprintf("TTL %s + toIntervalDay(%d)", t.column, days))
			if err != nil {
				return done, fmt.Errorf("retention of %s: %w", t.table, err)
			}
			if set {
				continue
			}
			if err := c.exec(ctx, c.alter(t.table, fmt.Sprintf("MODIFY TTL %s + INTERVAL %d DAY", t.column, days))); err != nil {
				return done, fmt.Errorf("retention of %s: %w", t.table, err)
			}
			done = append(done, fmt.Sprintf("%s: TTL %d days", t.table, days))
			continue
		}
		cutoff := now.UTC().AddDate(0, 0, -days)
		rows, err := c.queryJSON(ctx, "SELECT DISTINCT partition_id AS p FROM "+c.system("parts")+" WHERE active AND database = "+Quote(c.db)+
			" AND table = "+Quote(c.localName(t.table))+" AND partition_id < "+Quote(cutoff.Format("200601"))+" ORDER BY p")
		if err != nil {
			return done, fmt.Errorf("retention of %s: list partitions: %w", t.table, err)
		}
		for _, raw := range rows {
			var p struct{ P string }
			if err := json.Unmarshal(raw, &p); err != nil {
				return done, err
			}
			month, err := strconv.Atoi(p.P) // partitions are toYYYYMM(…), a number
			if err != nil {
				return done, fmt.Errorf("retention of %s: unexpected partition %q", t.table, p.P)
			}
			if err := c.exec(ctx, c.alter(t.table, "DROP PARTITION "+strconv.Itoa(month))); err != nil {
				return done, fmt.Errorf("retention of %s: drop partition %s: %w", t.table, p.P, err)
			}
			done = append(done, fmt.Sprintf("%s: dropped partition %s", t.table, p.P))
		}
	}
	return done, nil
}

// hasTTL reports whether the table holding name's rows already has ttl (as
// the server renders it in system.tables.engine_full).
func (c *common) hasTTL(ctx context.Context, name, ttl string) (bool, error) {
	rows, err := c.queryJSON(ctx, "SELECT engine_full FROM system.tables WHERE database = "+Quote(c.db)+
		" AND name = "+Quote(c.localName(name)))
	if err != nil {
		return false, fmt.Errorf("read table definition: %w", err)
	}
	for _, raw := range rows {
		var t struct {
			EngineFull string `json:"engine_full"`
		}
		if err := json.Unmarshal(raw, &t); err != nil {
			return false, err
		}
		if strings.Contains(t.EngineFull, ttl+" ") || strings.HasSuffix(t.EngineFull, ttl) {
			return true, nil
		}
	}
	return false, nil
}
