package store

import (
	"context"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ewom/ewom/internal/config"
)

// recorder is an engine that records statements instead of running them.
// Queries answer no rows, but for counts of mentions: {"n": n} (Retract's
// row count), and for the authors of rows by day: authors. The mutation
// poll thus sees no mutation left to do.
type recorder struct {
	stmts   []string
	queries []string
	n       int
	authors string // a JSON row {"d": day number, "a": [author hashes]}
}

func (r *recorder) exec(_ context.Context, q string) error { r.stmts = append(r.stmts, q); return nil }
func (r *recorder) queryJSON(_ context.Context, q string) ([]json.RawMessage, error) {
	r.queries = append(r.queries, q)
	switch {
	case strings.HasPrefix(q, "SELECT count() AS n FROM `ewom`.mentions "):
		b, _ := json.Marshal(map[string]int{"n": r.n})
		return []json.RawMessage{b}, nil
	case strings.Contains(q, "groupUniqArray(") && r.authors != "":
		return []json.RawMessage{json.RawMessage(r.authors)}, nil
	case strings.HasPrefix(q, "SELECT count() AS n FROM "): // as an engine answers a count of nothing
		return []json.RawMessage{json.RawMessage(`{"n":0}`)}, nil
	}
	return nil, nil
}
func (r *recorder) insertRows(context.Context, string, []Row) error { return nil }
func (r *recorder) existingIDs(context.Context, string, []string, time.Time, time.Time) (map[string]bool, error) {
	return nil, nil
}
func (r *recorder) ping(context.Context) error { return nil }
func (r *recorder) close() error               { return nil }

func recordingStore(t *testing.T, version, cluster string) (*common, *recorder) {
	t.Helper()
	caps, err := detectCapabilities(version)
	if err != nil {
		t.Fatal(err)
	}
	r := &recorder{}
	return &common{engine: r, db: "ewom", cluster: cluster, caps: caps}, r
}

const (
	on      = " ON CLUSTER `prod`"
	replica = "'{replica}'"
)

func shardPath(table string) string {
	return "'/clickhouse/tables/{shard}/ewom/" + table + "', " + replica
}

func TestClusterMigrationDDL(t *testing.T) {
	c, r := recordingStore(t, "24.8.1", "prod")
	if _, err := c.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	// Each table: Replicated local table, then the Distributed one with its sharding key.
	sharded := []struct{ table, engine, key string }{
		{"mentions", "ReplicatedReplacingMergeTree(" + shardPath("mentions") + ", version)", "cityHash64(mention_id)"},
		{"mention_ids", "ReplicatedReplacingMergeTree(" + shardPath("mention_ids") + ")", "cityHash64(mention_id)"},
		{"mentions_5m", "ReplicatedSummingMergeTree(" + shardPath("mentions_5m") + ")", "rand()"},
		{"mentions_1d", "ReplicatedSummingMergeTree(" + shardPath("mentions_1d") + ")", "rand()"},
		{"alerts", "ReplicatedReplacingMergeTree(" + shardPath("alerts") + ", version)", "cityHash64(id)"},
		{"alert_actions", "ReplicatedMergeTree(" + shardPath("alert_actions") + ")", "cityHash64(alert_id)"},
		{"label_corrections", "ReplicatedReplacingMergeTree(" + shardPath("label_corrections") + ", version)", "cityHash64(mention_id)"},
		{"mention_days", "ReplicatedSummingMergeTree(" + shardPath("mention_days") + ")", "rand()"},
		{"author_days", "ReplicatedMergeTree(" + shardPath("author_days") + ")", "author"},
		{"author_day_builds", "ReplicatedReplacingMergeTree(" + shardPath("author_day_builds") + ", build)", "toUInt32(day)"},
		{"term_days", "ReplicatedSummingMergeTree(" + shardPath("term_days") + ")", "rand()"},
		{"digest_sends", "ReplicatedMergeTree(" + shardPath("digest_sends") + ")", "cityHash64(digest)"},
	}
	want := []string{
		"CREATE DATABASE IF NOT EXISTS `ewom`" + on,
		"CREATE TABLE IF NOT EXISTS `ewom`.schema_migrations" + on + " (version UInt32, name String, applied_at DateTime('UTC'))" +
			" ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/ewom/schema_migrations', '{shard}-{replica}') ORDER BY version",
	}
	for _, s := range sharded {
		want = append(want,
			"CREATE TABLE IF NOT EXISTS `ewom`."+s.table+"_local"+on+" (…) ENGINE = "+s.engine+" …",
			"CREATE TABLE IF NOT EXISTS `ewom`."+s.table+on+" AS `ewom`."+s.table+"_local"+
				" ENGINE = Distributed('prod', 'ewom', '"+s.table+"_local', "+s.key+")")
	}
	want = append(want,
		"CREATE MATERIALIZED VIEW IF NOT EXISTS `ewom`.mention_ids_mv"+on+" TO `ewom`.mention_ids_local AS SELECT mention_id, published_at FROM `ewom`.mentions_local",
		"CREATE MATERIALIZED VIEW IF NOT EXISTS `ewom`.mentions_5m_mv"+on+" TO `ewom`.mentions_5m_local AS SELECT … FROM `ewom`.mentions_local GROUP BY …",
		// Migration 4 replaces the rollup view with one that does not group.
		"DROP TABLE IF EXISTS `ewom`.mentions_5m_mv"+on,
		"CREATE MATERIALIZED VIEW IF NOT EXISTS `ewom`.mentions_5m_mv"+on+" TO `ewom`.mentions_5m_local AS SELECT … toInt64(1) AS mentions, … FROM `ewom`.mentions_local",
		// Migration 5: inserted batches become compact parts, on every shard.
		"ALTER TABLE `ewom`.mentions_local"+on+" MODIFY SETTING min_bytes_for_wide_part = 134217728",
		// Migration 6: the daily rollup, its view and from when it may be read.
		"CREATE TABLE IF NOT EXISTS `ewom`.rollup_tiers"+on+" (…) ENGINE = ReplicatedMergeTree('/clickhouse/tables/ewom/rollup_tiers', '{shard}-{replica}') ORDER BY (name, since)",
		"CREATE MATERIALIZED VIEW IF NOT EXISTS `ewom`.mentions_1d_mv"+on+" TO `ewom`.mentions_1d_local AS SELECT toStartOfDay(published_at) AS bucket, … toInt64(1) AS mentions, … FROM `ewom`.mentions_local",
		"INSERT INTO `ewom`.rollup_tiers (name, since, created_at) SELECT 'mentions_1d', if((SELECT count() FROM `ewom`.mentions_5m) = 0, …",
		// Migration 7: the author table's day tallies, fed per shard and
		// filled from the stored mentions through the Distributed tables.
		"CREATE MATERIALIZED VIEW IF NOT EXISTS `ewom`.mention_days_mv"+on+" TO `ewom`.mention_days_local AS SELECT toDate(published_at) AS day, … FROM `ewom`.mentions_local WHERE author_handle != ''",
		"INSERT INTO `ewom`.mention_days (day, rows, checksum) SELECT … FROM `ewom`.mentions WHERE author_handle != '' GROUP BY day",
		// Classifier models are small: every server holds all of them.
		"CREATE TABLE IF NOT EXISTS `ewom`.classifier_models"+on+" (…) ENGINE = ReplicatedReplacingMergeTree("+
			"'/clickhouse/tables/ewom/classifier_models', '{shard}-{replica}', version) ORDER BY model_version",
		// So are saved queries.
		"CREATE TABLE IF NOT EXISTS `ewom`.saved_queries"+on+" (…) ENGINE = ReplicatedReplacingMergeTree("+
			"'/clickhouse/tables/ewom/saved_queries', '{shard}-{replica}', version) ORDER BY id",
		"CREATE TABLE IF NOT EXISTS `ewom`.saved_query_sql"+on+" (…) ENGINE = ReplicatedReplacingMergeTree("+
			"'/clickhouse/tables/ewom/saved_query_sql', '{shard}-{replica}', version) ORDER BY id",
		// Migration 500: terms and stories on every shard, the Distributed
		// table made again with them.
		"ALTER TABLE `ewom`.mentions_local"+on+" ADD COLUMN IF NOT EXISTS terms Array(String)",
		"ALTER TABLE `ewom`.mentions_local"+on+" ADD COLUMN IF NOT EXISTS term_forms Array(String)",
		"ALTER TABLE `ewom`.mentions_local"+on+" ADD COLUMN IF NOT EXISTS terms_version LowCardinality(String)",
		"ALTER TABLE `ewom`.mentions_local"+on+" ADD COLUMN IF NOT EXISTS story UInt64",
		"DROP TABLE IF EXISTS `ewom`.mentions"+on,
		"CREATE TABLE IF NOT EXISTS `ewom`.mentions_local"+on+" (…story UInt64\n) ENGINE = …",
		"CREATE TABLE IF NOT EXISTS `ewom`.mentions"+on+" AS `ewom`.mentions_local ENGINE = Distributed('prod', 'ewom', 'mentions_local', cityHash64(mention_id))",
		// Migration 501: the term rollup's view, array-joining each shard's rows.
		"CREATE MATERIALIZED VIEW IF NOT EXISTS `ewom`.term_days_mv"+on+" TO `ewom`.term_days_local AS SELECT toDate(published_at) AS day, … FROM `ewom`.mentions_local ARRAY JOIN terms AS term, …",
		// Migration 502: the view made again, grouping (this server sums on
		// insert; older ones get term_rows_mv in front of it).
		"DROP TABLE IF EXISTS `ewom`.term_days_mv"+on,
		"CREATE MATERIALIZED VIEW IF NOT EXISTS `ewom`.term_days_mv"+on+" TO `ewom`.term_days_local AS SELECT toDate(published_at) AS day, … FROM `ewom`.mentions_local ARRAY JOIN terms AS term, … GROUP BY day, brand, term",
		// Migration 510: the words searches read, computed on every shard,
		// and the Distributed table made again with them.
		"ALTER TABLE `ewom`.mentions_local"+on+" ADD COLUMN IF NOT EXISTS words Array(String) DEFAULT arrayDistinct(extractAll(lowerUTF8(concat(title, ' ', text)), …))",
		"DROP TABLE IF EXISTS `ewom`.mentions"+on,
		"CREATE TABLE IF NOT EXISTS `ewom`.mentions_local"+on+" (…story UInt64\n) ENGINE = …",
		"CREATE TABLE IF NOT EXISTS `ewom`.mentions"+on+" AS `ewom`.mentions_local ENGINE = Distributed('prod', 'ewom', 'mentions_local', cityHash64(mention_id))",
		// Migration 511: the same words as one text, likewise.
		"ALTER TABLE `ewom`.mentions_local"+on+" ADD COLUMN IF NOT EXISTS words_text String DEFAULT concat(' ', arrayStringConcat(words, ' '), ' ')",
		"DROP TABLE IF EXISTS `ewom`.mentions"+on,
		"CREATE TABLE IF NOT EXISTS `ewom`.mentions_local"+on+" (…story UInt64\n) ENGINE = …",
		"CREATE TABLE IF NOT EXISTS `ewom`.mentions"+on+" AS `ewom`.mentions_local ENGINE = Distributed('prod', 'ewom', 'mentions_local', cityHash64(mention_id))",
		// and stored for the rows stored before (this server materializes).
		"ALTER TABLE `ewom`.mentions_local"+on+" MATERIALIZE COLUMN words_text SETTINGS mutations_sync = 2",
		// Migration 512: the words text made from the text, the words
		// array dropped, likewise.
		"ALTER TABLE `ewom`.mentions_local"+on+" MODIFY COLUMN words_text String DEFAULT concat(' ', arrayStringConcat(arrayDistinct(extractAll(lowerUTF8(concat(title, ' ', text)), …)), ' '), ' ')",
		"ALTER TABLE `ewom`.mentions_local"+on+" DROP COLUMN IF EXISTS words",
		"DROP TABLE IF EXISTS `ewom`.mentions"+on,
		"CREATE TABLE IF NOT EXISTS `ewom`.mentions_local"+on+" (…story UInt64\n) ENGINE = …",
		"CREATE TABLE IF NOT EXISTS `ewom`.mentions"+on+" AS `ewom`.mentions_local ENGINE = Distributed('prod', 'ewom', 'mentions_local', cityHash64(mention_id))",
		// Migration 513: the words text in the order written, the title's
		// apart, likewise, and stored anew for every row stored before.
		"ALTER TABLE `ewom`.mentions_local"+on+" MODIFY COLUMN words_text String DEFAULT concat(' ', arrayStringConcat(extractAll(lowerUTF8(title), …), ' '), ' | ', arrayStringConcat(extractAll(lowerUTF8(text), …), ' '), ' ')",
		"DROP TABLE IF EXISTS `ewom`.mentions"+on,
		"CREATE TABLE IF NOT EXISTS `ewom`.mentions_local"+on+" (…story UInt64\n) ENGINE = …",
		"CREATE TABLE IF NOT EXISTS `ewom`.mentions"+on+" AS `ewom`.mentions_local ENGINE = Distributed('prod', 'ewom', 'mentions_local', cityHash64(mention_id))",
		"ALTER TABLE `ewom`.mentions_local"+on+" MATERIALIZE COLUMN words_text SETTINGS mutations_sync = 2",
	)
	var got []string
	for _, s := range r.stmts {
		if strings.HasPrefix(s, "INSERT INTO `ewom`.schema_migrations ") {
			continue
		}
		got = append(got, s)
	}
	if len(got) != len(want) {
		t.Fatalf("%d DDL statements, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
	for _, w := range want {
		if !containsMatch(got, w) {
			t.Errorf("no statement matches\n  %s\nin\n  %s", w, strings.Join(got, "\n  "))
		}
	}
	// Every statement but the rows written to replicated or Distributed
	// tables (the record of an applied migration, the daily rollup's
	// start, the day tallies of stored mentions) is ON CLUSTER.
	for _, s := range r.stmts {
		if !strings.Contains(s, on) && !strings.HasPrefix(s, "INSERT INTO `ewom`.schema_migrations ") &&
			!strings.HasPrefix(s, "INSERT INTO `ewom`.rollup_tiers ") && !strings.HasPrefix(s, "INSERT INTO `ewom`.mention_days ") {
			t.Errorf("not ON CLUSTER: %s", s)
		}
	}
}

// containsMatch reports whether a statement matches pattern, where "…"
// stands for any text.
func containsMatch(stmts []string, pattern string) bool {
	parts := strings.Split(pattern, "…")
	for i, p := range parts {
		parts[i] = regexp.QuoteMeta(p)
	}
	re := regexp.MustCompile("^" + strings.Join(parts, "(?s:.*)") + "$")
	return slices.ContainsFunc(stmts, re.MatchString)
}

func TestSingleServerMigrationDDLHasNoClusterParts(t *testing.T) {
	c, r := recordingStore(t, "24.8.1", "")
	if _, err := c.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, s := range r.stmts {
		for _, bad := range []string{"ON CLUSTER", "_local", "Replicated", "Distributed"} {
			if strings.Contains(s, bad) {
				t.Errorf("%q in single-server DDL: %s", bad, s)
			}
		}
	}
	for _, w := range []string{
		"CREATE TABLE IF NOT EXISTS `ewom`.mentions (…) ENGINE = ReplacingMergeTree(version) PARTITION BY toYYYYMM(published_at) ORDER BY (brand, published_at, mention_id)",
		"CREATE TABLE IF NOT EXISTS `ewom`.mentions_5m (…) ENGINE = SummingMergeTree PARTITION BY …",
		"CREATE MATERIALIZED VIEW IF NOT EXISTS `ewom`.mentions_5m_mv TO `ewom`.mentions_5m AS SELECT … FROM `ewom`.mentions GROUP BY …",
	} {
		if !containsMatch(r.stmts, w) {
			t.Errorf("no statement matches\n  %s\nin\n  %s", w, strings.Join(r.stmts, "\n  "))
		}
	}
}

func TestClusterMutationsAndRetentionTargetLocalTables(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		version, mutationsTable string
		sync                    bool
	}{
		{"24.8.1", "", true},
		{"19.3.4", "cluster('prod', system, mutations)", false},
	} {
		t.Run(tc.version, func(t *testing.T) {
			c, r := recordingStore(t, tc.version, "prod")
			r.n = 2                                       // rows to retract
			r.authors = `{"d": 20777, "a": ["12", "34"]}` // of 2026-11-20
			if n, err := c.Retract(ctx, []string{"m1"}, 7); err != nil || n != 2 {
				t.Fatalf("Retract: %d, %v", n, err)
			}
			if err := Mutate(ctx, c, "ALTER TABLE `ewom`.alerts UPDATE explanation = '' WHERE id = 'a'"); err != nil {
				t.Fatal(err)
			}
			settings := ""
			if tc.sync {
				settings = " SETTINGS mutations_sync = 2"
			}
			want := []string{
				// The rollup subtraction goes through the Distributed tables.
				"INSERT INTO `ewom`.mentions_5m (…) SELECT … FROM `ewom`.mentions WHERE mention_id IN ('m1') AND version <= 7 GROUP BY …",
				"INSERT INTO `ewom`.mentions_1d (…) SELECT toStartOfDay(published_at) … FROM `ewom`.mentions WHERE mention_id IN ('m1') AND version <= 7 GROUP BY …",
				"INSERT INTO `ewom`.term_days (…) SELECT toDate(published_at) AS day, brand, term, … FROM `ewom`.mentions ARRAY JOIN … WHERE mention_id IN ('m1') AND version <= 7 GROUP BY day, brand, term",
				"INSERT INTO `ewom`.mention_days (day, rows, checksum) SELECT toDate(published_at) AS day, -toInt64(count()), … FROM `ewom`.mentions WHERE mention_id IN ('m1') AND version <= 7 AND author_handle != '' GROUP BY day",
				"ALTER TABLE `ewom`.mentions_local" + on + " DELETE WHERE mention_id IN ('m1') AND version <= 7" + settings,
				// The author table's rows of the retracted rows' authors and days, on every shard.
				"ALTER TABLE `ewom`.author_days_local" + on + " DELETE WHERE (day = toDate('2026-11-20') AND author IN (12, 34))" + settings,
				"ALTER TABLE `ewom`.alerts_local" + on + " UPDATE explanation = '' WHERE id = 'a'" + settings,
			}
			if len(r.stmts) != len(want) {
				t.Fatalf("statements:\n%s", strings.Join(r.stmts, "\n"))
			}
			for i, w := range want {
				if !containsMatch(r.stmts[i:i+1], w) {
					t.Errorf("statement %d:\n  %s\nwant\n  %s", i, r.stmts[i], w)
				}
			}
			polled := false
			for _, q := range r.queries {
				polled = polled || strings.Contains(q, "mutations")
				if strings.Contains(q, "system.mutations") && !strings.Contains(q, tc.mutationsTable) {
					t.Errorf("poll reads one server's mutations: %s", q)
				}
			}
			if polled != !tc.sync {
				t.Errorf("polled system.mutations: %v, want %v (%v)", polled, !tc.sync, r.queries)
			}
		})
	}
}

func TestClusterRetention(t *testing.T) {
	ctx := context.Background()
	keep := Retention{Mentions: 90 * 24 * time.Hour}
	c, r := recordingStore(t, "24.8.1", "prod")
	if _, err := ApplyRetention(ctx, c, keep, time.Now()); err != nil {
		t.Fatal(err)
	}
	// The author table and its day tallies are kept as long as the mentions.
	want := []string{"ALTER TABLE `ewom`.mentions_local" + on + " MODIFY TTL published_at + INTERVAL 90 DAY",
		"ALTER TABLE `ewom`.mention_days_local" + on + " MODIFY TTL day + INTERVAL 90 DAY",
		"ALTER TABLE `ewom`.author_days_local" + on + " MODIFY TTL day + INTERVAL 90 DAY",
		"ALTER TABLE `ewom`.author_day_builds_local" + on + " MODIFY TTL day + INTERVAL 90 DAY"}
	if !slices.Equal(r.stmts, want) {
		t.Errorf("TTL statements %q, want %q", r.stmts, want)
	}
	// Without TTL, partitions are listed on every shard, of the local table.
	c, r = recordingStore(t, "18.16.1", "prod")
	if _, err := ApplyRetention(ctx, c, keep, time.Now()); err != nil {
		t.Fatal(err)
	}
	if len(r.queries) != 4 {
		t.Fatalf("partition listings %q", r.queries)
	}
	for i, table := range []string{"mentions", "mention_days", "author_days", "author_day_builds"} {
		if !strings.Contains(r.queries[i], "FROM cluster('prod', system, parts) WHERE") || !strings.Contains(r.queries[i], "table = '"+table+"_local'") {
			t.Errorf("partition listing %q", r.queries[i])
		}
	}
}

func TestMutateRejectsOtherStatements(t *testing.T) {
	c, r := recordingStore(t, "24.8.1", "prod")
	for _, stmt := range []string{"DELETE FROM `ewom`.alerts WHERE 1", "ALTER TABLE `other`.alerts DELETE WHERE 1", "ALTER TABLE `ewom`.alerts"} {
		if err := Mutate(context.Background(), c, stmt); err == nil {
			t.Errorf("Mutate(%q) accepted", stmt)
		}
	}
	if len(r.stmts) != 0 {
		t.Errorf("ran %q", r.stmts)
	}
}

func TestOpenRejectsClusterOnEmbeddedEngine(t *testing.T) {
	_, err := Open(context.Background(), config.Store{Cluster: "prod"}, t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "store.dsn") {
		t.Fatalf("Open with store.cluster and no dsn: %v, want an error naming store.dsn", err)
	}
}

// lastView migrates a recorded single-server store of version and returns
// the last statement creating view, and all the statements.
func lastView(t *testing.T, version, view string) (last string, stmts []string) {
	t.Helper()
	c, r := recordingStore(t, version, "")
	if _, err := c.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, s := range r.stmts {
		if strings.HasPrefix(s, "CREATE MATERIALIZED VIEW IF NOT EXISTS `ewom`."+view+" ") {
			last = s
		}
	}
	return last, r.stmts
}

// Servers that sum inserted blocks get the rollup view without GROUP BY;
// older ones keep grouping in the view.
func TestRollupViewFollowsOptimizeOnInsert(t *testing.T) {
	for version, wantGrouping := range map[string]bool{"18.16.1": true, "24.8.1": false} {
		last, _ := lastView(t, version, "mentions_5m_mv")
		if grouping := strings.Contains(last, "GROUP BY"); last == "" || grouping != wantGrouping {
			t.Errorf("%s: rollup view %q, want GROUP BY %v", version, last, wantGrouping)
		}
	}
}

// The term rollup's view groups on every server; on those without
// optimize_on_insert it reads the term columns from term_rows_mv
// (migration 502), not the inserted block.
func TestTermViewGroupsAndReadsTermRowsOnOldServers(t *testing.T) {
	for version, want := range map[string]string{
		"18.16.1": "CREATE MATERIALIZED VIEW IF NOT EXISTS `ewom`.term_days_mv TO `ewom`.term_days AS SELECT day, brand, terms AS term, … FROM `ewom`.term_rows_mv ARRAY JOIN terms, term_forms GROUP BY day, brand, term",
		"24.8.1":  "CREATE MATERIALIZED VIEW IF NOT EXISTS `ewom`.term_days_mv TO `ewom`.term_days AS SELECT toDate(published_at) AS day, … FROM `ewom`.mentions ARRAY JOIN terms AS term, … GROUP BY day, brand, term",
	} {
		last, stmts := lastView(t, version, "term_days_mv")
		if !containsMatch([]string{last}, want) {
			t.Errorf("%s: term view %q, want %q", version, last, want)
		}
		if rows := containsMatch(stmts, "CREATE TABLE IF NOT EXISTS `ewom`.term_rows (…) ENGINE = Null"); rows != (version == "18.16.1") {
			t.Errorf("%s: Null table term_rows created %v", version, rows)
		}
	}
}
