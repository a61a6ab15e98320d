package store

// Dashboard tables (versions 200-299).
func init() {
	registerMigrations(migration{version: 200, name: "label corrections", stmts: func(s *common) []string {
		// One row per correction of a mention × brand row. The orig_* columns
		// copy the stored labels and dimensions at correction time so that
		// dashboards can move the mention from its original rollup cell to
		// the corrected one (subtract one, add one) without touching the
		// rollup. The newest version per (mention_id, brand) wins.
		return s.createTable(mergeTable{name: "label_corrections", columns: "mention_id String, brand String, published_at DateTime('UTC'), bucket DateTime('UTC')," +
			" source String, lang String, reach UInt64, engagement UInt64," +
			" orig_sentiment String, orig_touchpoint String, orig_journey_stage String," +
			" new_sentiment String, new_touchpoint String, new_journey_stage String," +
			" classifier_version String, corrected_by String, note String, corrected_at DateTime('UTC'), version UInt64",
			kind: "ReplacingMergeTree", args: "version", keys: "ORDER BY (mention_id, brand)",
			// With the mention's rows, and all versions of a correction together.
			shardBy: "cityHash64(mention_id)"})
	}})
}
