package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// column describes one column of the mentions table; the list drives the
// DDL and both engines' insert encodings, so they cannot drift apart. The
// constructors in columns.go fill in the encodings from a typed getter.
type column struct {
	name string
	typ  string
	low  bool // LowCardinality where the engine supports it
	// value is the cell for the server engine's row-wise batch.
	value func(*Row) any
	// appendNative appends the column's cells for all rows in ClickHouse's
	// Native format, the embedded engine's input.
	appendNative func(buf []byte, rows []Row) []byte
}

var mentionColumns = []column{
	stringColumn("mention_id", false, func(r *Row) string { return r.MentionID }),
	stringColumn("brand", true, func(r *Row) string { return r.Brand }),
	stringColumn("source", true, func(r *Row) string { return r.Source }),
	stringColumn("source_id", false, func(r *Row) string { return r.SourceID }),
	stringColumn("url", false, func(r *Row) string { return r.URL }),
	stringColumn("title", false, func(r *Row) string { return r.Title }),
	stringColumn("text", false, func(r *Row) string { return r.Text }),
	stringColumn("author_handle", false, func(r *Row) string { return r.AuthorHandle }),
	stringColumn("author_name", false, func(r *Row) string { return r.AuthorName }),
	stringColumn("author_url", false, func(r *Row) string { return r.AuthorURL }),
	uint64Column("author_followers", func(r *Row) uint64 { return r.AuthorFollowers }),
	dateTimeColumn("published_at", func(r *Row) time.Time { return r.PublishedAt }),
	dateTimeColumn("ingested_at", func(r *Row) time.Time { return r.IngestedAt }),
	stringColumn("lang", true, func(r *Row) string { return r.Lang }),
	stringColumn("source_lang", true, func(r *Row) string { return r.SourceLang }),
	nullableFloat32Column("rating", func(r *Row) *float32 { return r.Rating }),
	uint64Column("likes", func(r *Row) uint64 { return r.Likes }),
	uint64Column("reposts", func(r *Row) uint64 { return r.Reposts }),
	uint64Column("replies", func(r *Row) uint64 { return r.Replies }),
	stringColumn("parent_url", false, func(r *Row) string { return r.ParentURL }),
	stringColumn("sentiment", true, func(r *Row) string { return r.Sentiment }),
	float32Column("sentiment_score", func(r *Row) float32 { return r.SentimentScore }),
	flagColumn("sentiment_unscored", func(r *Row) bool { return r.SentimentUnscored }),
	stringColumn("touchpoint", true, func(r *Row) string { return r.Touchpoint }),
	stringColumn("touchpoint_reason", false, func(r *Row) string { return r.TouchpointReason }),
	flagColumn("undisclosed_commercial", func(r *Row) bool { return r.UndisclosedCommercial }),
	stringColumn("journey_stage", true, func(r *Row) string { return r.JourneyStage }),
	stringArrayColumn("brands", func(r *Row) []string { return r.Brands }),
	stringColumn("classifier_version", true, func(r *Row) string { return r.ClassifierVersion }),
	stringColumn("explanation", false, func(r *Row) string { return r.Explanation }),
	stringColumn("raw", false, func(r *Row) string { return r.Raw }),
	// version orders replacements of the same row (a reclassification wins).
	uint64Column("version", func(r *Row) uint64 { return r.version() }),
	// topicColumns, added by migration 500 (schema_topics.go).
	stringArrayColumn("terms", func(r *Row) []string { return r.Terms }),
	stringArrayColumn("term_forms", func(r *Row) []string { return r.TermForms }),
	stringColumn("terms_version", true, func(r *Row) string { return r.TermsVersion }),
	uint64Column("story", func(r *Row) uint64 { return r.Story }),
}

func columnNames() string {
	names := make([]string, len(mentionColumns))
	for i, c := range mentionColumns {
		names[i] = c.name
	}
	return strings.Join(names, ", ")
}

// capabilities are what the connected engine supports, read from version().
type capabilities struct {
	major, minor   int
	lowCardinality bool // usable without experimental settings (>= 19.x GA; we require 20.1)
	ttl            bool // table TTL (>= 19.6)
	asyncInsert    bool // the async_insert setting exists (>= 21.11) and must be switched off explicitly
	mutationsSync  bool // ALTER … SETTINGS mutations_sync (>= 19.11); older servers are polled
	// the clusterAllReplicas table function (>= 20.1); older servers have cluster
	clusterAllReplicas bool
	// inserted blocks are merged by the engine's rule, e.g. summed (>= 20.11)
	optimizeOnInsert bool
	compactParts     bool // compact data parts, min_bytes_for_wide_part (>= 20.3)
	// ALTER … ADD COLUMN IF NOT EXISTS (not on 18.16; certainly from 20.1)
	addColumnIfNotExists bool
	// a column added by ALTER is computed for older parts also when
	// PREWHERE reads the columns it is computed from (not on 18.16;
	// assumed from 20.1)
	computesAddedColumnsInPrewhere bool
	// ALTER … MATERIALIZE COLUMN (since 21.10; assumed from 22.1)
	materializeColumn bool
}

func detectCapabilities(version string) (capabilities, error) {
	parts := strings.SplitN(version, ".", 3)
	if len(parts) < 2 {
		return capabilities{}, fmt.Errorf("unrecognised ClickHouse version %q", version)
	}
	major, err1 := strconv.Atoi(parts[0])
	minor, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil {
		return capabilities{}, fmt.Errorf("unrecognised ClickHouse version %q", version)
	}
	if major < 18 || (major == 18 && minor < 16) {
		return capabilities{}, fmt.Errorf("ClickHouse %s is older than the oldest supported (18.16)", version)
	}
	at := func(ma, mi int) bool { return major > ma || (major == ma && minor >= mi) }
	return capabilities{major: major, minor: minor, lowCardinality: at(20, 1), ttl: at(19, 6), asyncInsert: at(21, 11), mutationsSync: at(19, 11), clusterAllReplicas: at(20, 1), optimizeOnInsert: at(20, 11), compactParts: at(20, 3),
		addColumnIfNotExists: at(20, 1), computesAddedColumnsInPrewhere: at(20, 1), materializeColumn: at(22, 1)}, nil
}

func (c capabilities) colType(col column) string {
	if col.low && c.lowCardinality {
		return "LowCardinality(" + col.typ + ")"
	}
	return col.typ
}

// (Inserts from Exec use INSERT … SELECT: 18.16 hangs on INSERT … VALUES sent
// as a plain native-protocol query.)

// migration is one versioned schema change. Statements must be idempotent
// (IF NOT EXISTS) so a half-applied migration can simply run again.
type migration struct {
	version int
	name    string
	stmts   func(s *common) []string
	// then, if set, runs after the statements (a mutation waited for).
	then func(ctx context.Context, s *common) error
}

// Version ranges per area, so each area's file adds its own migrations
// without renumbering others: 1-99 mentions and rollups (this file),
// 100-199 alerting, 200-299 dashboards and labels, 300-399 operations
// (retention, privacy), 400-499 classifier models, 500-599 topics and
// queries.
var migrations = []migration{
	{1, "mentions table", func(s *common) []string {
		// Columns added by later migrations are left to them.
		return s.createTable(mentionsTable(s.caps, len(mentionColumns)-len(topicColumns)))
	}, nil},
	{2, "mention id index", func(s *common) []string {
		// Looked up before each insert so a redelivered or re-imported
		// mention is not stored (or counted in rollups) twice. Fed by a
		// materialized view so it is written by the same insert. Ordered by
		// time first: a duplicate has the same published_at, so a lookup
		// reads only the batch's time range, not the whole index.
		return append(s.createTable(mergeTable{name: "mention_ids", columns: "mention_id String, published_at DateTime('UTC')",
			kind:    "ReplacingMergeTree",
			keys:    "PARTITION BY toYYYYMM(published_at) ORDER BY (published_at, mention_id)",
			shardBy: "cityHash64(mention_id)"}),
			s.createView("mention_ids_mv", "mention_ids", "SELECT mention_id, published_at FROM "+s.local("mentions")))
	}, nil},
	{3, "five-minute rollup", func(s *common) []string {
		// Always grouping, as created before migration 4 existed.
		grouping := s.caps
		grouping.optimizeOnInsert = false
		return append(s.createTable(rollupTable("mentions_5m", s.caps)),
			s.createView("mentions_5m_mv", "mentions_5m", rollupView("toStartOfFiveMinute", s.local("mentions"), grouping)))
	}, nil},
	{4, "five-minute rollup view without a GROUP BY", func(s *common) []string {
		// Engines that sum each inserted block by key (optimize_on_insert)
		// do in the SummingMergeTree what the view's grouping did: the
		// grouping was work done twice, a quarter of an insert. Older
		// servers keep grouping, or the rollup would hold a row per mention
		// until merges. Readers sum the rollup's rows either way.
		if !s.caps.optimizeOnInsert {
			return nil
		}
		// DROP TABLE: 18.16 has no DROP VIEW.
		return []string{"DROP TABLE IF EXISTS " + s.Table("mentions_5m_mv") + s.onCluster(),
			s.createView("mentions_5m_mv", "mentions_5m", rollupView("toStartOfFiveMinute", s.local("mentions"), s.caps))}
	}, nil},
	{5, "compact parts for inserted batches", func(s *common) []string {
		// A batch is written as a compact part (one data file) instead of
		// a wide one (files per column): with 32 columns the wide parts
		// cost the engine 40 % more insert and merge CPU per row (about
		// 17 vs 11 µs at 20,000-row batches). Merged parts past 128 MiB
		// are wide again, as scans of a few columns want.
		if !s.caps.compactParts {
			return nil
		}
		return []string{s.alter("mentions", "MODIFY SETTING min_bytes_for_wide_part = 134217728")}
	}, nil},
}

// mentionsTable is the mentions table with the first n of mentionColumns.
func mentionsTable(caps capabilities, n int) mergeTable {
	cols := make([]string, n)
	for i, c := range mentionColumns[:n] {
		cols[i] = "  " + c.name + " " + caps.colType(c)
	}
	return mergeTable{name: "mentions", columns: "\n" + strings.Join(cols, ",\n") + "\n",
		kind: "ReplacingMergeTree", args: "version",
		keys:    "PARTITION BY toYYYYMM(published_at) ORDER BY (brand, published_at, mention_id)",
		shardBy: "cityHash64(mention_id)"}
}

// rollupTable is a rollup of the mentions by time bucket and every label:
// a SummingMergeTree whose counters are signed, so that retractions
// (reclassification, erasure) can subtract.
func rollupTable(name string, caps capabilities) mergeTable {
	low := func(t string) string {
		if caps.lowCardinality {
			return "LowCardinality(" + t + ")"
		}
		return t
	}
	return mergeTable{name: name,
		columns: "bucket DateTime('UTC'), brand " + low("String") + ", source " + low("String") + ", lang " + low("String") +
			", touchpoint " + low("String") + ", journey_stage " + low("String") + ", sentiment " + low("String") +
			", mentions Int64, score_sum Float64, reach Int64, engagement Int64",
		kind:    "SummingMergeTree",
		keys:    "PARTITION BY toYYYYMM(bucket) ORDER BY (brand, bucket, sentiment, touchpoint, journey_stage, source, lang)",
		shardBy: "rand()"}
}

// rollupView is the query of a materialized view feeding a rollupTable
// from the mentions table from, with buckets start(published_at). Engines
// that sum each inserted block by key (optimize_on_insert) need no GROUP BY.
func rollupView(start, from string, caps capabilities) string {
	if caps.optimizeOnInsert {
		return "SELECT " + start + "(published_at) AS bucket, brand, source, lang, touchpoint, journey_stage, sentiment," +
			" toInt64(1) AS mentions, toFloat64(sentiment_score) AS score_sum, toInt64(author_followers) AS reach," +
			" toInt64(likes + reposts + replies) AS engagement FROM " + from
	}
	return "SELECT " + start + "(published_at) AS bucket, brand, source, lang, touchpoint, journey_stage, sentiment," +
		" toInt64(count()) AS mentions, sum(toFloat64(sentiment_score)) AS score_sum, toInt64(sum(author_followers)) AS reach," +
		" toInt64(sum(likes + reposts + replies)) AS engagement FROM " + from +
		" GROUP BY bucket, brand, source, lang, touchpoint, journey_stage, sentiment"
}

// schemaMigrations records the applied migrations. On a cluster every
// server holds all of it, so any server can tell what is applied.
var schemaMigrations = mergeTable{name: "schema_migrations", columns: "version UInt32, name String, applied_at DateTime('UTC')",
	kind: "ReplacingMergeTree", keys: "ORDER BY version"}

// Migrate applies the migrations not yet recorded in schema_migrations.
func (c *common) Migrate(ctx context.Context) ([]string, error) {
	if err := c.exec(ctx, "CREATE DATABASE IF NOT EXISTS `"+c.db+"`"+c.onCluster()); err != nil {
		return nil, fmt.Errorf("create database %s: %w", c.db, err)
	}
	for _, stmt := range c.createTable(schemaMigrations) {
		if err := c.exec(ctx, stmt); err != nil {
			return nil, fmt.Errorf("create schema_migrations: %w", err)
		}
	}
	pending, err := c.pending(ctx)
	if err != nil {
		return nil, err
	}
	var applied []string
	for _, m := range pending {
		for _, stmt := range m.stmts(c) {
			if err := c.exec(ctx, stmt); err != nil {
				return applied, fmt.Errorf("migration %d (%s): %w", m.version, m.name, err)
			}
		}
		if m.then != nil {
			if err := m.then(ctx, c); err != nil {
				return applied, fmt.Errorf("migration %d (%s): %w", m.version, m.name, err)
			}
		}
		if err := c.exec(ctx, fmt.Sprintf("INSERT INTO %s (version, name, applied_at) SELECT %d, %s, %s",
			c.Table("schema_migrations"), m.version, Quote(m.name), Time(time.Now()))); err != nil {
			return applied, fmt.Errorf("record migration %d: %w", m.version, err)
		}
		applied = append(applied, m.String())
	}
	return applied, nil
}

func (m migration) String() string { return fmt.Sprintf("%d %s", m.version, m.name) }

// PendingMigrations names the migrations Migrate would apply.
func (c *common) PendingMigrations(ctx context.Context) ([]string, error) {
	exists, err := c.count(ctx, "SELECT count() AS n FROM system.tables WHERE database = "+Quote(c.db)+" AND name = 'schema_migrations'")
	if err != nil {
		return nil, err
	}
	ms := sortedMigrations() // a database never migrated needs them all
	if exists > 0 {
		if ms, err = c.pending(ctx); err != nil {
			return nil, err
		}
	}
	names := make([]string, len(ms))
	for i, m := range ms {
		names[i] = m.String()
	}
	return names, nil
}

// pending lists the migrations not recorded in schema_migrations, in order.
func (c *common) pending(ctx context.Context) ([]migration, error) {
	rows, err := c.queryJSON(ctx, "SELECT DISTINCT version FROM "+c.Table("schema_migrations"))
	if err != nil {
		return nil, fmt.Errorf("read applied migrations: %w", err)
	}
	done := map[int]bool{}
	for _, r := range rows {
		var v struct{ Version int }
		if err := json.Unmarshal(r, &v); err != nil {
			return nil, fmt.Errorf("read applied migrations: %w", err)
		}
		done[v.Version] = true
	}
	var out []migration
	for _, m := range sortedMigrations() {
		if !done[m.version] {
			out = append(out, m)
		}
	}
	return out, nil
}

// registerMigrations adds an area's migrations; called from init functions
// of the schema_*.go files.
func registerMigrations(ms ...migration) { migrations = append(migrations, ms...) }

func sortedMigrations() []migration {
	ms := slices.Clone(migrations)
	slices.SortFunc(ms, func(a, b migration) int { return a.version - b.version })
	for i := 1; i < len(ms); i++ {
		if ms[i].version == ms[i-1].version {
			panic(fmt.Sprintf("store: migration version %d used twice (%s, %s)", ms[i].version, ms[i-1].name, ms[i].name))
		}
	}
	return ms
}
